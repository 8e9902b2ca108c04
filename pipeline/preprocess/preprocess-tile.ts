import { SatError } from '../core/errors.js';
import type { PixelArray, RasterData } from '../raster/types.js';
import { recipeChannels, type BandRecipe } from './band-recipe.js';
import { INDEX_BANDS, INDEX_FORMULAS, type SpectralIndex } from './spectral-indices.js';

/** An analysis-ready tile: scaled reflectance and indices as Float32, with what is usable marked. */
export interface PreparedTile {
  width: number;
  height: number;
  /** Recipe band names then index names, e.g. ['blue', 'green', 'red', 'nir', 'ndvi', 'ndwi']. */
  channels: string[];
  /** Pixel-interleaved (HWC): data[(y * width + x) * C + c]; invalid pixels are 0 (after normalisation). */
  data: Float32Array;
  /** 1 = usable; 0 = nodata, outside the scene, cloud, out of the valid range or an undefined index. */
  valid: Uint8Array;
  /** 1 = cloud (a subset of the invalid pixels). */
  cloud: Uint8Array;
  counts: { pixels: number; valid: number; nodata: number; outside: number; cloud: number; outOfRange: number };
}

export interface PreprocessContext {
  sceneWidth: number;
  sceneHeight: number;
  /** The raster's nodata value (the recipe's `nodata`, when set, takes precedence). */
  nodata: number | null;
  /** The auxiliary mask raster's pixels for the same window, for cloud masks with source 'aux'. */
  aux?: PixelArray;
}

const OUTSIDE = 1;
const NODATA = 2;
const CLOUD = 3;
const OUT_OF_RANGE = 4;

/** Cloud test per pixel, from the recipe's rule; `scaled` holds the pixel's scaled band values. */
function cloudRule(recipe: BandRecipe, raw: RasterData, aux: PixelArray | undefined): ((i: number, scaled: Float64Array) => boolean) | null {
  const mask = recipe.cloudMask;
  if (!mask) return null;
  if (mask.kind === 'threshold') {
    const b = recipe.bands.findIndex((band) => band.name === mask.band);
    return (_i, scaled) => scaled[b] > mask.above;
  }
  let values: PixelArray;
  if (mask.source === 'aux') {
    if (!aux) throw new SatError('E_INPUT', `band recipe '${recipe.name}' takes its cloud mask from an auxiliary raster, but none was given`);
    values = aux;
  } else {
    if (mask.source > raw.bands.length) {
      throw new SatError('E_INPUT', `band recipe '${recipe.name}' needs band ${mask.source} (cloud mask) but the input has ${raw.bands.length} band(s)`);
    }
    values = raw.bands[mask.source - 1];
  }
  switch (mask.kind) {
    case 'mask-band': {
      const set = new Set(mask.cloudValues);
      return (i) => set.has(values[i]);
    }
    case 'scene-classification': {
      const set = new Set(mask.classes);
      return (i) => set.has(values[i]);
    }
    case 'bitmask': {
      const bits = mask.bits.reduce((acc, b) => acc | (1 << b), 0);
      return (i) => (values[i] & bits) !== 0;
    }
  }
}

/**
 * Stage "preprocess" for one tile: selects and scales the recipe's bands, masks nodata, out-of-scene
 * (halo padding), out-of-range and cloudy pixels, adds spectral indices, and normalises.
 * The window may reach past the scene; those pixels are marked 'outside'.
 */
