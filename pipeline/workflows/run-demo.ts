import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Settings } from '../config/settings.js';
import { loadClassScheme } from '../model/class-scheme.js';
import { loadBandRecipe } from '../preprocess/band-recipe.js';
import { openRaster } from '../raster/open-raster.js';
import { generateScene } from '../synth/generate-scene.js';
import { readJobSpec } from '../jobs/job-spec.js';
import { cellAreaFunction } from '../zonal/cell-area.js';
import { runJob } from './run-job.js';
import { trainModel } from './train-model.js';

export interface DemoOptions {
  outDir: string;
  size: number;
  seed: number;
  settings: Settings;
  /** Progress of each step: name and fraction done. */
  progress: (step: string, fraction: number, label?: string) => void;
}

export interface DemoSummary {
  scene: string;
  size: [number, number];
  model: { dir: string; hash: string; architecture: string; runtime: string; trainingSeconds: number };
  /** The land-cover model on the held-out blocks, and the random-forest baseline on the same pixels. */
  heldOut: { pixels: number; overallAccuracy: number; kappa: number; baselineOverallAccuracy: number | null };
  /** The job `sat run` executed: its file, output folder and what it published. */
  job: { file: string; out: string; regions: number; cells: number; published: number; suppressed: number; sampleSize: number; seconds: number };
  /** Per class over the whole scene (ha): mapped, error-adjusted from the sample (sum of the regional estimates, ± 95 % CI), and the truth. */
  classAreas: Record<string, { mapped: number; estimate: number; halfWidth: number | null; truth: number }>;
}

const EPOCHS = 4;

/** The job the demo runs on its scene: every region, the truth raster as reference with region x class strata. */
function demoJob(file: string, seed: number): string {
  return `# Written by sat demo; run it again with:  sat run ${file}
name: demo
imagery: scene/scene.tif
aux: scene/clouds.tif
model: model
regions: { file: scene/regions.geojson, idField: code, nameField: name }
# The synthetic truth is the reference: a region x class stratified sample is drawn from the map and labelled from it.
reference: { raster: scene/truth.tif, sampleSize: 1500, minPerStratum: 20, strata: region-class }
period: '2020-06-01'
seed: ${seed}
out: run
`;
}

/**
 * The in-process demo on an embedded default (no Redis, no input files): generate a synthetic scene with exact
 * ground truth, train the land-cover model on it with spatial blocks held out (and the random-forest baseline),
 * then run the whole job as \`sat run\` does — classify the scene, aggregate into its regions, assess with a sample
 * labelled from the truth, export graded statistics, SDMX, GeoJSON, a STAC Item and the HTML report — and
 * compare the estimated class areas with the truth.
 */
export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  await mkdir(o.outDir, { recursive: true });
  const sceneDir = path.join(o.outDir, 'scene');
  const manifest = await generateScene(sceneDir, { width: o.size, height: o.size, seed: o.seed }, (f) => o.progress('synth', f), { force: true });
  const file = (name: string) => path.join(sceneDir, name);

  const modelDir = path.join(o.outDir, 'model');
  const trained = await trainModel({
    task: 'landcover',
    imagery: file('scene.tif'),
    labels: { file: file('truth.tif') },
    aux: file('clouds.tif'),
    recipe: loadBandRecipe('synth-s2'),
    classes: loadClassScheme('synth'),
    out: modelDir,
    epochs: EPOCHS,
    seed: o.seed,
    split: { kind: 'blocks', blockSize: 64, testFraction: 0.3, seed: o.seed },
    width: 16,
    baseline: true,
    backend: o.settings.model.backend,
    onProgress: o.progress,
  });

  const jobFile = path.join(o.outDir, 'job.yaml');
  await writeFile(jobFile, demoJob(jobFile, o.seed));
  const { spec, text } = readJobSpec(jobFile);
  const started = performance.now();
  const result = await runJob(spec, text, o.settings, o.progress);

  const truth = await truthAreas(file('truth.tif'), file('clouds.tif'));
  const classAreas: DemoSummary['classAreas'] = {};
  for (const c of manifest.classes) {
    const rows = result.rows.filter((r) => r.indicator === 'area' && r.class === c.id);
    const total = result.assessment?.nationalTotals?.classes.find((t) => t.class === c.id);
    classAreas[c.name] = {
      mapped: round(rows.reduce((a, r) => a + r.mapped, 0)),
      estimate: round(total?.estimate ?? NaN),
      halfWidth: total?.se == null ? null : round(1.96 * total.se),
      truth: round(truth.get(c.id) ?? 0),
    };
  }
  const summary: DemoSummary = {
    scene: file('scene.tif'),
    size: [o.size, o.size],
    model: { dir: modelDir, hash: trained.hash, architecture: trained.metadata.architecture, runtime: trained.runtime, trainingSeconds: trained.metadata.training!.seconds! },
    heldOut: {
      pixels: trained.heldOut.pixels,
      overallAccuracy: round(trained.heldOut.metrics.overallAccuracy),
      kappa: round(trained.heldOut.metrics.kappa),
      baselineOverallAccuracy: trained.baseline ? round(trained.baseline.overallAccuracy) : null,
    },
    job: {
      file: jobFile,
      out: result.out,
      regions: new Set(result.rows.map((r) => r.region)).size,
      cells: result.rows.length,
      published: result.rows.filter((r) => r.estimate !== null).length,
      suppressed: result.rows.filter((r) => r.suppressed).length,
      sampleSize: result.assessment?.sampleSize ?? 0,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    },
    classAreas,
  };
  await writeFile(path.join(o.outDir, 'demo-summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;

/** True area (ha) per class outside clouds (what the map can see): 10 m pixels, so 0.01 ha each on the grid. */
async function truthAreas(truthFile: string, cloudFile: string): Promise<Map<number, number>> {
  const truth = await openRaster(truthFile);
  const clouds = await openRaster(cloudFile);
  try {
    const area = cellAreaFunction(truth.info.geotransform!, { epsg: truth.info.epsg, proj4: truth.info.proj4! });
    const areas = new Map<number, number>();
    const t = (await truth.read()).bands[0];
    const c = (await clouds.read()).bands[0];
    const w = truth.info.width;
    for (let i = 0; i < t.length; i++) if (!c[i]) areas.set(t[i], (areas.get(t[i]) ?? 0) + area(i % w, Math.floor(i / w)) / 10_000);
    return areas;
  } finally {
    await Promise.all([truth.close(), clouds.close()]);
  }
}
