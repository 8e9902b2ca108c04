import type { MultiPolygon, Polygon } from 'geojson';
import { SatError } from '../core/errors.js';
import type { RasterReader } from '../raster/open-raster.js';
import type { PixelWindow } from '../raster/types.js';
import { appendCoverageRows, coverageRows, type CoverageCache, type CoverageMethod, type CoverageTable } from './coverage-cache.js';
import { burnLinesAndPoints, isLinearOrPoint, linearWindow, type LinearGeometry } from './burn-lines-points.js';
import { exactCoverage } from './exact-coverage.js';
import { pixelRings, ringsWindow, type PixelRing } from './pixel-rings.js';
import { allTouchedCoverage, centroidCoverage } from './rule-coverage.js';


export interface Zone {
  id: string | number;
  /** In the raster's CRS. Points and lines take the cells GDAL burns for them, whatever the method. */
  geometry: Polygon | MultiPolygon | LinearGeometry;
}

export interface ClassStats {
  /** Covered cells (sum of coverage fractions for the exact method). */
  count: number;
  /** True ground area on the ellipsoid. */
  area_m2: number;
  /** Share of the zone's valid (covered, not nodata) cells. */
  fraction: number;
  /** With weights: the class's share of the zone's weight (e.g. of its population). */
  weighted_fraction?: number;
}

export interface ZoneStats {
  id: string | number;
  /** Sum of coverage over valid cells (cells with a value, not nodata/NaN). */
  count: number;
  sum: number | null;
  mean: number | null;
  min: number | null;
  max: number | null;
  /** Population standard deviation, coverage-weighted for the exact method. */
  std: number | null;
  /** Covered cells equal to the nodata value (sum of coverage). */
  nodata: number;
  /** Covered cells that were NaN (sum of coverage); excluded like nodata, counted apart as rasterstats does. */
  nan: number;
  /** With `detail`: the median and requested quantiles, the most and least frequent values (ties: the smaller), distinct values, max - min. */
  median?: number | null;
  quantiles?: Record<string, number | null>;
  majority?: number | null;
  minority?: number | null;
  variety?: number;
  range?: number | null;
  weighted_sum?: number | null;
  weighted_mean?: number | null;
  classes?: Record<string, ClassStats>;
}

