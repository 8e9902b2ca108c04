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
  /** Why an invalid pixel was masked by the recipe's mask: 1 = cloud, 2 = no clear observation in the period (a composite). */
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
/** The mask code of a pixel without any clear observation in the period (a composite's clear count of 0). */
export const NO_CLEAR_OBSERVATION = 2;

/**
 * The recipe's cloud flags per pixel from a mask raster's values (mask-band, scene-classification, bitmask), or null
 * for a threshold rule (tested on the scaled band) or no rule.
 */
function maskClouds(recipe: BandRecipe, raw: RasterData, aux: PixelArray | undefined, n: number): Uint8Array | null {
  const mask = recipe.cloudMask;
  if (!mask || mask.kind === 'threshold') return null;
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
  const flags = new Uint8Array(n);
  if (mask.kind === 'clear-count') {
    for (let i = 0; i < n; i++) flags[i] = values[i] === 0 ? NO_CLEAR_OBSERVATION : 0;
    return flags;
  }
  if (mask.kind === 'bitmask') {
    const bits = mask.bits.reduce((acc, b) => acc | (1 << b), 0);
    for (let i = 0; i < n; i++) flags[i] = (values[i] & bits) !== 0 ? 1 : 0;
    return flags;
  }
  const set = new Set(mask.kind === 'mask-band' ? mask.cloudValues : mask.classes);
  if (values instanceof Uint8Array) {
    // Byte masks (the usual case): one table look-up a pixel instead of a set look-up.
    const table = Uint8Array.from({ length: 256 }, (_, v) => (set.has(v) ? 1 : 0));
    for (let i = 0; i < n; i++) flags[i] = table[values[i]];
  } else {
    for (let i = 0; i < n; i++) flags[i] = set.has(values[i]) ? 1 : 0;
  }
  return flags;
}

/**
 * Stage "preprocess" for one tile: selects and scales the recipe's bands, masks nodata, out-of-scene
 * (halo padding), out-of-range and cloudy pixels, adds spectral indices, and normalises.
 * The window may reach past the scene; those pixels are marked 'outside'.
 * A pixel's reason to be invalid, by precedence: outside, nodata (in any band), out of range (any band), cloud, an
 * undefined index. The work goes band by band (one tight loop per band and per index), not pixel by pixel.
 */
export function preprocessTile(raw: RasterData, recipe: BandRecipe, context: PreprocessContext): PreparedTile {
  const { width, height } = raw.window;
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
  const nodata = recipe.nodata !== undefined ? recipe.nodata : context.nodata;
  const [lo, hi] = recipe.validRange ?? [-Infinity, Infinity];
  const cloudFlags = maskClouds(recipe, raw, context.aux, n);
  const threshold = recipe.cloudMask?.kind === 'threshold' ? recipe.cloudMask : null;

  const data = new Float32Array(n * nc);
  const reason = new Uint8Array(n);
  markOutside(reason, raw.window, context);
  const cloudCandidate = threshold ? new Uint8Array(n) : null;
  // Channels are normalised as they are written (the stored float32 value, normalised, as a separate pass would).
  const norm = normalisationCoefficients(recipe.normalisation, nc);
  recipe.bands.forEach((band, b) => {
    scaleBand(raw.bands[band.source - 1], band.scale, band.offset, nodata, lo, hi, reason, { data, nc, c: b, a: norm.a[b], b: norm.b[b] });
    if (threshold && band.name === threshold.band) thresholdClouds(raw.bands[band.source - 1], band.scale, band.offset, threshold.above, reason, cloudCandidate!);
  });
  const clouds = cloudCandidate ?? cloudFlags;
  const cloud = new Uint8Array(n);
  if (clouds) {
    for (let i = 0; i < n; i++) {
      // A composite is NaN (no data) where it has no clear observation: the clear count says why, so it wins.
      if ((reason[i] === 0 || (reason[i] === NODATA && clouds[i] === NO_CLEAR_OBSERVATION)) && clouds[i] !== 0) {
        reason[i] = CLOUD;
        cloud[i] = clouds[i];
      }
    }
  }
  (recipe.indices as SpectralIndex[]).forEach((index, k) => {
    const inputs = INDEX_BANDS[index].map((name) => recipe.bands.find((b) => b.name === name)!);
    const c = nb + k;
    addIndex(INDEX_FORMULAS[index], inputs.map((b) => ({ values: raw.bands[b.source - 1], scale: b.scale, offset: b.offset })), reason, { data, nc, c, a: norm.a[c], b: norm.b[c] });
  });

  const valid = new Uint8Array(n);
  const counts = { pixels: n, valid: 0, nodata: 0, outside: 0, cloud: 0, outOfRange: 0 };
  for (let i = 0; i < n; i++) {
    const r = reason[i];
    if (r === 0) {
      valid[i] = 1;
      counts.valid++;
      continue;
    }
    for (let c = i * nc, end = c + nc; c < end; c++) data[c] = 0;
    if (r === OUTSIDE) counts.outside++;
    else if (r === NODATA) counts.nodata++;
    else if (r === CLOUD) counts.cloud++;
    else counts.outOfRange++;
  }
  return { width, height, channels, data, valid, cloud, counts };
}

