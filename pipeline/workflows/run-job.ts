import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { assessMap, type MapAssessment } from '../assess/assess-map.js';
import { drawStratifiedSample } from '../assess/draw-sample.js';
import { labelFromRaster, readLabelledSample } from '../assess/sample-files.js';
import type { Settings } from '../config/settings.js';
import { sha256File } from '../core/checksum.js';
import { SatError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import { codeVersion } from '../core/version.js';
import type { Crs } from '../geo/crs.js';
import type { JobSpec } from '../jobs/job-spec.js';
import { packageHash, readModelMetadata } from '../model/model-package.js';
import { openRaster, type RasterReader } from '../raster/open-raster.js';
import { predictScene, type PredictionResult } from '../stages/predict-scene.js';
import { readAoi, selectTilesForAoi } from '../tiling/aoi.js';
import type { Tile } from '../tiling/tile-grid.js';
import { cellAreaFunction } from '../zonal/cell-area.js';
import { loadRegions, regionsInCrs } from '../zonal/load-regions.js';
import { zonalStatistics } from '../zonal/zonal-statistics.js';

/** One row of the regional table: a class's mapped area in a region. */
export interface RegionClassRow {
  region: string | number;
  class: number;
  class_name: string;
  /** True (ellipsoidal) area of the region's pixels mapped as the class. */
  mapped_area_ha: number;
  /** Share of the region's classified area. */
  mapped_fraction: number;
  /** Share of the region (as the raster covers it) left unclassified: clouds, nodata, outside the AOI. */
  masked_fraction: number;
}

export interface JobResult {
  out: string;
  rows: RegionClassRow[];
  assessment: MapAssessment | null;
  manifest: Record<string, unknown>;
}

const round = (v: number, digits: number) => Number(v.toFixed(digits));

function toCsv(rows: RegionClassRow[]): string {
  const head = ['region', 'class', 'class_name', 'mapped_area_ha', 'mapped_fraction', 'masked_fraction'] as const;
  const cell = (v: unknown) => (typeof v === 'string' && /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v));
  return `${[head.join(','), ...rows.map((r) => head.map((k) => cell(r[k])).join(','))].join('\r\n')}\r\n`;
}

/** A job may replace an earlier job's output, never a directory holding anything else. */
function checkOutputTarget(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0 && !existsSync(path.join(dir, 'manifest.json'))) {
    throw new SatError('E_INPUT', `output directory ${dir} exists and is not an earlier job's output; choose another`);
  }
}

/**
 * `sat run`: the pipeline in one process for one job — classify the scene (stage "prediction"), aggregate the
 * class map into the official regions with exact coverage and true areas ("aggregation"), and, with reference
 * data, assess the map and estimate error-adjusted areas ("evaluation"); then write the regional table (CSV,
 * JSON), the assessment and a provenance manifest. Everything is written to a staging folder that replaces `out`
 * only when complete: a failed run leaves earlier results untouched.
 */