export interface ZonalOptions {
  method: CoverageMethod;
  /** 1-based band of the value raster. */
  band?: number;
  categorical?: boolean;
  /** A weights raster on the same grid (e.g. population), band 1. */
  weights?: RasterReader;
  /** Ground area of a cell (m²), for categorical areas; see cellAreaFunction. */
  cellArea?: (col: number, row: number) => number;
  /** Use this nodata value instead of the raster's (null: every value counts). */
  nodata?: number | null;
  /** Nodata and NaN cells count with this value instead of being left out (exactextract's default_value). */
  defaultValue?: number;
  /** Cells covered less than this are left out (exactextract's min_coverage_frac); default: any coverage. */
  minCoverage?: number;
  /** 'none': every cell taken counts fully, whatever its coverage (exactextract's coverage_weight=none). */
  coverageWeight?: 'fraction' | 'none';
  /** Also compute median, quantiles, majority, minority, variety and range (keeps the zone's values in memory). */
  detail?: boolean;
  /** Quantiles reported with `detail`; default [0.25, 0.75]. */
  quantiles?: number[];
  /** Reuse coverage tables from earlier runs over the same grid, rule and region set (key: coverageKey()). */
  coverageCache?: { cache: CoverageCache; key: string };
  /** Rows of a zone processed at once, bounding memory for large zones; default: about CELLS_PER_BAND cells. */
  rowsPerBand?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Coverage below this is floating-point residue of exact coverage (a region touching a cell along an edge or at a
 * vertex computes as ~1e-12, not 0): such a sliver cell is not "in" the zone for the cell-set statistics (min, max,
 * median, quantiles, majority, minority, variety, range, the classes present), and not taken at all when every
 * taken cell counts fully (coverageWeight 'none'). Its ≤1e-9 share still enters the coverage-weighted sums
 * (count, sum, mean, std, weighted), which it cannot move noticeably.
 */
export const SLIVER_COVERAGE = 1e-9;

/**
 * Cells of a zone's window taken at once (its coverage and values). Small enough that the band's arrays (8 bytes a
 * cell for coverage) are reused from the allocator's heap instead of fresh pages each time: 512 rows of a 10980-wide
 * scene (45 MB arrays) made aggregate 20-25 % slower than bands of ~48 rows, measured side by side.
 */
const CELLS_PER_BAND = 1 << 19;

const coverageBy: Record<CoverageMethod, (p: PixelRing[][], w: PixelWindow) => Float64Array> = {
  exact: exactCoverage,
  centroid: centroidCoverage,
  'all-touched': allTouchedCoverage,
};

/**
 * Statistics of a raster band per zone. Each cell counts with the share of it inside the zone (exact), or
 * fully by the pixel-centre or all-touched rule; nodata and NaN cells are left out. Zones outside the raster
 * are reported with count 0, in input order. Large zones are processed in bands of rows.
 */
export async function zonalStatistics(raster: RasterReader, zones: Zone[], options: ZonalOptions): Promise<ZoneStats[]> {
  const cached = options.coverageCache ? options.coverageCache.cache.load(options.coverageCache.key) : null;
  if (cached && cached.length !== zones.length) throw new Error('coverage cache does not match the zones (a key collision?)');
  const tables: CoverageTable[] = [];
  const out: ZoneStats[] = [];
  for (const [k, zone] of zones.entries()) {
    const acc = new ZoneAccumulator(Boolean(options.weights), Boolean(options.categorical), options.detail ? (options.quantiles ?? [0.25, 0.75]) : null);
    tables.push(
      await scanZone(raster, zone, options, cached ? cached[k] : null, {
        value: (v, c, w, col, row, sliver) => acc.add(v, c, w, options.cellArea ? options.cellArea(col, row) * c : 0, sliver),
        nodata: (c) => (acc.nodata += c),
        nan: (c) => (acc.nan += c),
      }),
    );
    out.push(acc.result(zone.id));
    options.onProgress?.(k + 1, zones.length);
  }
  if (options.coverageCache && !cached) options.coverageCache.cache.save(options.coverageCache.key, tables);
  return out;
}

/** One covered cell of a zone (exactextract's cell-level outputs). */
export interface ZoneCell {
  cell_id: number;
  center_x: number;
  center_y: number;
  coverage: number;
  value: number;
}

/** Every covered, valid cell of one zone with its value (scaled), coverage and centre: where a zone's statistics come from. */
export async function zoneCells(raster: RasterReader, zone: Zone, options: ZonalOptions): Promise<ZoneCell[]> {
  const gt = raster.info.geotransform!;
  const cells: ZoneCell[] = [];
  await scanZone(raster, zone, options, null, {
    value: (value, coverage, _w, col, row) =>
      cells.push({ cell_id: row * raster.info.width + col, center_x: gt[0] + (col + 0.5) * gt[1] + (row + 0.5) * gt[2], center_y: gt[3] + (col + 0.5) * gt[4] + (row + 0.5) * gt[5], coverage, value }),
    nodata: () => {},
    nan: () => {},
  });
  return cells;
}

interface CellVisitor {
  /** `sliver`: the cell's coverage is below SLIVER_COVERAGE (in the sums, not in the cell-set statistics). */
  value(v: number, coverage: number, weight: number, col: number, row: number, sliver: boolean): void;
  nodata(coverage: number): void;
  nan(coverage: number): void;
}

/**
 * Walks the cells a zone covers, band of rows by band of rows, and hands each to the visitor: valid values
 * (scaled by the band's scale/offset, after nodata is taken out, as GDAL defines them), nodata, NaN. Cells masked by the
 * file's own mask are skipped. Returns the zone's coverage table (read from `cached`, or built for the cache).
 */
async function scanZone(raster: RasterReader, zone: Zone, options: ZonalOptions, cached: CoverageTable | null, visit: CellVisitor): Promise<CoverageTable> {
  const { info } = raster;
  const gt = info.geotransform;
  if (!gt) throw new SatError('E_INPUT', `${info.source}: zonal statistics need a georeferenced raster`);
  const band = options.band ?? 1;
  const nodata = options.nodata !== undefined ? options.nodata : info.nodata;
  const minCoverage = options.minCoverage ?? 0;
  const fullWeight = options.coverageWeight === 'none';
  const fallback = options.defaultValue;
  const scale = info.scales[band - 1];
  const offset = info.offsets[band - 1];
  const geometry = zone.geometry;
  let coverageOf: (part: PixelWindow) => Float64Array;
  let table: CoverageTable;
  if (isLinearOrPoint(geometry)) {
    coverageOf = (part) => burnLinesAndPoints(geometry, gt, part);
    table = cached ?? { window: linearWindow(geometry, gt, info.width, info.height), rows: [] };
  } else {
    const polygons = cached ? [] : pixelRings(geometry, gt);
    coverageOf = (part) => coverageBy[options.method](polygons, part);
    table = cached ?? { window: ringsWindow(polygons, info.width, info.height), rows: [] };
  }
  const { window } = table;
  if (!window) return table;
  const rowsPerBand = options.rowsPerBand ?? Math.max(1, Math.floor(CELLS_PER_BAND / window.width));
  for (let r = window.row; r < window.row + window.height; r += rowsPerBand) {
    const part = { col: window.col, row: r, width: window.width, height: Math.min(rowsPerBand, window.row + window.height - r) };
    let coverage: Float64Array;
    if (cached) {
      coverage = coverageRows(table, r - window.row, r - window.row + part.height);
    } else {
      coverage = coverageOf(part);
      if (options.coverageCache) appendCoverageRows(table, coverage, part.width);
    }
    if (!coverage.some((c) => c > 0)) continue;
    const values = (await raster.read(part, { bands: [band] })).bands[0];
    // Cells the file's own mask marks invalid are not data at all: neither counted nor reported as nodata.
    const mask = await raster.readMask(part);
    const weights = options.weights ? (await options.weights.read(part, { bands: [1] })).bands[0] : null;
    // Row by row, so a cell's column and row come without a division per cell.
    for (let y = 0, i = 0; y < part.height; y++) {
      const row = part.row + y;
      for (let x = 0; x < part.width; x++, i++) {
        const covered = coverage[i];
        if (covered === 0 || covered < minCoverage || (mask && !mask[i])) continue;
        const sliver = covered < SLIVER_COVERAGE;
        if (sliver && fullWeight) continue;
        const c = fullWeight ? 1 : covered;
        let v = values[i];
        if (v !== v || v === nodata) {
          if (v !== v) visit.nan(c);
          else visit.nodata(c);
          if (fallback === undefined) continue;
          v = fallback;
        } else {
          v = v * scale + offset;
        }
        visit.value(v, c, weights ? weights[i] : 1, part.col + x, row, sliver);
      }
    }
  }
  return table;
}

/** Coverage-weighted running statistics (West's weighted incremental mean and variance). */
class ZoneAccumulator {
  count = 0;
  nodata = 0;
  nan = 0;
  private readonly values: number[] = [];
  private readonly coverages: number[] = [];
  private sum = 0;
  private mean = 0;
  private m2 = 0;
  private min = Infinity;
  private max = -Infinity;
  private wSum = 0;
  private wValueSum = 0;
  private readonly classes = new Map<number, { count: number; area: number; weight: number }>();
  /** The class of the previous cell and its entry: class maps come in runs, so most cells skip the Map look-up. */
  private lastValue = NaN; // matches no value
  private lastEntry: { count: number; area: number; weight: number } | undefined;

