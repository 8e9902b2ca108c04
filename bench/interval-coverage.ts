/**
 * The coverage harness (issue 14): do the published intervals cover the true area as often as they say?
 *
 * A design is a population with exact truth: regions of N pixels (equal area), each with a true class composition and
 * a confusion P(map class | reference class), from which the pixel counts N[r][i][j] (region r, map class i, reference
 * class j) follow by largest remainders. The map's strata (map class, or region x map class) are sampled without
 * replacement as `sat sample` allocates them (allocate-sample.ts: a floor per stratum, the rest proportional), R times
 * with seeds 1..R, and each sample goes through the production estimators (estimate-areas.ts via estimate-regions.ts).
 * Per class (and per region for region x class designs) the report gives the share of the R intervals that hold the
 * true area, the mean relative bias, and the mean half-width relative to the truth, for each interval method.
 */
import { allocateSample } from '../pipeline/assess/allocate-sample.js';
import { combineRegionEstimates, estimateRegions } from '../pipeline/assess/estimate-regions.js';
import type { IntervalMethod } from '../pipeline/assess/estimate-areas.js';
import { DEFAULT_QUALITY_RULES } from '../pipeline/assess/quality-grade.js';
import type { LabelledPoint } from '../pipeline/assess/sample-files.js';
import { seededRandom } from '../pipeline/core/random.js';
import { regionStatistics, type BuildingCountInput } from '../pipeline/statistics/region-statistics.js';

export interface CoverageDesign {
  name: string;
  /** What the design stresses, for the report. */
  about: string;
  classes: string[];
  regions: {
    id: string;
    pixels: number;
    /** True share of each class. */
    composition: number[];
    /** confusion[j][i] = P(map class i | reference class j); rows add up to 1. */
    confusion: number[][];
  }[];
  strata: 'class' | 'region-class';
  sampleSize: number;
  minPerStratum: number;
}

export interface CoverageRow {
  design: string;
  method: IntervalMethod;
  /** 'national' or a region id. */
  domain: string;
  class: string;
  trueArea: number;
  /** Share of replicates whose interval holds the true area. */
  coverage: number;
  /** Mean (estimate - truth) / truth. */
  relativeBias: number;
  /** Mean half-width / truth. */
  relativeHalfWidth: number;
  /** Replicates whose interval had width 0 (an SE of 0). */
  collapsed: number;
}

/** Integer counts of `total` split by `shares`, by largest remainders (so the truth is exact and adds up). */
function splitCount(total: number, shares: number[]): number[] {
  const raw = shares.map((s) => s * total);
  const out = raw.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = raw.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left-- <= 0) break;
    out[i]++;
  }
  return out;
}

/** Pixel counts N[r][i][j]: region r, map class i, reference class j. */
export function designPopulation(design: CoverageDesign): number[][][] {
  const q = design.classes.length;
  return design.regions.map((r) => {
    const n = Array.from({ length: q }, () => new Array<number>(q).fill(0));
    splitCount(r.pixels, r.composition).forEach((refPixels, j) => {
      splitCount(refPixels, r.confusion[j]).forEach((mapped, i) => (n[i][j] += mapped));
    });
    return n;
  });
}

/** Draws `size` units without replacement from a stratum whose units fall into reference classes by `counts`. */
function drawStratum(counts: number[], size: number, random: () => number): number[] {
  const left = counts.slice();
  let total = left.reduce((a, b) => a + b, 0);
  const drawn: number[] = [];
  for (let k = 0; k < size; k++) {
    let u = Math.floor(random() * total);
    let j = 0;
    while (u >= left[j]) u -= left[j++];
    left[j]--;
    total--;
    drawn.push(j);
  }
  return drawn;
}

