import { SatError } from '../core/errors.js';
import type { PixelArray } from '../raster/types.js';

/**
 * Which observations are clear enough to composite. The rules are the product's own quality layers:
 * - `scl`: Sentinel-2 L2A scene classification; the listed classes are not clear (default: 0 no data, 1 saturated or
 *   defective, 3 cloud shadow, 8 and 9 cloud of medium and high probability, 10 thin cirrus — as odc-stac and the
 *   Earth Search/Planetary Computer examples mask them);
 * - `qa`: Landsat Collection 2 QA_PIXEL; a pixel with any listed bit set is not clear (default: 0 fill, 1 dilated
 *   cloud, 2 cirrus, 3 cloud, 4 cloud shadow);
 * - `mask`: a 0/1 (or n-valued) cloud mask such as eo-learn's CLM; the listed values are not clear (default: 1).
 */
export type ClearRule = { kind: 'scl'; notClear?: number[] } | { kind: 'qa'; bits?: number[] } | { kind: 'mask'; notClear?: number[] } | { kind: 'none' };

export const SCL_NOT_CLEAR = [0, 1, 3, 8, 9, 10];
export const QA_PIXEL_NOT_CLEAR_BITS = [0, 1, 2, 3, 4];

/** 1 where the observation is clear, 0 where the rule masks it; then `dilate` pixels of margin around masked ones. */
export function clearMask(quality: PixelArray | null, length: number, rule: ClearRule, options: { dilate?: number; width?: number } = {}): Uint8Array {
  const clear = new Uint8Array(length).fill(1);
  if (rule.kind !== 'none') {
    if (!quality || quality.length !== length) throw new SatError('E_INPUT', `a ${rule.kind} clear-sky rule needs a quality band of ${length} pixels`);
    if (rule.kind === 'qa') {
      const bits = rule.bits ?? QA_PIXEL_NOT_CLEAR_BITS;
      const mask = bits.reduce((m, b) => m | (1 << b), 0);
      for (let i = 0; i < length; i++) if ((Number(quality[i]) & mask) !== 0) clear[i] = 0;
    } else {
      const masked = new Set(rule.notClear ?? (rule.kind === 'scl' ? SCL_NOT_CLEAR : [1]));
      for (let i = 0; i < length; i++) if (masked.has(Number(quality[i]))) clear[i] = 0;
    }
  }
  const d = options.dilate ?? 0;
  if (d > 0) {
    if (!options.width || length % options.width !== 0) throw new SatError('E_INPUT', 'dilating a clear mask needs the raster width');
    return dilateMasked(clear, options.width, d);
  }
  return clear;
}

/** Grows the masked (0) pixels by `radius` in every direction (a square): cloud edges are rarely caught by the mask. */
function dilateMasked(clear: Uint8Array, width: number, radius: number): Uint8Array {
  const height = clear.length / width;
  // Separable: rows, then columns. A pixel stays clear only if no masked pixel is within `radius` along each axis.
  const rows = new Uint8Array(clear.length);
  for (let r = 0; r < height; r++) {
    let lastMasked = -Infinity;
    const base = r * width;
    const nextMasked = new Int32Array(width).fill(2 ** 30);
    for (let c = width - 1, next = 2 ** 30; c >= 0; c--) {
      if (clear[base + c] === 0) next = c;
      nextMasked[c] = next;
    }
    for (let c = 0; c < width; c++) {
      if (clear[base + c] === 0) lastMasked = c;
      rows[base + c] = c - lastMasked > radius && nextMasked[c] - c > radius ? 1 : 0;
    }
  }
  const out = new Uint8Array(clear.length);
  for (let c = 0; c < width; c++) {
    let lastMasked = -Infinity;
    const nextMasked = new Int32Array(height).fill(2 ** 30);
    for (let r = height - 1, next = 2 ** 30; r >= 0; r--) {
      if (rows[r * width + c] === 0) next = r;
      nextMasked[r] = next;
    }
    for (let r = 0; r < height; r++) {
      if (rows[r * width + c] === 0) lastMasked = r;
      out[r * width + c] = r - lastMasked > radius && nextMasked[r] - r > radius ? 1 : 0;
    }
  }
  return out;
}
