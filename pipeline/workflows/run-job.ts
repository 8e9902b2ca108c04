import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Settings } from '../config/settings.js';
import { sha256File } from '../core/checksum.js';
import { SatError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import { codeVersion } from '../core/version.js';
import { zFor } from '../assess/estimate-areas.js';
import { sdmxMapping } from '../export/statistics-sdmx.js';
import { periodRange, type JobSpec } from '../jobs/job-spec.js';
import { packageHash, readModelMetadata, type ModelMetadata } from '../model/model-package.js';
import { openRaster, type RasterReader } from '../raster/open-raster.js';
import { aggregateRegions } from '../stages/aggregate-regions.js';
import { assessRegions, type RegionalAssessment } from '../stages/assess-regions.js';
import { countBuildingsByRegion } from '../stages/count-buildings.js';
import { exportStatistics } from '../stages/export-statistics.js';
import { predictScene, type PredictionResult } from '../stages/predict-scene.js';
import { regionStatistics, type BuildingCountInput, type RegionCoverage, type StatisticsRow } from '../statistics/region-statistics.js';
import { readAoi, selectTilesForAoi } from '../tiling/aoi.js';
import type { Tile } from '../tiling/tile-grid.js';
import { loadRegions, regionsInCrs, type RegionSet } from '../zonal/load-regions.js';
import type { RasterInfo } from '../raster/types.js';

export interface JobResult {
  out: string;
  rows: StatisticsRow[];
  assessment: RegionalAssessment | null;
  manifest: Record<string, unknown>;
}

const round = (v: number, digits: number) => Number(v.toFixed(digits));

/** A job may replace an earlier job's output, never a directory holding anything else. */
function checkOutputTarget(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0 && !existsSync(path.join(dir, 'manifest.json'))) {
    throw new SatError('E_INPUT', `output directory ${dir} exists and is not an earlier job's output; choose another`);
  }
}

/** The model's measured object precision and recall, as training or `sat evaluate` recorded them. */
function buildingAccuracy(metrics: Record<string, unknown>): BuildingCountInput['accuracy'] {
  const b = (metrics.heldOut as { buildings?: { precision: number | null; recall: number | null; predicted: number; reference: number } } | undefined)?.buildings;
  return b && b.precision !== null && b.recall !== null ? { precision: b.precision, recall: b.recall, predicted: b.predicted, reference: b.reference } : null;
}

/** What a job needs beyond its spec, checked before any expensive work: the model, the regions, the period. */
export interface OpenedJob {
  spec: JobSpec;
  specText: string;
  metadata: ModelMetadata;
  modelHash: string;
  regionSet: RegionSet;
  period: { start: string; end: string };
  /** The building class of building models (counted per region), else null. */
  buildingClass: number | null;
}

export function openJob(spec: JobSpec, specText: string): OpenedJob {
  const metadata = readModelMetadata(spec.model);
  const regionSet = loadRegions(spec.regions.file, spec.regions.idField);
  if (spec.report.choroplethClass && !metadata.classes.some((c) => c.name === spec.report.choroplethClass)) {
    throw new SatError('E_CONFIG', `report.choroplethClass '${spec.report.choroplethClass}' is not a class of the model (${metadata.classes.map((c) => c.name).join(', ')})`);
  }
  return {
    spec,
    specText,
    metadata,
    modelHash: packageHash(spec.model),
    regionSet,
    period: periodRange(spec.period),
    buildingClass: metadata.task === 'buildings' ? (metadata.classes.find((c) => c.name === 'building')?.id ?? 1) : null,
  };
}

/** The tile selection of the job's AOI, if it has one. */
export function jobTileSelection(spec: JobSpec, scene: RasterInfo, settings: Settings): ((tile: Tile) => boolean) | undefined {
  if (!spec.aoi) return undefined;
  const chosen = new Set(selectTilesForAoi(scene, { tileSize: settings.tiling.tileSize, halo: 0 }, readAoi(spec.aoi)).grid.tiles.map((t) => t.id));
  return (tile) => chosen.has(tile.id);
}

/** Stage "aggregation" of a job, serialisable so a queue can hand it to the next stage. */
export interface JobAggregation {
  coverage: (Omit<RegionCoverage, 'mappedHa'> & { mappedHa: [number, number][] })[];
  buildingCounts: [string, number][] | null;
}