  constructor(
    private readonly weighted: boolean,
    private readonly categorical: boolean,
    /** Quantiles to report, or null when no order statistics are wanted. */
    private readonly detail: number[] | null,
  ) {}

  /** A sliver (see SLIVER_COVERAGE) enters the weighted sums only. */
  add(v: number, c: number, w: number, area: number, sliver = false): void {
    this.count += c;
    this.sum += c * v;
    const delta = v - this.mean;
    this.mean += (c / this.count) * delta;
    this.m2 += c * delta * (v - this.mean);
    if (this.weighted) {
      this.wSum += c * w;
      this.wValueSum += c * w * v;
    }
    if (sliver) return;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (this.detail) {
      this.values.push(v);
      this.coverages.push(c);
    }
    if (this.categorical) {
      let k = v === this.lastValue ? this.lastEntry : this.classes.get(v);
      if (k) {
        k.count += c;
        k.area += area;
        k.weight += c * w;
      } else {
        k = { count: c, area, weight: c * w };
        this.classes.set(v, k);
      }
      this.lastValue = v;
      this.lastEntry = k;
    }
  }

  result(id: string | number): ZoneStats {
    const has = this.count > 0;
    // Only slivers: the weighted sums exist, but no cell is really inside (min/max null like an empty zone's).
    const cells = this.min <= this.max;
    const stats: ZoneStats = {
      id,
      count: this.count,
      sum: has ? this.sum : null,
      mean: has ? this.sum / this.count : null,
      min: has && cells ? this.min : null,
      max: has && cells ? this.max : null,
      std: has ? Math.sqrt(Math.max(0, this.m2 / this.count)) : null,
      nodata: this.nodata,
      nan: this.nan,
    };
    if (this.detail) Object.assign(stats, distribution(this.values, this.coverages, this.detail));
    if (this.weighted) {
      stats.weighted_sum = has ? this.wValueSum : null;
      stats.weighted_mean = this.wSum > 0 ? this.wValueSum / this.wSum : null;
    }
    if (this.categorical) {
      stats.classes = Object.fromEntries(
        [...this.classes.entries()]
          .sort((a, b) => a[0] - b[0])
          .map(([v, k]) => [
            String(v),
            { count: k.count, area_m2: k.area, fraction: k.count / this.count, ...(this.weighted && { weighted_fraction: k.weight / this.wSum }) },
          ]),
      );
    }
    return stats;
  }
}

/**
 * Order statistics of coverage-weighted values. With equal weights (pixel rules) quantiles interpolate between
 * neighbours as numpy does (rasterstats' median); with fractional weights the quantile q is the smallest value whose
 * cumulative weight reaches q of the total (exactextract's weighted quantiles).
 */
function distribution(values: number[], weights: number[], quantiles: number[]) {
  if (values.length === 0) {
    return { median: null, quantiles: Object.fromEntries(quantiles.map((q) => [String(q), null])), majority: null, minority: null, variety: 0, range: null };
  }
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const sorted = order.map((i) => values[i]);
  const w = order.map((i) => weights[i]);
  const equal = w.every((x) => x === w[0]);
  const total = w.reduce((a, b) => a + b, 0);
  const quantile = (q: number) => {
    if (equal) {
      const h = (sorted.length - 1) * q;
      const lo = Math.floor(h);
      return sorted[lo] + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]) - sorted[lo]);
    }
    let cumulative = 0;
    for (let k = 0; k < sorted.length; k++) {
      cumulative += w[k];
      if (cumulative >= q * total - 1e-12 * total) return sorted[k];
    }
    return sorted[sorted.length - 1];
  };
  const frequency = new Map<number, number>();
  sorted.forEach((v, k) => frequency.set(v, (frequency.get(v) ?? 0) + w[k]));
  let majority = sorted[0];
  let minority = sorted[0];
  for (const [v, f] of frequency) {
    // Map iteration follows ascending values, so strict comparisons keep the smaller value on ties.
    if (f > frequency.get(majority)!) majority = v;
    if (f < frequency.get(minority)!) minority = v;
  }
  return {
    median: quantile(0.5),
    quantiles: Object.fromEntries(quantiles.map((q) => [String(q), quantile(q)])),
    majority,
    minority,
    variety: frequency.size,
    range: sorted[sorted.length - 1] - sorted[0],
  };
}