export function preprocessTile(raw: RasterData, recipe: BandRecipe, context: PreprocessContext): PreparedTile {
  const { width, height, col: col0, row: row0 } = raw.window;
  const n = width * height;
  const nb = recipe.bands.length;
  for (const b of recipe.bands) {
    if (b.source > raw.bands.length) {
      throw new SatError('E_INPUT', `band recipe '${recipe.name}' needs band ${b.source} (${b.name}) but the input has ${raw.bands.length} band(s)`);
    }
  }
  if (context.aux && context.aux.length !== n) throw new SatError('E_INPUT', `auxiliary mask has ${context.aux.length} pixels, the window ${n}`);
  const channels = recipeChannels(recipe);
  const nc = channels.length;
  const sources = recipe.bands.map((b) => raw.bands[b.source - 1]);
  const scale = Float64Array.from(recipe.bands, (b) => b.scale);
  const offset = Float64Array.from(recipe.bands, (b) => b.offset);
  const nodata = recipe.nodata !== undefined ? recipe.nodata : context.nodata;
  const checkNodata = nodata !== null && !Number.isNaN(nodata);
  const [lo, hi] = recipe.validRange ?? [-Infinity, Infinity];
  const isCloud = cloudRule(recipe, raw, context.aux);
  const indices = recipe.indices as SpectralIndex[];
  const indexInputs = indices.map((ix) => INDEX_BANDS[ix].map((name) => recipe.bands.findIndex((b) => b.name === name)));
  const indexArgs = indices.map((ix) => new Float64Array(INDEX_BANDS[ix].length));
  const indexFns = indices.map((ix) => INDEX_FORMULAS[ix]);

  const data = new Float32Array(n * nc);
  const valid = new Uint8Array(n);
  const cloud = new Uint8Array(n);
  const counts = { pixels: n, valid: 0, nodata: 0, outside: 0, cloud: 0, outOfRange: 0 };
  const scaled = new Float64Array(nb);

  for (let y = 0; y < height; y++) {
    const sceneRow = row0 + y;
    const rowOutside = sceneRow < 0 || sceneRow >= context.sceneHeight;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const sceneCol = col0 + x;
      let reason = rowOutside || sceneCol < 0 || sceneCol >= context.sceneWidth ? OUTSIDE : 0;
      if (!reason) {
        for (let b = 0; b < nb; b++) {
          const v = sources[b][i];
          if (v !== v || (checkNodata && v === nodata)) {
            reason = NODATA;
            break;
          }
          const s = v * scale[b] + offset[b];
          if (s < lo || s > hi) reason = OUT_OF_RANGE;
          scaled[b] = s;
        }
      }
      if (!reason && isCloud && isCloud(i, scaled)) {
        reason = CLOUD;
        cloud[i] = 1;
      }
      const base = i * nc;
      if (!reason) {
        for (let b = 0; b < nb; b++) data[base + b] = scaled[b];
        for (let k = 0; k < indexFns.length; k++) {
          const args = indexArgs[k];
          const inputs = indexInputs[k];
          for (let a = 0; a < inputs.length; a++) args[a] = scaled[inputs[a]];
          const v = indexFns[k](args);
          if (v !== v) {
            reason = OUT_OF_RANGE; // undefined index (zero denominator)
            break;
          }
          data[base + nb + k] = v;
        }
      }
      if (reason) {
        data.fill(0, base, base + nc);
        if (reason === OUTSIDE) counts.outside++;
        else if (reason === NODATA) counts.nodata++;
        else if (reason === CLOUD) counts.cloud++;
        else counts.outOfRange++;
      } else {
        valid[i] = 1;
        counts.valid++;
      }
    }
  }
  normalise(data, valid, nc, recipe.normalisation);
  return { width, height, channels, data, valid, cloud, counts };
}

/** Applies a recipe's normalisation in place to the valid pixels of HWC data (invalid ones stay 0). */
export function normalise(data: Float32Array, valid: Uint8Array, nc: number, how: BandRecipe['normalisation']): void {
  if (how.kind === 'none') return;
  const a = new Float64Array(nc);
  const b = new Float64Array(nc);
  for (let c = 0; c < nc; c++) {
    // x' = (x - a) * b
    if (how.kind === 'zscore') {
      a[c] = how.mean[c];
      b[c] = 1 / how.std[c];
    } else {
      a[c] = how.min[c];
      b[c] = how.max[c] === how.min[c] ? 0 : 1 / (how.max[c] - how.min[c]);
    }
  }
  for (let i = 0; i < valid.length; i++) {
    if (!valid[i]) continue;
    const base = i * nc;
    for (let c = 0; c < nc; c++) data[base + c] = (data[base + c] - a[c]) * b[c];
  }
}
