import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SatError } from '../core/errors.js';
import { ClassQuicklook } from '../export/class-quicklook.js';
import { argmaxClasses } from '../model/class-map.js';
import { InferencePool } from '../model/inference-pool.js';
import { packageHash, type ModelMetadata } from '../model/model-package.js';
import { roundUp } from '../model/predict-array.js';
import { inferenceThreadCount, type BackendPreference, type RuntimeInfo } from '../model/runtime.js';
import { TileBlender, type BlendedCore } from '../model/tile-blender.js';
import type { RasterReader } from '../raster/open-raster.js';
import { createGeoTiffWriter, type GeoTiffWriter } from '../raster/write-geotiff.js';
import { makeTileGrid, type Tile } from '../tiling/tile-grid.js';
import { prepareTiles, type PreparedTileResult } from './prepare-tiles.js';
import type { StageContext } from './stage-context.js';

/** Class map value where the input was masked (nodata, cloud, outside the scene). */
export const CLASS_NODATA = 255;

/** Values of status.tif: why a pixel has a class or not, so statistics can report valid and cloud shares. */
export const PIXEL_STATUS = { classified: 0, noData: 1, cloud: 2 } as const;

export interface PredictSceneInput {
  scene: RasterReader;
  aux?: RasterReader;
  modelDir: string;
  metadata: ModelMetadata;
  outDir: string;
  /** Also write the blended class probabilities (one Float32 band per class). */
  probabilities?: boolean;
  /** Keep a subset of tiles (e.g. an AOI's); the others are written as nodata. */
  select?: (tile: Tile) => boolean;
}

export interface PredictionResult {
  model: { dir: string; hash: string; task: string; architecture: string };
  imagery: string;
  files: { classes: string; confidence: string; status: string; probabilities: string | null; quicklook: string };
  grid: { tileSize: number; halo: number; tiles: number };
  runtime: RuntimeInfo;
  threads: number;
  /** Pixels per class id (valid pixels only), pixels left nodata (masked input, outside the selected tiles) and, of those, cloudy ones. */
  classPixels: Record<string, number>;
  maskedPixels: number;
  cloudPixels: number;
  seconds: number;
}

/**
 * Stage "prediction": tiles with halo → preprocessing with the model's recipe → batched inference on worker
 * threads → blended stitching → class map (uint8, 255 = nodata), confidence (float32, NaN = nodata), pixel status
 * (uint8, PIXEL_STATUS) and optionally probabilities, all tiled DEFLATE GeoTIFFs on the scene's grid, and a PNG quicklook in the classes' colours. Nothing appears in `outDir` until all of it is
 * written; an error leaves earlier results there untouched.
 */
