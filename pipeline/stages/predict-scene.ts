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
import type { RasterInfo } from '../raster/types.js';
import { createGeoTiffWriter, type GeoTiffWriter } from '../raster/write-geotiff.js';
import { makeTileGrid, type Tile, type TileGrid } from '../tiling/tile-grid.js';
import { prepareTiles, type PreparedTileResult } from './prepare-tiles.js';
import type { StageContext } from './stage-context.js';

/** Class map value where the input was masked (nodata, cloud, outside the scene). */
export const CLASS_NODATA = 255;

/** Values of status.tif: why a pixel has a class or not, so statistics can report valid and cloud shares. */
export const PIXEL_STATUS = { classified: 0, noData: 1, cloud: 2 } as const;

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

/** The tiling a model needs on a scene: tile size from the settings, a halo of at least the model's receptive radius. */
export interface PredictionPlan {
  tileSize: number;
  halo: number;
  /** The tiles to classify (all, or those an AOI selects). */
  grid: TileGrid;
  /** Every tile of the scene: the ones not selected are written as nodata. */
  fullGrid: TileGrid;
}

export function planPrediction(scene: RasterInfo, metadata: ModelMetadata, settings: { tileSize: number; halo: number }, select?: (tile: Tile) => boolean): PredictionPlan {
  const m = metadata.input.multipleOf;
  const { tileSize } = settings;
  if (tileSize % 16 !== 0 || tileSize % m !== 0) {
    throw new SatError('E_CONFIG', `tile size ${tileSize} must be a multiple of 16 and of the model's input multiple ${m}`);
  }
  if (!scene.geotransform) throw new SatError('E_INPUT', `${scene.source} has no georeferencing; predictions must be placed on a map`);
  const halo = roundUp(Math.max(settings.halo, metadata.input.halo), m);
  if (halo >= tileSize) throw new SatError('E_CONFIG', `the model needs a halo of ${halo} px, more than the tile size ${tileSize}: raise tiling.tileSize`);
  return { tileSize, halo, grid: makeTileGrid(scene, { tileSize, halo }, select), fullGrid: makeTileGrid(scene, { tileSize, halo }) };
}

/** One tile's model output over its read window (core + halo): class probabilities (HWC) and each pixel's input status. */
export interface TilePrediction {
  tile: Tile;
  probabilities: Float32Array;
  status: Uint8Array;
}

/**
 * Stage "classify" for a batch of prepared tiles: one inference call on the pool (a GPU or all CPU threads), then
 * each tile's probabilities and pixel status. A tile's result depends only on its own window, so tiles can be
 * classified in any order, by any worker, and stitched later.
 */
export async function classifyTiles(tiles: PreparedTileResult[], pool: InferencePool, metadata: ModelMetadata): Promise<TilePrediction[]> {
  if (tiles.length === 0) return [];
  const C = metadata.input.channels.length;
  const K = metadata.classes.length;
  const side = tiles[0].tile.read.width;
  for (const t of tiles) {
    if (t.prepared.channels.join(',') !== metadata.input.channels.join(',')) {
      throw new SatError('E_INPUT', `the recipe gives channels [${t.prepared.channels}], the model expects [${metadata.input.channels}]`);
    }
  }
  const x = new Float32Array(tiles.length * side * side * C);
  tiles.forEach((t, b) => x.set(t.prepared.data, b * side * side * C));
  const probs = await pool.predict(x, tiles.length, side, C);
  return tiles.map(({ tile, prepared: { valid, cloud } }, b) => ({
    tile,
    probabilities: probs.slice(b * side * side * K, (b + 1) * side * side * K),
    status: valid.map((v, i) => (v ? PIXEL_STATUS.classified : cloud[i] ? PIXEL_STATUS.cloud : PIXEL_STATUS.noData)),
  }));
}

/** Refuses an output folder holding anything but an earlier prediction. */
export function checkPredictionTarget(outDir: string): void {
  if (existsSync(outDir) && readdirSync(outDir).length > 0 && !existsSync(path.join(outDir, 'prediction.json'))) {
    throw new SatError('E_INPUT', `output directory ${outDir} exists and holds something other than an earlier prediction; choose another`);
  }
}

/**
 * Stage "stitch": takes tile predictions in any order, blends overlapping windows (TileBlender: no seams, results
 * independent of where tile edges fall) and writes the class map (uint8, 255 = nodata), confidence (float32, NaN =
 * nodata), pixel status (uint8, PIXEL_STATUS) and optionally probabilities — tiled DEFLATE GeoTIFFs on the scene's
 * grid — and a PNG quicklook in the classes' colours. Everything is written to a staging folder that replaces `outDir`
 * on `finish()` only; `abort()` leaves earlier results there untouched.
 */
export class PredictionWriter {
  private readonly blender: TileBlender;
  private readonly quicklook: ClassQuicklook;
  private readonly classPixels: Record<string, number>;
  private maskedPixels = 0;
  private cloudPixels = 0;
  private readonly started = performance.now();

