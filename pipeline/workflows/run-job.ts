import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Settings } from '../config/settings.js';
import { sha256File } from '../core/checksum.js';
import { SatError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import { codeVersion } from '../core/version.js';
import { periodRange, type JobSpec } from '../jobs/job-spec.js';
import { packageHash, readModelMetadata } from '../model/model-package.js';
import { openRaster, type RasterReader } from '../raster/open-raster.js';
import { aggregateRegions } from '../stages/aggregate-regions.js';
import { assessRegions, type RegionalAssessment } from '../stages/assess-regions.js';
import { countBuildingsByRegion } from '../stages/count-buildings.js';
import { exportStatistics } from '../stages/export-statistics.js';
import { predictScene, type PredictionResult } from '../stages/predict-scene.js';
import { regionStatistics, type BuildingCountInput, type StatisticsRow } from '../statistics/region-statistics.js';
import { readAoi, selectTilesForAoi } from '../tiling/aoi.js';
import type { Tile } from '../tiling/tile-grid.js';
import { loadRegions, regionsInCrs } from '../zonal/load-regions.js';

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

/**
 * `sat run`: the pipeline in one process for one job — classify the scene ("prediction"), sum the class map into the
 * official regions with exact coverage and true areas ("aggregation"), count buildings for building models, assess
 * the map with reference data and estimate error-adjusted areas per region ("evaluation"), grade every number and
 * export the table (CSV, JSON, GeoJSON, SDMX-CSV), a STAC Item and an HTML report ("dissemination"), with a
 * provenance manifest. Everything goes to a staging folder that replaces `out` only when complete: a failed run
 * leaves earlier results untouched.
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
  const metadata = readModelMetadata(spec.model);
  const modelHash = packageHash(spec.model);
  const regionSet = loadRegions(spec.regions.file, spec.regions.idField);
  const period = periodRange(spec.period);
  if (spec.report.choroplethClass && !metadata.classes.some((c) => c.name === spec.report.choroplethClass)) {
    throw new SatError('E_CONFIG', `report.choroplethClass '${spec.report.choroplethClass}' is not a class of the model (${metadata.classes.map((c) => c.name).join(', ')})`);
  }
  const buildingClass = metadata.task === 'buildings' ? metadata.classes.find((c) => c.name === 'building')?.id ?? 1 : null;

  const staging = `${spec.out.replace(/[\\/]+$/, '')}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const readers: RasterReader[] = [];
  const open = async (file: string) => {
    const reader = await openRaster(file, settings.raster);
    readers.push(reader);
    return reader;
  };
  try {
    const scene = await open(spec.imagery);
    const aux = spec.aux ? await open(spec.aux) : undefined;
    let select: ((tile: Tile) => boolean) | undefined;
    if (spec.aoi) {
      const chosen = new Set(selectTilesForAoi(scene.info, { tileSize: settings.tiling.tileSize, halo: 0 }, readAoi(spec.aoi)).grid.tiles.map((t) => t.id));
      select = (tile) => chosen.has(tile.id);
    }
    const prediction: PredictionResult = await timed('prediction', () =>
      predictScene({ scene, aux, modelDir: spec.model, metadata, outDir: path.join(staging, 'prediction'), select }, { settings, logger, progress: (f) => progress('predict', f) }),
    );
    const rasters = { classes: 'prediction/classes.tif', confidence: 'prediction/confidence.tif', status: 'prediction/status.tif', quicklook: 'prediction/quicklook.png' };
    const map = await open(path.join(staging, rasters.classes));
    const status = await open(path.join(staging, rasters.status));
    const mapCrs = { epsg: map.info.epsg, proj4: map.info.proj4 ?? scene.info.proj4! };
    const regionsOnMap = regionsInCrs(regionSet, mapCrs);

    const coverage = await timed('aggregation', () => aggregateRegions({ classes: map, status, regions: regionSet, method: spec.regions.method }, (f) => progress('aggregate', f)));
    const buildings: BuildingCountInput | null =
      buildingClass === null
        ? null
        : await timed('buildings', async () => ({
            classId: buildingClass,
            counts: await countBuildingsByRegion(map, regionsOnMap, buildingClass, spec.buildings.minPixels),
            accuracy: buildingAccuracy(metadata.metrics),
          }));

    const reference = spec.reference;
    const assessment = reference
      ? await timed('evaluation', async () => {
          progress('assess', 0);
          const result = await assessRegions({
            map,
            regions: regionsOnMap,
            coverage,
            classIds: metadata.classes.map((c) => c.id),
            reference,
            openReference: open,
            seed: spec.seed,
            confidence: spec.confidence,
          });
          progress('assess', 1);
          return result;
        })
      : null;
    const z = assessment?.national?.estimation.z ?? assessment?.regions.find((r) => r.estimation)?.estimation?.z ?? 1.96;
    const rows = regionStatistics({ classes: metadata.classes, regions: coverage, estimates: assessment?.regions ?? null, buildings, quality: spec.quality, z });

    const checksum = async (file: string) => ({ sha256: await sha256File(file), bytes: (await stat(file)).size });
    const input = async (file: string | undefined) => (file ? (/^https?:\/\//i.test(file) ? { file, sha256: null } : { file, ...(await checksum(file)) }) : null);
    const provenance = {
      job: { name: spec.name, sha256: createHash('sha256').update(specText).digest('hex'), period },
      codeVersion: codeVersion(),
      inputs: {
        imagery: { ...(await input(spec.imagery)), width: scene.info.width, height: scene.info.height, bands: scene.info.bands, dtype: scene.info.dtype, epsg: scene.info.epsg, geotransform: scene.info.geotransform },
        aux: await input(spec.aux),
        aoi: await input(spec.aoi),
        regions: { name: path.basename(spec.regions.file), file: spec.regions.file, sha256: regionSet.checksum, idField: spec.regions.idField, regions: regionSet.regions.length, method: spec.regions.method },
        reference: reference ? { ...(await input('raster' in reference ? reference.raster : reference.sample)), design: assessment!.design, sampleSize: assessment!.sampleSize } : null,
      },
      model: { dir: spec.model, sha256: modelHash, task: metadata.task, architecture: metadata.architecture, trainingDataSha256: metadata.training?.dataChecksum ?? null },
      runtime: prediction.runtime,
      seed: spec.seed,
    };
    const files = await timed('export', () =>
      exportStatistics({
        dir: staging,
        name: spec.name,
        period,
        rows,
        assessment,
        regions: regionSet,
        metadata,
        modelHash,
        sdmx: { dataflow: { agency: spec.sdmx.agency, id: spec.sdmx.id, version: spec.sdmx.version }, freq: spec.sdmx.freq, dimensions: spec.sdmx.dimensions, classCodes: spec.sdmx.classCodes, refAreaPrefix: spec.sdmx.refAreaPrefix },
        scene,
        choroplethClass: spec.report.choroplethClass,
        rasters,
        checksum,
        provenance,
        z,
      }),
    );
    const cpu = process.cpuUsage(cpuStart);
    const outputs = Object.fromEntries(await Promise.all([...Object.values(rasters), ...files].map(async (f) => [f, (await checksum(path.join(staging, f))).sha256] as const)));
    const manifest = {
      ...provenance,
      // Timeliness and cost of the run: wall-clock seconds per stage, and CPU seconds of the process during it.
      stageSeconds: timings,
      wallSeconds: round((performance.now() - started) / 1000, 2),
      cpuSeconds: round((cpu.user + cpu.system) / 1e6, 2),
      host: { cpus: os.availableParallelism(), node: process.version, inferenceThreads: prediction.threads },
      outputs,
    };
    await writeFile(path.join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await Promise.all(readers.splice(0).map((r) => r.close()));
    await rm(spec.out, { recursive: true, force: true });
    await mkdir(path.dirname(spec.out), { recursive: true });
    await rename(staging, spec.out);
    return { out: spec.out, rows, assessment, manifest };
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  } finally {
    await Promise.all(readers.map((r) => r.close()));
  }
}
