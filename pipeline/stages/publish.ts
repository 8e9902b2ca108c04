import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { zFor } from '../assess/estimate-areas.js';
import { replaceDir, writeFileAtomic } from '../core/atomic-write.js';
import { sha256File } from '../core/checksum.js';
import { codeVersion } from '../core/version.js';
import { exportStatistics } from '../export/export-statistics.js';
import { sdmxMapping } from '../export/statistics-sdmx.js';
import { JOB_LAYOUT } from '../jobs/job-dir.js';
import { isUrl } from '../jobs/job-spec.js';
import type { Job } from '../jobs/open-job.js';
import { regionStatistics, type BuildingCountInput } from '../statistics/region-statistics.js';
import { readAggregation } from './aggregate.js';
import { readAssessment } from './assess.js';
import { readPredictionSummary } from './stitch.js';
import type { JobStage } from './stage.js';

const round = (v: number, digits: number) => Number(v.toFixed(digits));

/** Metadata items that carry a scene's acquisition time, most specific first. */
const ACQUISITION_KEYS = ['ACQUISITION', 'ACQUISITION_DATE', 'DATE_ACQUIRED', 'SENSING_TIME', 'TIFFTAG_DATETIME'];

/** The model's measured object precision and recall, as training or `sat evaluate` recorded them. */
function buildingAccuracy(metrics: Record<string, unknown>): BuildingCountInput['accuracy'] {
  const b = (metrics.heldOut as { buildings?: { precision: number | null; recall: number | null; predicted: number; reference: number } } | undefined)?.buildings;
  return b && b.precision !== null && b.recall !== null ? { precision: b.precision, recall: b.recall, predicted: b.predicted, reference: b.reference } : null;
}

const checksum = async (file: string) => ({ sha256: await sha256File(file), bytes: (await stat(file)).size });

/**
 * A STAC source in the manifest: how it was searched and composited, every Item with the assets read and their
 * versions (ETag, or size, time and SHA-256), and which Items gave pixels to which tile (from the composite's Item).
 */
function compositeProvenance(job: Job) {
  const { plan, assets } = job.compositeSource();
  const item = JSON.parse(readFileSync(job.dir.path(JOB_LAYOUT.imagery.item), 'utf8'));
  const { source, period, grid, acquisitions: _, items: __, ...recipe } = plan;
  return {
    stac: job.stac,
    search: { ...source, period },
    composite: { ...recipe, grid: { epsg: grid.crs.epsg, resolution: grid.resolution, geotransform: grid.geotransform, width: grid.width, height: grid.height }, pixelsWithoutClearObservation: item.properties['satstat:pixels_without_clear_observation'] },
    items: item.properties['satstat:sources'],
    acquisitions: item.properties['satstat:acquisitions'],
    tiles: item.properties['satstat:tiles'],
    assetsRead: Object.keys(assets).length,
  };
}