/** Regions x classes (and building counts) of the prediction in `dir/prediction`. */
export async function aggregateJob(job: OpenedJob, dir: string, settings: Settings, progress: (step: string, fraction: number) => void): Promise<JobAggregation> {
  const map = await openRaster(path.join(dir, RASTERS.classes), settings.raster);
  const status = await openRaster(path.join(dir, RASTERS.status), settings.raster);
  try {
    const coverage = await aggregateRegions({ classes: map, status, regions: job.regionSet, method: job.spec.regions.method }, (f) => progress('aggregate', f));
    let buildingCounts: [string, number][] | null = null;
    if (job.buildingClass !== null) {
      const regions = regionsInCrs(job.regionSet, { epsg: map.info.epsg, proj4: map.info.proj4! });
      buildingCounts = [...(await countBuildingsByRegion(map, regions, job.buildingClass, job.spec.buildings.minPixels))];
    }
    return { coverage: coverage.map((c) => ({ ...c, mappedHa: [...c.mappedHa] })), buildingCounts };
  } finally {
    await Promise.all([map.close(), status.close()]);
  }
}

/** Metadata items that carry a scene's acquisition time, most specific first. */
const ACQUISITION_KEYS = ['ACQUISITION', 'ACQUISITION_DATE', 'DATE_ACQUIRED', 'SENSING_TIME', 'TIFFTAG_DATETIME'];

/** Where a job's prediction rasters are, relative to its output folder. */
export const RASTERS = { classes: 'prediction/classes.tif', confidence: 'prediction/confidence.tif', status: 'prediction/status.tif', quicklook: 'prediction/quicklook.png' };

/**
 * Stages "evaluation" and "dissemination" of a job whose prediction is in `dir/prediction` and aggregation given:
 * assess with the reference data, grade, export every format, and write the provenance manifest.
 */