  private constructor(
    private readonly o: { scene: RasterInfo; metadata: ModelMetadata; modelDir: string; plan: PredictionPlan; outDir: string; staging: string },
    private readonly writers: { classes: GeoTiffWriter; confidence: GeoTiffWriter; status: GeoTiffWriter; probabilities: GeoTiffWriter | null },
  ) {
    const { metadata, plan, scene } = o;
    this.classPixels = Object.fromEntries(metadata.classes.map((c) => [String(c.id), 0]));
    this.quicklook = new ClassQuicklook(scene.width, scene.height, CLASS_NODATA);
    this.blender = new TileBlender(plan.grid, metadata.classes.length, (core) => this.writeCore(core), metadata.input.halo);
  }

  static async create(o: { scene: RasterInfo; metadata: ModelMetadata; modelDir: string; plan: PredictionPlan; outDir: string; probabilities?: boolean; staging?: string }): Promise<PredictionWriter> {
    const { scene, metadata, plan } = o;
    checkPredictionTarget(o.outDir);
    const staging = o.staging ?? `${o.outDir.replace(/[\\/]+$/, '')}.tmp-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    const common = {
      width: scene.width,
      height: scene.height,
      geotransform: scene.geotransform!,
      epsg: scene.epsg,
      tileSize: plan.tileSize % 256 === 0 ? 256 : plan.tileSize,
      metadata: Object.fromEntries(metadata.classes.map((c) => [`CLASS_${c.id}`, `${c.name} ${c.colour}`])),
    };
    const opened: GeoTiffWriter[] = [];
    const open = async (name: string, options: Omit<Parameters<typeof createGeoTiffWriter>[1], keyof typeof common> & Partial<typeof common>) => {
      const w = await createGeoTiffWriter(path.join(staging, name), { ...common, ...options });
      opened.push(w);
      return w;
    };
    try {
      const writers = {
        classes: await open('classes.tif', { bands: 1, dtype: 'uint8', nodata: CLASS_NODATA, overviews: [2, 4, 8], overviewResampling: 'mode', bandDescriptions: ['class'] }),
        confidence: await open('confidence.tif', { bands: 1, dtype: 'float32', nodata: NaN, predictor: 3, bandDescriptions: ['confidence'] }),
        status: await open('status.tif', { metadata: { STATUS_VALUES: '0 classified, 1 no data or not selected, 2 cloud' }, bands: 1, dtype: 'uint8', nodata: null, bandDescriptions: ['pixel status'] }),
        probabilities: o.probabilities
          ? await open('probabilities.tif', { bands: metadata.classes.length, dtype: 'float32', nodata: NaN, predictor: 3, bandDescriptions: metadata.classes.map((c) => c.name) })
          : null,
      };
      return new PredictionWriter({ scene, metadata, modelDir: o.modelDir, plan, outDir: o.outDir, staging }, writers);
    } catch (err) {
      await Promise.all(opened.map((w) => w.abort().catch(() => {})));
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
  }

  /** Adds one tile's prediction; cores are written as soon as every tile overlapping them has arrived. */
  add(p: TilePrediction): Promise<void> {
    return this.blender.add(p.tile, p.probabilities, p.status);
  }

  private async writeCore({ tile, probabilities, status }: BlendedCore): Promise<void> {
    const classIds = this.o.metadata.classes.map((c) => c.id);
    const K = classIds.length;
    const { ids, confidence } = argmaxClasses(probabilities, classIds);
    const n = ids.length;
    const classes = new Uint8Array(n);
    const probs = this.writers.probabilities ? Array.from({ length: K }, () => new Float32Array(n)) : null;
    for (let i = 0; i < n; i++) {
      if (status[i] !== PIXEL_STATUS.classified) {
        classes[i] = CLASS_NODATA;
        confidence[i] = NaN;
        this.maskedPixels++;
        if (status[i] === PIXEL_STATUS.cloud) this.cloudPixels++;
        if (probs) for (let k = 0; k < K; k++) probs[k][i] = NaN;
        continue;
      }
      classes[i] = ids[i];
      this.classPixels[ids[i]]++;
      if (probs) for (let k = 0; k < K; k++) probs[k][i] = probabilities[i * K + k];
    }
    this.quicklook.add(tile.core, classes);
    await this.writers.classes.writeWindow(tile.core, [classes]);
    await this.writers.confidence.writeWindow(tile.core, [confidence]);
    await this.writers.status.writeWindow(tile.core, [status]);
    if (this.writers.probabilities && probs) await this.writers.probabilities.writeWindow(tile.core, probs);
  }

  /** Fills the tiles that were not selected with nodata, closes the files and moves them into place. */
  async finish(runtime: RuntimeInfo, threads: number): Promise<PredictionResult> {
    const { metadata, plan, staging, outDir, scene } = this.o;
    const K = metadata.classes.length;
    try {
      if (this.blender.waiting !== 0) throw new Error(`${this.blender.waiting} tile core(s) were never completed`);
      const chosen = new Set(plan.grid.tiles.map((t) => t.id));
      for (const tile of plan.fullGrid.tiles) {
        if (chosen.has(tile.id)) continue;
        const n = tile.core.width * tile.core.height;
        this.maskedPixels += n;
        await this.writers.classes.writeWindow(tile.core, [new Uint8Array(n).fill(CLASS_NODATA)]);
        await this.writers.confidence.writeWindow(tile.core, [new Float32Array(n).fill(NaN)]);
        await this.writers.status.writeWindow(tile.core, [new Uint8Array(n).fill(PIXEL_STATUS.noData)]);
        if (this.writers.probabilities) await this.writers.probabilities.writeWindow(tile.core, Array.from({ length: K }, () => new Float32Array(n).fill(NaN)));
      }
      for (const w of this.all()) await w.close();
      await this.quicklook.writePng(path.join(staging, 'quicklook.png'), metadata.classes);
    } catch (err) {
      await this.abort();
      throw err;
    }
    const result: PredictionResult = {
      model: { dir: this.o.modelDir, hash: packageHash(this.o.modelDir), task: metadata.task, architecture: metadata.architecture },
      imagery: scene.source,
      files: {
        classes: path.join(outDir, 'classes.tif'),
        confidence: path.join(outDir, 'confidence.tif'),
        status: path.join(outDir, 'status.tif'),
        probabilities: this.writers.probabilities ? path.join(outDir, 'probabilities.tif') : null,
        quicklook: path.join(outDir, 'quicklook.png'),
      },
      grid: { tileSize: plan.tileSize, halo: plan.halo, tiles: plan.grid.tiles.length },
      runtime,
      threads,
      classPixels: this.classPixels,
      maskedPixels: this.maskedPixels,
      cloudPixels: this.cloudPixels,
      seconds: Math.round((performance.now() - this.started) / 100) / 10,
    };
    // The manifest names its files relative to itself: the folder may be moved (as `sat run` does with its staging).
    const files = Object.fromEntries(Object.entries(result.files).map(([k, v]) => [k, v && path.basename(v)]));
    await writeFile(path.join(staging, 'prediction.json'), `${JSON.stringify({ ...result, files }, null, 2)}\n`);
    await rm(outDir, { recursive: true, force: true });
    await mkdir(path.dirname(path.resolve(outDir)), { recursive: true });
    await rename(staging, outDir);
    return result;
  }

  async abort(): Promise<void> {
    await Promise.all(this.all().map((w) => w.abort().catch(() => {})));
    await rm(this.o.staging, { recursive: true, force: true });
  }

  private all(): GeoTiffWriter[] {
    return [this.writers.classes, this.writers.confidence, this.writers.status, ...(this.writers.probabilities ? [this.writers.probabilities] : [])];
  }
}

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

/**
 * Stage "prediction" in one process: tiles with halo → preprocessing with the model's recipe → batched inference
 * on worker threads (classifyTiles) → stitching (PredictionWriter). The queued service runs the same two functions
 * as separate jobs. Nothing appears in `outDir` until all of it is written.
 */
export async function predictScene(input: PredictSceneInput, ctx: StageContext): Promise<PredictionResult> {
  const { scene, metadata } = input;
  if (scene.info.epsg === null && scene.info.proj4) {
    ctx.logger.warn({ source: scene.info.source }, 'the scene has a user-defined CRS without an EPSG code; the prediction GeoTIFFs carry no CRS');
  }
  const plan = planPrediction(scene.info, metadata, ctx.settings.tiling, input.select);
  const writer = await PredictionWriter.create({ scene: scene.info, metadata, modelDir: input.modelDir, plan, outDir: input.outDir, probabilities: input.probabilities });
  const threads = inferenceThreadCount(ctx.settings.model.inferenceThreads, ctx.settings.model.backend as BackendPreference);
  let pool: InferencePool | null = null;
  try {
    pool = await InferencePool.start(input.modelDir, ctx.settings.model.backend as BackendPreference, threads);
    const batchSize = ctx.settings.model.batchSize;
    const inFlight: Promise<void>[] = [];
    let batch: PreparedTileResult[] = [];
    let done = 0;
    const run = async (tiles: PreparedTileResult[]) => {
      for (const p of await classifyTiles(tiles, pool!, metadata)) {
        await writer.add(p);
        ctx.progress(++done / plan.grid.tiles.length, p.tile.id);
      }
    };
    const quiet = { ...ctx, progress: () => {} };
    for await (const prepared of prepareTiles({ scene, grid: plan.grid, recipe: metadata.recipe, aux: input.aux }, quiet)) {
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
    return await writer.finish(pool.runtime, threads);
  } catch (err) {
    await writer.abort();
    throw err;
  } finally {
    await pool?.close();
  }
}