export async function predictScene(input: PredictSceneInput, ctx: StageContext): Promise<PredictionResult> {
  const started = performance.now();
  const { scene, metadata } = input;
  const m = metadata.input.multipleOf;
  const tileSize = ctx.settings.tiling.tileSize;
  if (tileSize % 16 !== 0 || tileSize % m !== 0) {
    throw new SatError('E_CONFIG', `tile size ${tileSize} must be a multiple of 16 and of the model's input multiple ${m}`);
  }
  if (!scene.info.geotransform) throw new SatError('E_INPUT', `${scene.info.source} has no georeferencing; predictions must be placed on a map`);
  if (scene.info.epsg === null && scene.info.proj4) {
    ctx.logger.warn({ source: scene.info.source }, 'the scene has a user-defined CRS without an EPSG code; the prediction GeoTIFFs carry no CRS');
  }
  const halo = roundUp(Math.max(ctx.settings.tiling.halo, metadata.input.halo), m);
  if (halo >= tileSize) throw new SatError('E_CONFIG', `the model needs a halo of ${halo} px, more than the tile size ${tileSize}: raise tiling.tileSize`);
  const grid = makeTileGrid(scene.info, { tileSize, halo }, input.select);
  const classIds = metadata.classes.map((c) => c.id);
  const K = classIds.length;
  const C = metadata.input.channels.length;
  const side = tileSize + 2 * halo;

  if (existsSync(input.outDir) && readdirSync(input.outDir).length > 0 && !existsSync(path.join(input.outDir, 'prediction.json'))) {
    throw new SatError('E_INPUT', `output directory ${input.outDir} exists and holds something other than an earlier prediction; choose another`);
  }
  const staging = `${input.outDir.replace(/[\\/]+$/, '')}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const common = {
    geotransform: scene.info.geotransform,
    epsg: scene.info.epsg,
    tileSize: tileSize % 256 === 0 ? 256 : tileSize,
    metadata: Object.fromEntries(metadata.classes.map((c) => [`CLASS_${c.id}`, `${c.name} ${c.colour}`])),
  };
  const size = { width: scene.info.width, height: scene.info.height };
  const writers: GeoTiffWriter[] = [];
  const classesOut = await createGeoTiffWriter(path.join(staging, 'classes.tif'), { ...size, ...common, bands: 1, dtype: 'uint8', nodata: CLASS_NODATA, overviews: [2, 4, 8], overviewResampling: 'mode', bandDescriptions: ['class'] });
  writers.push(classesOut);
  const confidenceOut = await createGeoTiffWriter(path.join(staging, 'confidence.tif'), { ...size, ...common, bands: 1, dtype: 'float32', nodata: NaN, predictor: 3, bandDescriptions: ['confidence'] });
  writers.push(confidenceOut);
  const statusOut = await createGeoTiffWriter(path.join(staging, 'status.tif'), { ...size, ...common, metadata: { STATUS_VALUES: '0 classified, 1 no data or not selected, 2 cloud' }, bands: 1, dtype: 'uint8', nodata: null, bandDescriptions: ['pixel status'] });
  writers.push(statusOut);
  const probabilitiesOut = input.probabilities
    ? await createGeoTiffWriter(path.join(staging, 'probabilities.tif'), { ...size, ...common, bands: K, dtype: 'float32', nodata: NaN, predictor: 3, bandDescriptions: metadata.classes.map((c) => c.name) })
    : null;
  if (probabilitiesOut) writers.push(probabilitiesOut);

  const backend = ctx.settings.model.backend as BackendPreference;
  const threads = inferenceThreadCount(ctx.settings.model.inferenceThreads);
  let pool: InferencePool | null = null;
  const classPixels: Record<string, number> = Object.fromEntries(classIds.map((id) => [String(id), 0]));
  let maskedPixels = 0;
  let cloudPixels = 0;

  const quicklook = new ClassQuicklook(scene.info.width, scene.info.height, CLASS_NODATA);
  const writeCore = async ({ tile, probabilities, status }: BlendedCore) => {
    const { ids, confidence } = argmaxClasses(probabilities, classIds);
    const n = ids.length;
    const classes = new Uint8Array(n);
    const probs = probabilitiesOut ? Array.from({ length: K }, () => new Float32Array(n)) : null;
    for (let i = 0; i < n; i++) {
      if (status[i] !== PIXEL_STATUS.classified) {
        classes[i] = CLASS_NODATA;
        confidence[i] = NaN;
        maskedPixels++;
        if (status[i] === PIXEL_STATUS.cloud) cloudPixels++;
        if (probs) for (let k = 0; k < K; k++) probs[k][i] = NaN;
        continue;
      }
      classes[i] = ids[i];
      classPixels[ids[i]]++;
      if (probs) for (let k = 0; k < K; k++) probs[k][i] = probabilities[i * K + k];
    }
    quicklook.add(tile.core, classes);
    await classesOut.writeWindow(tile.core, [classes]);
    await confidenceOut.writeWindow(tile.core, [confidence]);
    await statusOut.writeWindow(tile.core, [status]);
    if (probabilitiesOut && probs) await probabilitiesOut.writeWindow(tile.core, probs);
  };

  try {
    pool = await InferencePool.start(input.modelDir, backend, threads);
    const blender = new TileBlender(grid, K, writeCore, metadata.input.halo);
    const batchSize = ctx.settings.model.batchSize;
    const inFlight: Promise<void>[] = [];
    let batch: PreparedTileResult[] = [];
    let done = 0;
    const run = async (tiles: PreparedTileResult[]) => {
      const x = new Float32Array(tiles.length * side * side * C);
      tiles.forEach((t, b) => x.set(t.prepared.data, b * side * side * C));
      const probs = await pool!.predict(x, tiles.length, side, C);
      for (let b = 0; b < tiles.length; b++) {
        const { valid, cloud } = tiles[b].prepared;
        const status = valid.map((v, i) => (v ? PIXEL_STATUS.classified : cloud[i] ? PIXEL_STATUS.cloud : PIXEL_STATUS.noData));
        await blender.add(tiles[b].tile, probs.subarray(b * side * side * K, (b + 1) * side * side * K), status);
        ctx.progress(++done / grid.tiles.length, tiles[b].tile.id);
      }
    };
    const quiet = { ...ctx, progress: () => {} };
    for await (const prepared of prepareTiles({ scene, grid, recipe: metadata.recipe, aux: input.aux }, quiet)) {
      if (prepared.prepared.channels.join(',') !== metadata.input.channels.join(',')) {
        throw new SatError('E_INPUT', `the recipe gives channels [${prepared.prepared.channels}], the model expects [${metadata.input.channels}]`);
      }
      batch.push(prepared);
      if (batch.length === batchSize) {
        const running = run(batch);
        running.catch(() => {}); // awaited below; if reading fails first, it must not surface as an unhandled rejection
        inFlight.push(running);
        batch = [];
        // Keep every thread busy, with one batch waiting, and no more in memory.
        if (inFlight.length > pool.threads) await inFlight.shift();
      }
    }
    if (batch.length) inFlight.push(run(batch));
    await Promise.all(inFlight);
    if (blender.waiting !== 0) throw new Error(`${blender.waiting} tile core(s) were never completed`);
    // Tiles outside the selection: nodata.
    const chosen = new Set(grid.tiles.map((t) => t.id));
    for (const tile of makeTileGrid(scene.info, { tileSize, halo }).tiles) {
      if (chosen.has(tile.id)) continue;
      const n = tile.core.width * tile.core.height;
      maskedPixels += n;
      await classesOut.writeWindow(tile.core, [new Uint8Array(n).fill(CLASS_NODATA)]);
      await confidenceOut.writeWindow(tile.core, [new Float32Array(n).fill(NaN)]);
      await statusOut.writeWindow(tile.core, [new Uint8Array(n).fill(PIXEL_STATUS.noData)]);
      if (probabilitiesOut) await probabilitiesOut.writeWindow(tile.core, Array.from({ length: K }, () => new Float32Array(n).fill(NaN)));
    }
    for (const w of writers) await w.close();
    await quicklook.writePng(path.join(staging, 'quicklook.png'), metadata.classes);
  } catch (err) {
    await Promise.all(writers.map((w) => w.abort().catch(() => {})));
    await rm(staging, { recursive: true, force: true });
    throw err;
  } finally {
    await pool?.close();
  }

  const result: PredictionResult = {
    model: { dir: input.modelDir, hash: packageHash(input.modelDir), task: metadata.task, architecture: metadata.architecture },
    imagery: scene.info.source,
    files: {
      classes: path.join(input.outDir, 'classes.tif'),
      confidence: path.join(input.outDir, 'confidence.tif'),
      status: path.join(input.outDir, 'status.tif'),
      probabilities: probabilitiesOut ? path.join(input.outDir, 'probabilities.tif') : null,
      quicklook: path.join(input.outDir, 'quicklook.png'),
    },
    grid: { tileSize, halo, tiles: grid.tiles.length },
    runtime: pool!.runtime,
    threads,
    classPixels,
    maskedPixels,
    cloudPixels,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
  // The manifest names its files relative to itself: the folder may be moved (as `sat run` does with its staging).
  const files = Object.fromEntries(Object.entries(result.files).map(([k, v]) => [k, v && path.basename(v)]));
  await writeFile(path.join(staging, 'prediction.json'), `${JSON.stringify({ ...result, files }, null, 2)}\n`);
  await rm(input.outDir, { recursive: true, force: true });
  await mkdir(path.dirname(path.resolve(input.outDir)), { recursive: true });
  await rename(staging, input.outDir);
  return result;
}