/** Writes the statistics, exports and manifest into the job's folder; the manifest last, so it marks completion. */
async function writeResults(job: Job, runCost: () => Promise<{ stageSeconds: Record<string, number>; wallSeconds: number; cpuSeconds: number }>): Promise<void> {
  const started = performance.now();
  const { spec, metadata, dir } = job;
  const plan = job.plan();
  const aggregation = readAggregation(job);
  const assessment = readAssessment(job);
  const prediction = readPredictionSummary(job);
  const buildings: BuildingCountInput | null =
    job.buildingClass === null ? null : { classId: job.buildingClass, counts: aggregation.buildingCounts ?? new Map(), accuracy: buildingAccuracy(metadata.metrics) };
  const z = zFor(spec.confidence);
  const unassessed = spec.reference && !assessment ? 'not assessed: the map has no classified pixel' : undefined;
  const rows = regionStatistics({ classes: metadata.classes, regions: aggregation.coverage, estimates: assessment?.regions ?? null, buildings, quality: spec.quality, z, unassessed });

  const input = async (file: string | undefined) => (file ? (isUrl(file) ? { file, sha256: null } : { file, ...(await checksum(file)) }) : null);
  const { scene } = plan;
  const reference = spec.reference;
  const regionSet = job.regions();
  const provenance = {
    job: { name: spec.name, sha256: createHash('sha256').update(job.specText).digest('hex'), period: job.period },
    codeVersion: codeVersion(),
    inputs: {
      imagery: {
        ...(typeof spec.imagery === 'string' ? await input(spec.imagery) : compositeProvenance(job)),
        width: scene.width,
        height: scene.height,
        bands: scene.bands,
        dtype: scene.dtype,
        epsg: scene.epsg,
        geotransform: scene.geotransform,
        acquired: ACQUISITION_KEYS.map((k) => scene.metadata[k]).find((v) => v !== undefined) ?? null,
        metadata: scene.metadata,
      },
      aux: await input(spec.aux),
      aoi: await input(spec.aoi),
      regions: { name: path.basename(spec.regions.file), file: spec.regions.file, sha256: regionSet.checksum, idField: spec.regions.idField, regions: regionSet.regions.length, method: spec.regions.method },
      reference: reference && assessment ? { ...(await input('raster' in reference ? reference.raster : reference.sample)), design: assessment.design, sampleSize: assessment.sampleSize } : null,
    },
    model: { dir: spec.model, sha256: job.modelHash, task: metadata.task, architecture: metadata.architecture, trainingDataSha256: metadata.training?.dataChecksum ?? null },
    runtime: prediction.runtime,
    seed: spec.seed,
  };
  const files = await exportStatistics({
    dir: dir.root,
    name: spec.name,
    period: job.period,
    rows,
    assessment,
    regions: regionSet,
    metadata,
    modelHash: job.modelHash,
    sdmx: sdmxMapping(spec.sdmx, job.modelHash),
    scene: await job.scene(),
    choroplethClass: spec.report.choroplethClass,
    checksum,
    provenance,
    quality: spec.quality,
    confidence: spec.confidence,
    z,
    cloudPixels: prediction.cloudPixels,
  });
  const p = JOB_LAYOUT.prediction;
  const imagery = job.stac ? [JOB_LAYOUT.imagery.composite, JOB_LAYOUT.imagery.clearCount, JOB_LAYOUT.imagery.item] : [];
  const outputs = Object.fromEntries(await Promise.all([p.classes, p.confidence, p.status, p.quicklook, ...imagery, ...files].map(async (f) => [f, (await checksum(dir.path(f))).sha256] as const)));
  const cost = await runCost();
  const manifest = {
    ...provenance,
    // Timeliness and cost of the run: wall-clock seconds per stage, and CPU seconds of the processes that ran it.
    stageSeconds: { ...cost.stageSeconds, publish: round((performance.now() - started) / 1000, 2) },
    wallSeconds: round(cost.wallSeconds + (performance.now() - started) / 1000, 2),
    cpuSeconds: cost.cpuSeconds,
    host: { cpus: os.availableParallelism(), node: process.version, inferenceThreads: prediction.threads },
    outputs,
  };
  await writeFileAtomic(dir.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * Stage "publish" (dissemination): every number graded, the table exported (CSV, JSON, GeoJSON, SDMX-CSV), a STAC
 * Item, an HTML report and the provenance manifest; then the stages' hand-overs are removed and the folder moved
 * to where the job's results belong, replacing an earlier run's.
 */
export const publish: JobStage<Job> = {
  name: 'publish',
  per: 'job',
  weight: 0.1,
  async run(job, ctx) {
    // A publish interrupted after its manifest only has the move left to do.
    if (!existsSync(job.dir.manifest)) await writeResults(job, ctx.runCost);
    await Promise.all(JOB_LAYOUT.handOvers.map((d) => rm(job.dir.path(d), { recursive: true, force: true })));
    if (path.resolve(job.out) !== job.dir.root) await replaceDir(job.dir.root, job.out);
  },
};