/** One seeded sample of the design: labelled points whose stratum is the map class (and region, for region x class). */
export function drawDesignSample(design: CoverageDesign, population: number[][][], seed: number): LabelledPoint[] {
  const random = seededRandom(seed);
  const strata: { region: number; mapClass: number; size: number }[] = [];
  population.forEach((n, r) => n.forEach((row, i) => strata.push({ region: r, mapClass: i, size: row.reduce((a, b) => a + b, 0) })));
  const groups =
    design.strata === 'region-class'
      ? strata.map((s) => [s])
      : design.classes.map((_, i) => strata.filter((s) => s.mapClass === i));
  const sizes = allocateSample(groups.map((g) => g.reduce((a, s) => a + s.size, 0)), design.sampleSize, design.minPerStratum);
  const points: LabelledPoint[] = [];
  groups.forEach((group, g) => {
    // A class stratum spans the regions: pool their units, then draw.
    const counts = design.classes.map((_, j) => group.reduce((a, s) => a + population[s.region][s.mapClass][j], 0));
    const mapClass = group[0]?.mapClass ?? 0;
    for (const reference of drawStratum(counts, sizes[g], random)) {
      points.push({ id: points.length + 1, stratum: mapClass, region: design.strata === 'region-class' ? design.regions[group[0].region].id : undefined, col: 0, row: 0, reference });
    }
  });
  return points;
}

/** Coverage, bias and half-width per domain and class over `replicates` samples, for each interval method. */
export function intervalCoverage(design: CoverageDesign, options: { replicates: number; methods: IntervalMethod[]; confidence?: number }): CoverageRow[] {
  const population = designPopulation(design);
  const q = design.classes.length;
  const classes = design.classes.map((_, i) => i);
  const mappedArea = population.map((n) => n.map((row) => row.reduce((a, b) => a + b, 0)));
  const truth = population.map((n) => classes.map((j) => n.reduce((a, row) => a + row[j], 0)));
  const nationalTruth = classes.map((j) => truth.reduce((a, t) => a + t[j], 0));
  const domains = design.strata === 'region-class' ? ['national', ...design.regions.map((r) => r.id)] : ['national'];
  type Tally = { covered: number; bias: number; halfWidth: number; collapsed: number };
  const tallies = new Map<string, Tally>();
  const tally = (method: IntervalMethod, domain: string, j: number, est: { estimate: number; se: number | null }, z: number, trueArea: number) => {
    const key = `${method}|${domain}|${j}`;
    const t = tallies.get(key) ?? { covered: 0, bias: 0, halfWidth: 0, collapsed: 0 };
    const half = z * (est.se ?? NaN);
    if (Math.abs(est.estimate - trueArea) <= half) t.covered++;
    if (half === 0) t.collapsed++;
    t.bias += (est.estimate - trueArea) / trueArea;
    t.halfWidth += half / trueArea;
    tallies.set(key, t);
  };
  for (let seed = 1; seed <= options.replicates; seed++) {
    const points = drawDesignSample(design, population, seed);
    for (const method of options.methods) {
      // Class strata: the whole map is one domain (the regions only split the population); region x class: each region
      // has its own estimate and the national one is their sum.
      const regions =
        design.strata === 'region-class'
          ? design.regions.map((r, k) => ({ id: r.id, mappedArea: mappedArea[k] }))
          : [{ id: 'national', mappedArea: classes.map((i) => mappedArea.reduce((a, m) => a + m[i], 0)) }];
      const estimates = estimateRegions({ classes, regions, points, confidence: options.confidence, interval: method });
      const z = estimates[0].estimation!.z;
      if (design.strata === 'region-class') {
        estimates.forEach((e, k) => e.estimation!.classes.forEach((c, j) => truth[k][j] > 0 && tally(method, design.regions[k].id, j, { estimate: c.area.estimate, se: c.area.se }, z, truth[k][j])));
        combineRegionEstimates(classes, estimates).classes.forEach((c, j) => tally(method, 'national', j, c, z, nationalTruth[j]));
      } else {
        estimates[0].estimation!.classes.forEach((c, j) => tally(method, 'national', j, { estimate: c.area.estimate, se: c.area.se }, z, nationalTruth[j]));
      }
    }
  }
  const rows: CoverageRow[] = [];
  for (const method of options.methods) {
    for (const domain of domains) {
      for (let j = 0; j < q; j++) {
        const t = tallies.get(`${method}|${domain}|${j}`);
        if (!t) continue;
        const k = design.regions.findIndex((r) => r.id === domain);
        const R = options.replicates;
        rows.push({
          design: design.name,
          method,
          domain,
          class: design.classes[j],
          trueArea: domain === 'national' ? nationalTruth[j] : truth[k][j],
          coverage: t.covered / R,
          relativeBias: t.bias / R,
          relativeHalfWidth: t.halfWidth / R,
          collapsed: t.collapsed,
        });
      }
    }
  }
  return rows;
}