export async function publishJob(
  job: OpenedJob,
  dir: string,
  aggregation: JobAggregation,
  settings: Settings,
  run: { timings: Record<string, number>; wallSeconds: number; cpuSeconds: number; threads: number },
  progress: (step: string, fraction: number) => void,
): Promise<{ rows: StatisticsRow[]; assessment: RegionalAssessment | null; manifest: Record<string, unknown> }> {
  const { spec, metadata } = job;
  const readers: RasterReader[] = [];
  const open = async (file: string) => {
    const reader = await openRaster(file, settings.raster);
    readers.push(reader);
    return reader;
  };
  try {
    const started = performance.now();
    const scene = await open(spec.imagery);
    const map = await open(path.join(dir, RASTERS.classes));
    const prediction = JSON.parse(await readFile(path.join(dir, 'prediction', 'prediction.json'), 'utf8')) as PredictionResult;
    const coverage: RegionCoverage[] = aggregation.coverage.map((c) => ({ ...c, mappedHa: new Map(c.mappedHa) }));
    const buildings: BuildingCountInput | null =
      job.buildingClass === null ? null : { classId: job.buildingClass, counts: new Map(aggregation.buildingCounts ?? []), accuracy: buildingAccuracy(metadata.metrics) };
    const reference = spec.reference;
    let assessment: RegionalAssessment | null = null;
    if (reference) {
      progress('assess', 0);
      const t = performance.now();
      const regions = regionsInCrs(job.regionSet, { epsg: map.info.epsg, proj4: map.info.proj4 ?? scene.info.proj4! });
      assessment = await assessRegions({ map, regions, coverage, classIds: metadata.classes.map((c) => c.id), reference, openReference: open, seed: spec.seed, confidence: spec.confidence });
      run.timings.evaluation = round((performance.now() - t) / 1000, 2);
      progress('assess', 1);
    }
    const z = zFor(spec.confidence);
    const rows = regionStatistics({ classes: metadata.classes, regions: coverage, estimates: assessment?.regions ?? null, buildings, quality: spec.quality, z });

    const checksum = async (file: string) => ({ sha256: await sha256File(file), bytes: (await stat(file)).size });
    const input = async (file: string | undefined) => (file ? (/^https?:\/\//i.test(file) ? { file, sha256: null } : { file, ...(await checksum(file)) }) : null);
    const provenance = {
      job: { name: spec.name, sha256: createHash('sha256').update(job.specText).digest('hex'), period: job.period },
      codeVersion: codeVersion(),
      inputs: {
        imagery: {
          ...(await input(spec.imagery)),
          width: scene.info.width,
          height: scene.info.height,
          bands: scene.info.bands,
          dtype: scene.info.dtype,
          epsg: scene.info.epsg,
          geotransform: scene.info.geotransform,
          acquired: ACQUISITION_KEYS.map((k) => scene.info.metadata[k]).find((v) => v !== undefined) ?? null,
          metadata: scene.info.metadata,
        },
        aux: await input(spec.aux),
        aoi: await input(spec.aoi),
        regions: { name: path.basename(spec.regions.file), file: spec.regions.file, sha256: job.regionSet.checksum, idField: spec.regions.idField, regions: job.regionSet.regions.length, method: spec.regions.method },
        reference: reference ? { ...(await input('raster' in reference ? reference.raster : reference.sample)), design: assessment!.design, sampleSize: assessment!.sampleSize } : null,
      },
      model: { dir: spec.model, sha256: job.modelHash, task: metadata.task, architecture: metadata.architecture, trainingDataSha256: metadata.training?.dataChecksum ?? null },
      runtime: prediction.runtime,
      seed: spec.seed,
    };
    const files = await exportStatistics({
      dir,
      name: spec.name,
      period: job.period,
      rows,
      assessment,
      regions: job.regionSet,
      metadata,
      modelHash: job.modelHash,
      sdmx: sdmxMapping(spec.sdmx, job.modelHash),
      scene,
      choroplethClass: spec.report.choroplethClass,
      rasters: RASTERS,
      checksum,
      provenance,
      z,
    });
    run.timings.export = round((performance.now() - started) / 1000 - (run.timings.evaluation ?? 0), 2);
    const outputs = Object.fromEntries(await Promise.all([...Object.values(RASTERS), ...files].map(async (f) => [f, (await checksum(path.join(dir, f))).sha256] as const)));
    const manifest = {
      ...provenance,
      // Timeliness and cost of the run: wall-clock seconds per stage, and CPU seconds of the processes that ran it.
      stageSeconds: run.timings,
      wallSeconds: run.wallSeconds + round((performance.now() - started) / 1000, 2),
      cpuSeconds: run.cpuSeconds,
      host: { cpus: os.availableParallelism(), node: process.version, inferenceThreads: run.threads },
      outputs,
    };
    await writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    return { rows, assessment, manifest };
  } finally {
    await Promise.all(readers.map((r) => r.close()));
  }
}

/**
 * `sat run`: the pipeline in one process for one job — classify the scene ("prediction"), sum the class map into the
 * official regions with exact coverage and true areas ("aggregation"), count buildings for building models, assess
 * the map with reference data and estimate error-adjusted areas per region ("evaluation"), grade every number and
 * export the table (CSV, JSON, GeoJSON, SDMX-CSV), a STAC Item and an HTML report ("dissemination"), with a
 * provenance manifest. Everything goes to a staging folder that replaces `out` only when complete: a failed run
 * leaves earlier results untouched. The queued service runs the same stage functions as separate jobs.
 */
export async function runJob(spec: JobSpec, specText: string, settings: Settings, progress: (step: string, fraction: number) => void): Promise<JobResult> {
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const timings: Record<string, number> = {};
  const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const result = await work();
    timings[step] = round((performance.now() - t) / 1000, 2);
    return result;
  };
  // Everything that can be checked before the expensive work is checked first.
  checkOutputTarget(spec.out);
  const job = openJob(spec, specText);
  const staging = `${spec.out.replace(/[\\/]+$/, '')}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const prediction = await timed('prediction', async () => {
      const scene = await openRaster(spec.imagery, settings.raster);
      const aux = spec.aux ? await openRaster(spec.aux, settings.raster) : undefined;
      try {
        const select = jobTileSelection(spec, scene.info, settings);
        return await predictScene({ scene, aux, modelDir: spec.model, metadata: job.metadata, outDir: path.join(staging, 'prediction'), select }, { settings, logger, progress: (f) => progress('predict', f) });
      } finally {
        await Promise.all([scene.close(), aux?.close()]);
      }
    });
    const aggregation = await timed('aggregation', () => aggregateJob(job, staging, settings, progress));
    const cpu = process.cpuUsage(cpuStart);
    const result = await publishJob(
      job,
      staging,
      aggregation,
      settings,
      { timings, wallSeconds: round((performance.now() - started) / 1000, 2), cpuSeconds: round((cpu.user + cpu.system) / 1e6, 2), threads: prediction.threads },
      progress,
    );
    await rm(spec.out, { recursive: true, force: true });
    await mkdir(path.dirname(spec.out), { recursive: true });
    await rename(staging, spec.out);
    return { out: spec.out, ...result };
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}
