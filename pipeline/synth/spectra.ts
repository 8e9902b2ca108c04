import { BUILT_UP, CROPLAND, FOREST, GRASSLAND, WATER } from './classes.js';
import { gaussian, hash2 } from './noise.js';
import { parcelOf } from './landscape.js';

/** Sentinel-2 bands of synthetic scenes, in file order. */
export const SYNTH_BANDS = ['B02', 'B03', 'B04', 'B08', 'B11', 'B12'] as const;

/**
 * Typical surface reflectance of each class in B02 B03 B04 B08 B11 B12 (Sentinel-2 L2A, mid-season):
 * water dark beyond green, vegetation bright in NIR, built-up bright in SWIR and flat across the visible.
 */
const MEAN: Record<number, number[]> = {
  [WATER]: [0.055, 0.05, 0.032, 0.022, 0.012, 0.008],
  [FOREST]: [0.026, 0.048, 0.027, 0.31, 0.15, 0.07],
  [CROPLAND]: [0.045, 0.085, 0.06, 0.42, 0.23, 0.12],
  [GRASSLAND]: [0.04, 0.075, 0.055, 0.29, 0.21, 0.11],
  [BUILT_UP]: [0.1, 0.105, 0.115, 0.19, 0.24, 0.21],
};
/** Bare-soil parcels (ploughed fields) look unlike growing crops; a share of the cropland shows it. */
const BARE_SOIL = [0.085, 0.11, 0.14, 0.21, 0.3, 0.24];

/** Relative within-class variation (between parcels/stands) and per-pixel noise (absolute reflectance). */
const PATCH_VARIATION = 0.12;
const PIXEL_NOISE = 0.008;

/**
 * Reflectance of one pixel (metres mx, my; pixel x, y) of a class, for the given bands (indexes into SYNTH_BANDS).
 * Parcels get their own crop stage; every pixel its own sensor noise; clouds brighten all bands.
 */
export function pixelReflectance(cls: number, mx: number, my: number, x: number, y: number, seed: number, cloud: number, out: Float64Array): void {
  let mean = MEAN[cls];
  const [px, py] = parcelOf(mx, my);
  const patch = hash2(px, py, seed + 31);
  if (cls === CROPLAND) {
    const bare = hash2(px, py, seed + 32);
    if (bare < 0.25) mean = BARE_SOIL.map((v, b) => v + (MEAN[CROPLAND][b] - v) * bare * 2);
  }
  // Fields and stands differ from each other; open water does not follow parcels.
  const scale = cls === WATER ? 1 : 1 + PATCH_VARIATION * (patch - 0.5) * 2;
  for (let b = 0; b < out.length; b++) {
    const v = mean[b] * scale + PIXEL_NOISE * gaussian(x, y, seed + 100 + 7 * b);
    // Clouds: reflective and nearly white, more so in the visible.
    out[b] = v + cloud * (0.55 - 0.05 * b - v);
  }
}