const FIVE = ['water', 'forest', 'grassland', 'cropland', 'built-up'];

/**
 * The designs of the README's coverage table. "five-class" is the case: 300 points, at least 25 per stratum,
 * mapped areas off by -12 % … +30 %, and 4 % of the water mapped as forest, the largest stratum (rare omission).
 * "region-class": four regions of different size and accuracy, strata region x map class, the regional estimates
 * and their national sum. "accurate-map": a map with few errors, where the plain intervals collapse most often.
 */
export const COVERAGE_DESIGNS: CoverageDesign[] = [
  {
    name: 'five-class',
    about: '5 classes, 300 points (>= 25 per stratum), 4 % of the water mapped as forest (the largest stratum)',
    classes: FIVE,
    regions: [
      {
        id: 'all',
        pixels: 1_000_000,
        composition: [0.06, 0.42, 0.22, 0.22, 0.08],
        confusion: [
          [0.96, 0.04, 0, 0, 0],
          [0, 0.95, 0.04, 0.01, 0],
          [0, 0.08, 0.8, 0.1, 0.02],
          [0, 0.01, 0.12, 0.85, 0.02],
          [0, 0, 0.03, 0.05, 0.92],
        ],
      },
    ],
    strata: 'class',
    sampleSize: 300,
    minPerStratum: 25,
  },
  {
    name: 'accurate-map',
    about: '4 classes mapped at 97-99 % accuracy, 200 points (>= 30 per stratum): most strata show no error at all',
    classes: FIVE.slice(0, 4),
    regions: [
      {
        id: 'all',
        pixels: 1_000_000,
        composition: [0.05, 0.5, 0.3, 0.15],
        confusion: [
          [0.98, 0.02, 0, 0],
          [0, 0.99, 0.01, 0],
          [0, 0.01, 0.97, 0.02],
          [0, 0, 0.02, 0.98],
        ],
      },
    ],
    strata: 'class',
    sampleSize: 200,
    minPerStratum: 30,
  },
  {
    name: 'region-class',
    about: '4 regions x 5 classes, 600 points (>= 8 per region x class stratum), accuracy differing by region',
    classes: FIVE,
    strata: 'region-class',
    sampleSize: 600,
    minPerStratum: 8,
    regions: [
      { id: 'north', pixels: 400_000, composition: [0.04, 0.6, 0.2, 0.1, 0.06], confusion: [[0.95, 0.05, 0, 0, 0], [0, 0.96, 0.03, 0.01, 0], [0, 0.06, 0.84, 0.08, 0.02], [0, 0.02, 0.1, 0.86, 0.02], [0, 0, 0.04, 0.04, 0.92]] },
      { id: 'south', pixels: 300_000, composition: [0.02, 0.2, 0.3, 0.4, 0.08], confusion: [[0.9, 0.02, 0.04, 0.04, 0], [0, 0.9, 0.06, 0.04, 0], [0, 0.05, 0.78, 0.15, 0.02], [0, 0.01, 0.09, 0.88, 0.02], [0, 0, 0.05, 0.07, 0.88]] },
      { id: 'coast', pixels: 200_000, composition: [0.15, 0.25, 0.25, 0.25, 0.1], confusion: [[0.97, 0.02, 0.01, 0, 0], [0.01, 0.93, 0.04, 0.02, 0], [0.01, 0.07, 0.8, 0.1, 0.02], [0, 0.02, 0.12, 0.84, 0.02], [0.01, 0, 0.03, 0.04, 0.92]] },
      { id: 'city', pixels: 100_000, composition: [0.03, 0.12, 0.2, 0.15, 0.5], confusion: [[0.94, 0, 0, 0, 0.06], [0, 0.92, 0.05, 0, 0.03], [0, 0.05, 0.8, 0.05, 0.1], [0, 0, 0.1, 0.82, 0.08], [0, 0.01, 0.03, 0.02, 0.94]] },
    ],
  },
];

