/**
 * The band-by-band preprocessing gives exactly what the former pixel-by-pixel loop gave (kept below as the reference):
 * every channel value, mask and count, on random tiles that hit every reason a pixel is invalid (outside the scene,
 * nodata, NaN, out of range, cloud by mask band, aux mask, bit mask or threshold, an undefined index).
 */
import { describe, expect, it } from 'vitest';
import { SatError } from '../../pipeline/core/errors.js';
import { loadBandRecipe, recipeChannels, type BandRecipe } from '../../pipeline/preprocess/band-recipe.js';
import { normalise, preprocessTile, type PreparedTile, type PreprocessContext } from '../../pipeline/preprocess/preprocess-tile.js';
import { INDEX_BANDS, INDEX_FORMULAS, type SpectralIndex } from '../../pipeline/preprocess/spectral-indices.js';
import type { PixelArray, RasterData } from '../../pipeline/raster/types.js';
import { seededRandom } from '../../pipeline/core/random.js';

const OUTSIDE = 1;
const NODATA = 2;
const CLOUD = 3;
const OUT_OF_RANGE = 4;

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
    case 'clear-count':
      return (i) => values[i] === 0;
  }
}

function referencePreprocess(raw: RasterData, recipe: BandRecipe, context: PreprocessContext): PreparedTile {
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
      // A composite is NaN where it has no clear observation: the clear count explains that no data.
      const noClear = reason === NODATA && recipe.cloudMask?.kind === 'clear-count' && isCloud!(i, scaled);
      if ((!reason && isCloud && isCloud(i, scaled)) || noClear) {
        reason = CLOUD;
        cloud[i] = recipe.cloudMask?.kind === 'clear-count' ? 2 : 1;
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


const base = {
  name: 'test',
  bands: [
    { name: 'blue', source: 1, scale: 0.0001, offset: 0 },
    { name: 'green', source: 2, scale: 0.0001, offset: 0 },
    { name: 'red', source: 3, scale: 0.0001, offset: -0.01 },
    { name: 'nir', source: 4, scale: 0.0001, offset: 0 },
  ],
  validRange: [0, 1.2],
  indices: ['ndvi', 'ndwi', 'savi', 'evi'],
  normalisation: { kind: 'zscore', mean: [0.1, 0.1, 0.1, 0.3, 0.2, 0, 0.1, 0.2], std: [0.05, 0.05, 0.05, 0.1, 0.3, 0.3, 0.3, 0.4] },
};

const recipes: Record<string, BandRecipe> = {
  'aux mask band': loadBandRecipe({ ...base, cloudMask: { kind: 'mask-band', source: 'aux', cloudValues: [1, 3] } }),
  'scene classification in band 5': loadBandRecipe({ ...base, cloudMask: { kind: 'scene-classification', source: 5, classes: [3, 8, 9, 10, 300] } }),
  'bit mask in band 5': loadBandRecipe({ ...base, cloudMask: { kind: 'bitmask', source: 5, bits: [4, 5] } }),
  'clear count from aux (a composite)': loadBandRecipe({ ...base, cloudMask: { kind: 'clear-count', source: 'aux' } }),
  'threshold on blue': loadBandRecipe({ ...base, nodata: 0, cloudMask: { kind: 'threshold', band: 'blue', above: 0.25 } }),
  'no cloud rule, no normalisation': loadBandRecipe({ ...base, cloudMask: undefined, normalisation: { kind: 'none' }, validRange: undefined }),
};

function randomTile(seed: number, float: boolean): { raw: RasterData; aux: Uint8Array; context: PreprocessContext } {
  const next = seededRandom(seed);
  const [width, height] = [37, 29];
  const window = { col: -5, row: 20, width, height }; // left edge and bottom edge of a 60 x 40 scene
  const n = width * height;
  const band = () => {
    const a = float ? new Float32Array(n) : new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      const u = next();
      // Mostly plausible reflectance; some zeros (nodata, zero denominators), saturated values and NaN.
      a[i] = u < 0.04 ? 0 : u < 0.07 ? 13000 : u < 0.09 && float ? NaN : Math.floor(next() * 4000);
    }
    return a;
  };
  const classes = new Uint16Array(n).map(() => Math.floor(next() * 12 + (next() < 0.05 ? 290 : 0)));
  const aux = new Uint8Array(n).map(() => Math.floor(next() * 4));
  return { raw: { window, dtype: float ? 'float32' : 'uint16', bands: [band(), band(), band(), band(), classes] }, aux, context: { sceneWidth: 60, sceneHeight: 40, nodata: float ? null : 0, aux } };
}

describe('band-by-band preprocessing', () => {
  for (const [name, recipe] of Object.entries(recipes)) {
    it(`equals the pixel-by-pixel reference exactly: ${name}`, () => {
      for (const [seed, float] of [[1, false], [2, true], [3, false]] as const) {
        const { raw, context } = randomTile(seed, float);
        const ours: PreparedTile = preprocessTile(raw, recipe, context);
        const reference = referencePreprocess(raw, recipe, context);
        expect(ours.counts).toEqual(reference.counts);
        expect(ours.channels).toEqual(reference.channels);
        expect(Buffer.from(ours.valid).equals(Buffer.from(reference.valid))).toBe(true);
        expect(Buffer.from(ours.cloud).equals(Buffer.from(reference.cloud))).toBe(true);
        expect(Buffer.from(ours.data.buffer).equals(Buffer.from(reference.data.buffer))).toBe(true);
        // Every reason occurs, so each path was compared.
        const { valid, nodata, outside, outOfRange } = reference.counts;
        expect(Math.min(valid, nodata, outside)).toBeGreaterThan(0);
        if (recipe.validRange) expect(outOfRange).toBeGreaterThan(0);
        if (recipe.cloudMask) expect(reference.counts.cloud).toBeGreaterThan(0);
      }
    });
  }
});