/** Pixels of the window beyond the scene's edges (halo padding). */
function markOutside(reason: Uint8Array, window: RasterData['window'], context: PreprocessContext): void {
  const { width, height, col: col0, row: row0 } = window;
  const c0 = Math.min(width, Math.max(0, -col0));
  const c1 = Math.max(c0, Math.min(width, context.sceneWidth - col0));
  for (let y = 0; y < height; y++) {
    const sceneRow = row0 + y;
    if (sceneRow < 0 || sceneRow >= context.sceneHeight) {
      reason.fill(OUTSIDE, y * width, (y + 1) * width);
    } else {
      reason.fill(OUTSIDE, y * width, y * width + c0);
      reason.fill(OUTSIDE, y * width + c1, (y + 1) * width);
    }
  }
}

/** Where a channel goes: channel `c` of pixel-interleaved `data` with `nc` channels, written as (float32(x) - a) * b. */
interface ChannelOut {
  data: Float32Array;
  nc: number;
  c: number;
  a: number;
  b: number;
}

/** One band scaled into its channel; nodata (or NaN) and scaled values outside [lo, hi] marked. */
function scaleBand(values: PixelArray, scale: number, offset: number, nodata: number | null, lo: number, hi: number, reason: Uint8Array, out: ChannelOut): void {
  const { data, nc, c, a, b } = out;
  const skip = nodata !== null && !Number.isNaN(nodata) ? nodata : NaN; // v === NaN never holds
  for (let i = 0, o = c; i < values.length; i++, o += nc) {
    const r = reason[i];
    if (r === OUTSIDE || r === NODATA) continue;
    const v = values[i];
    if (v !== v || v === skip) {
      reason[i] = NODATA;
      continue;
    }
    const s = v * scale + offset;
    if (s < lo || s > hi) reason[i] = OUT_OF_RANGE;
    data[o] = (Math.fround(s) - a) * b;
  }
}

/** A threshold cloud rule: the band's scaled value above `above` (a cloud only where nothing else is wrong). */
function thresholdClouds(values: PixelArray, scale: number, offset: number, above: number, reason: Uint8Array, flags: Uint8Array): void {
  for (let i = 0; i < values.length; i++) if (reason[i] === 0 && values[i] * scale + offset > above) flags[i] = 1;
}

/** A spectral index into channel `c` of `data` from the scaled input bands, for pixels still valid; NaN marks the pixel. */
function addIndex(
  formula: (v: Float64Array) => number,
  inputs: { values: PixelArray; scale: number; offset: number }[],
  reason: Uint8Array,
  out: ChannelOut,
): void {
  const { data, nc, c, a, b } = out;
  const args = new Float64Array(inputs.length);
  for (let i = 0, o = c; i < reason.length; i++, o += nc) {
    if (reason[i] !== 0) continue;
    for (let a = 0; a < inputs.length; a++) args[a] = inputs[a].values[i] * inputs[a].scale + inputs[a].offset;
    const v = formula(args);
    if (v !== v) reason[i] = OUT_OF_RANGE; // undefined index (zero denominator)
    else data[o] = (Math.fround(v) - a) * b;
  }
}

/** x' = (x - a) * b per channel for a recipe's normalisation (a = 0, b = 1 for none). */
function normalisationCoefficients(how: BandRecipe['normalisation'], nc: number): { a: Float64Array; b: Float64Array } {
  const a = new Float64Array(nc);
  const b = new Float64Array(nc).fill(1);
  if (how.kind === 'none') return { a, b };
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
  return { a, b };
}

/** Applies a recipe's normalisation in place to the valid pixels of HWC data (invalid ones stay 0). */
export function normalise(data: Float32Array, valid: Uint8Array, nc: number, how: BandRecipe['normalisation']): void {
  if (how.kind === 'none') return;
  const { a, b } = normalisationCoefficients(how, nc);
  for (let i = 0; i < valid.length; i++) {
    if (!valid[i]) continue;
    const base = i * nc;
    for (let c = 0; c < nc; c++) data[base + c] = (data[base + c] - a[c]) * b[c];
  }
}