/**
 * Building counts: the corrected count count x p̂ / r̂ with its delta-method SE from the held-out precision and recall
 * (region-statistics.ts). A design is a detector with true object precision P and recall R, a held-out evaluation of
 * M reference objects, and regions of N true buildings. Each replicate draws the held-out true positives TP ~ Bin(M, R)
 * and false positives FP ~ Bin(20k, 1/20), nearly Poisson with mean k = M R (1 - P) / P, and likewise each region's
 * detections; the row's interval is checked against N.
 */
export interface CountDesign {
  name: string;
  precision: number;
  recall: number;
  heldOutObjects: number;
  regions: number[];
}

export interface CountCoverageRow {
  design: string;
  buildings: number;
  coverage: number;
  relativeBias: number;
  relativeHalfWidth: number;
}

function binomial(n: number, p: number, random: () => number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (random() < p) k++;
  return k;
}

/** Detections of `objects` true objects: true positives and false positives, as the design's detector makes them. */
function detect(objects: number, design: CountDesign, random: () => number): { tp: number; fp: number } {
  const tp = binomial(objects, design.recall, random);
  const falseMean = (objects * design.recall * (1 - design.precision)) / design.precision;
  // Nearly Poisson: Bin(20 k, 1/20) has variance 0.95 k.
  return { tp, fp: binomial(Math.round(20 * falseMean), 0.05, random) };
}

type CountAccuracy = NonNullable<BuildingCountInput['accuracy']>;

/** The published building-count row of a region with `count` detections, as `sat run` writes it (nothing suppressed). */
export function publishedCount(count: number, accuracy: CountAccuracy): { estimate: number; lower: number; upper: number } {
  const rows = regionStatistics({
    classes: [{ id: 1, name: 'building' }],
    regions: [{ id: 'r', areaHa: 1, classifiedHa: 1, cloudHa: 0, inSceneHa: 1, mappedHa: new Map() }],
    estimates: null,
    buildings: { classId: 1, counts: new Map([['r', count]]), accuracy },
    quality: { ...DEFAULT_QUALITY_RULES, suppress: [] },
    z: 1.96,
  });
  const row = rows.find((r) => r.indicator === 'building_count')!;
  return { estimate: row.estimate!, lower: row.ci_lower!, upper: row.ci_upper! };
}

export function countCoverage(design: CountDesign, options: { replicates: number; estimate?: typeof publishedCount }): CountCoverageRow[] {
  const estimateOf = options.estimate ?? publishedCount;
  const tallies = design.regions.map(() => ({ covered: 0, bias: 0, halfWidth: 0 }));
  for (let seed = 1; seed <= options.replicates; seed++) {
    const random = seededRandom(seed);
    const heldOut = detect(design.heldOutObjects, design, random);
    const predicted = heldOut.tp + heldOut.fp;
    const accuracy = { precision: heldOut.tp / predicted, recall: heldOut.tp / design.heldOutObjects, predicted, reference: design.heldOutObjects };
    design.regions.forEach((buildings, k) => {
      const d = detect(buildings, design, random);
      const e = estimateOf(d.tp + d.fp, accuracy);
      const t = tallies[k];
      if (e.lower <= buildings && buildings <= e.upper) t.covered++;
      t.bias += (e.estimate - buildings) / buildings;
      t.halfWidth += (e.upper - e.lower) / 2 / buildings;
    });
  }
  const R = options.replicates;
  return design.regions.map((buildings, k) => ({ design: design.name, buildings, coverage: tallies[k].covered / R, relativeBias: tallies[k].bias / R, relativeHalfWidth: tallies[k].halfWidth / R }));
}

/** A SpaceNet-like detector (object precision 0.85, recall 0.75, 300 held-out buildings) over regions of 50 to 20,000 buildings. */
export const COUNT_DESIGNS: CountDesign[] = [{ name: 'buildings', precision: 0.85, recall: 0.75, heldOutObjects: 300, regions: [50, 500, 5000, 20000] }];