export async function runJob(spec: JobSpec, specText: string, settings: Settings, progress: (step: string, fraction: number) => void): Promise<JobResult> {
  const started = performance.now();
  const timings: Record<string, number> = {};
  const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const result = await work();
    timings[step] = round((performance.now() - t) / 1000, 2);
    return result;
  };
  checkOutputTarget(spec.out);
  const metadata = readModelMetadata(spec.model);
  const regionSet = loadRegions(spec.regions.file, spec.regions.idField);
  const staging = `${spec.out.replace(/[\\/]+$/, '')}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const readers: RasterReader[] = [];
  try {
    const scene = await openRaster(spec.imagery, settings.raster);
    readers.push(scene);
    const aux = spec.aux ? await openRaster(spec.aux, settings.raster) : undefined;
    if (aux) readers.push(aux);
    let select: ((tile: Tile) => boolean) | undefined;
    if (spec.aoi) {
      const chosen = new Set(selectTilesForAoi(scene.info, { tileSize: settings.tiling.tileSize, halo: 0 }, readAoi(spec.aoi)).grid.tiles.map((t) => t.id));
      select = (tile) => chosen.has(tile.id);
    }
    const prediction: PredictionResult = await timed('prediction', () =>
      predictScene(
        { scene, aux, modelDir: spec.model, metadata, outDir: path.join(staging, 'prediction'), select },
        { settings, logger, progress: (f) => progress('predict', f) },
      ),
    );
    // predictScene reports paths under the staging folder's final name.
    const classesFile = path.join(staging, 'prediction', 'classes.tif');

    const map = await openRaster(classesFile, settings.raster);
    readers.push(map);
    const crs: Crs = { epsg: map.info.epsg, proj4: map.info.proj4 ?? scene.info.proj4! };
    const names = new Map(metadata.classes.map((c) => [c.id, c.name]));
    const rows: RegionClassRow[] = await timed('aggregation', async () => {
      const stats = await zonalStatistics(map, regionsInCrs(regionSet, crs), {
        method: spec.regions.method,
        categorical: true,
        cellArea: cellAreaFunction(map.info.geotransform!, crs),
        onProgress: (done, total) => progress('aggregate', done / total),
      });
      return stats.flatMap((s) =>
        metadata.classes.map((c) => {
          const k = s.classes?.[String(c.id)];
          return {
            region: s.id,
            class: c.id,
            class_name: names.get(c.id)!,
            mapped_area_ha: round((k?.area_m2 ?? 0) / 10_000, 4),
            mapped_fraction: round(k?.fraction ?? 0, 6),
            masked_fraction: s.count + s.nodata > 0 ? round(s.nodata / (s.count + s.nodata), 6) : 1,
          };
        }),
      );
    });

    let assessment: MapAssessment | null = null;
    if (spec.reference) {
      const reference = spec.reference;
      assessment = await timed('evaluation', async () => {
        progress('assess', 0);
        let points;
        if ('raster' in reference) {
          const truth = await openRaster(reference.raster, settings.raster);
          readers.push(truth);
          const sample = await drawStratifiedSample(map, { total: reference.sampleSize, minPerStratum: reference.minPerStratum, seed: spec.seed });
          points = await labelFromRaster(sample, truth, reference.ignoreValue);
        } else {
          points = readLabelledSample(reference.sample, reference.referenceField);
        }
        const result = await assessMap(map, points);
        progress('assess', 1);
        return { ...result, map: 'prediction/classes.tif' }; // not the staging path
      });
    }

    const statsDir = path.join(staging, 'statistics');
    await mkdir(statsDir, { recursive: true });
    await writeFile(path.join(statsDir, 'regions.csv'), toCsv(rows));
    await writeFile(path.join(statsDir, 'regions.json'), `${JSON.stringify(rows, null, 1)}\n`);
    if (assessment) await writeFile(path.join(statsDir, 'assessment.json'), `${JSON.stringify(assessment, null, 1)}\n`);

    const checksum = async (file: string | undefined) => (file && !/^https?:\/\//i.test(file) ? { file, sha256: await sha256File(file) } : file ? { file, sha256: null } : null);
    const manifest = {
      job: { name: spec.name, sha256: createHash('sha256').update(specText).digest('hex') },
      codeVersion: codeVersion(),
      inputs: {
        imagery: { ...(await checksum(spec.imagery)), width: scene.info.width, height: scene.info.height, bands: scene.info.bands, epsg: scene.info.epsg },
        aux: await checksum(spec.aux),
        aoi: await checksum(spec.aoi),
        regions: { file: spec.regions.file, sha256: regionSet.checksum, idField: spec.regions.idField, regions: regionSet.regions.length },
        reference: spec.reference ? await checksum('raster' in spec.reference ? spec.reference.raster : spec.reference.sample) : null,
      },
      model: { dir: spec.model, sha256: packageHash(spec.model), task: metadata.task, architecture: metadata.architecture },
      runtime: prediction.runtime,
      seed: spec.seed,
      // Timeliness and cost of the run: wall-clock seconds per stage, and CPU seconds of the whole process.
      stageSeconds: timings,
      wallSeconds: round((performance.now() - started) / 1000, 2),
      cpuSeconds: round((process.cpuUsage().user + process.cpuUsage().system) / 1e6, 2),
      host: { cpus: os.availableParallelism(), node: process.version },
      outputs: ['prediction/classes.tif', 'prediction/confidence.tif', 'prediction/quicklook.png', 'statistics/regions.csv', 'statistics/regions.json', ...(assessment ? ['statistics/assessment.json'] : [])],
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
