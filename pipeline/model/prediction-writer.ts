import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { replaceDir, temporaryPathFor } from '../core/atomic-write.js';
import { SatError } from '../core/errors.js';
import { ClassQuicklook } from '../export/class-quicklook.js';
import type { GeoreferencedInfo } from '../raster/georeferenced.js';
import { createGeoTiffWriter, type GeoTiffWriter } from '../raster/write-geotiff.js';
import { argmaxClasses } from './class-map.js';
import { PIXEL_STATUS, type TilePrediction } from './classify-tiles.js';
import { packageHash, type ModelMetadata } from './model-package.js';
import type { PredictionPlan } from './prediction-plan.js';
import type { RuntimeInfo } from './runtime.js';
import { TileBlender, type BlendedCore } from './tile-blender.js';

/** The files of a prediction folder (`sat predict --out`, and `prediction/` of a job). */
export const PREDICTION_FILES = {
  classes: 'classes.tif',
  confidence: 'confidence.tif',
  status: 'status.tif',
  probabilities: 'probabilities.tif',
  quicklook: 'quicklook.png',
  /** What the prediction was made with and how many pixels of each class it has (PredictionResult). */
  summary: 'prediction.json',
} as const;

/** Class map value where the input was masked (nodata, cloud, outside the scene). */
export const CLASS_NODATA = 255;

export interface PredictionResult {
  model: { dir: string; hash: string; task: string; architecture: string };
  imagery: string;
  /** Size of the scene (and of every raster written) in pixels. */
  size: { width: number; height: number };
  files: { classes: string; confidence: string; status: string; probabilities: string | null; quicklook: string };
  grid: { tileSize: number; halo: number; tiles: number };
  runtime: RuntimeInfo;
  threads: number;
  /** Pixels per class id (valid pixels only), pixels left nodata (masked input, outside the selected tiles) and, of those, cloudy ones. */
  classPixels: Record<string, number>;
  maskedPixels: number;
  cloudPixels: number;
}

/** Refuses an output folder holding anything but an earlier prediction. */
export function checkPredictionTarget(outDir: string): void {
  if (existsSync(outDir) && readdirSync(outDir).length > 0 && !existsSync(path.join(outDir, PREDICTION_FILES.summary))) {
    throw new SatError('E_INPUT', `output directory ${outDir} exists and holds something other than an earlier prediction; choose another`);
  }
}

/**
 * Stitching: takes tile predictions in any order, blends overlapping windows (TileBlender: no seams, results
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

  private constructor(
    private readonly o: { scene: GeoreferencedInfo; metadata: ModelMetadata; modelDir: string; plan: PredictionPlan; outDir: string; staging: string },
    private readonly writers: { classes: GeoTiffWriter; confidence: GeoTiffWriter; status: GeoTiffWriter; probabilities: GeoTiffWriter | null },
  ) {
    const { metadata, plan, scene } = o;
    this.classPixels = Object.fromEntries(metadata.classes.map((c) => [String(c.id), 0]));
    this.quicklook = new ClassQuicklook(scene.width, scene.height, CLASS_NODATA);
    this.blender = new TileBlender(plan.grid, metadata.classes.length, (core) => this.writeCore(core), metadata.input.halo);
  }

  static async create(o: { scene: GeoreferencedInfo; metadata: ModelMetadata; modelDir: string; plan: PredictionPlan; outDir: string; probabilities?: boolean }): Promise<PredictionWriter> {
    const { scene, metadata, plan } = o;
    checkPredictionTarget(o.outDir);
    const staging = temporaryPathFor(o.outDir);
    await mkdir(staging, { recursive: true });
    const common = {
      width: scene.width,
      height: scene.height,
      geotransform: scene.geotransform,
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
        classes: await open(PREDICTION_FILES.classes, { bands: 1, dtype: 'uint8', nodata: CLASS_NODATA, overviews: [2, 4, 8], overviewResampling: 'mode', bandDescriptions: ['class'] }),
        confidence: await open(PREDICTION_FILES.confidence, { bands: 1, dtype: 'float32', nodata: NaN, predictor: 3, bandDescriptions: ['confidence'] }),
        status: await open(PREDICTION_FILES.status, { metadata: { STATUS_VALUES: '0 classified, 1 no data or not selected, 2 cloud, 3 no clear observation in the period' }, bands: 1, dtype: 'uint8', nodata: null, bandDescriptions: ['pixel status'] }),
        probabilities: o.probabilities
          ? await open(PREDICTION_FILES.probabilities, { bands: metadata.classes.length, dtype: 'float32', nodata: NaN, predictor: 3, bandDescriptions: metadata.classes.map((c) => c.name) })
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
        if (status[i] === PIXEL_STATUS.cloud || status[i] === PIXEL_STATUS.noClearObservation) this.cloudPixels++;
        if (probs) for (let k = 0; k < K; k++) probs[k][i] = NaN;
        continue;
      }
      classes[i] = ids[i];
      this.classPixels[ids[i]]++;
      if (probs) for (let k = 0; k < K; k++) probs[k][i] = probabilities[i * K + k];
    }
    // No clear observation in the period is drawn like cloud: the sky, not the ground, is what is missing.
    this.quicklook.add(tile.core, classes, (i) => status[i] === PIXEL_STATUS.cloud || status[i] === PIXEL_STATUS.noClearObservation);
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
      await this.quicklook.writePng(path.join(staging, PREDICTION_FILES.quicklook), metadata.classes);
    } catch (err) {
      await this.abort();
      throw err;
    }
    const result: PredictionResult = {
      model: { dir: this.o.modelDir, hash: packageHash(this.o.modelDir), task: metadata.task, architecture: metadata.architecture },
      imagery: scene.source,
      size: { width: scene.width, height: scene.height },
      files: {
        classes: path.join(outDir, PREDICTION_FILES.classes),
        confidence: path.join(outDir, PREDICTION_FILES.confidence),
        status: path.join(outDir, PREDICTION_FILES.status),
        probabilities: this.writers.probabilities ? path.join(outDir, PREDICTION_FILES.probabilities) : null,
        quicklook: path.join(outDir, PREDICTION_FILES.quicklook),
      },
      grid: { tileSize: plan.tileSize, halo: plan.halo, tiles: plan.grid.tiles.length },
      runtime,
      threads,
      classPixels: this.classPixels,
      maskedPixels: this.maskedPixels,
      cloudPixels: this.cloudPixels,
    };
    // The manifest names its files relative to itself: the folder may be moved (as `sat run` does with its staging).
    const files = Object.fromEntries(Object.entries(result.files).map(([k, v]) => [k, v && path.basename(v)]));
    await writeFile(path.join(staging, PREDICTION_FILES.summary), `${JSON.stringify({ ...result, files }, null, 2)}\n`);
    await replaceDir(staging, outDir);
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
