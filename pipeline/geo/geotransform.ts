import { SatError } from '../core/errors.js';
import type { GeoTransform } from '../raster/types.js';

/** World coordinates of a pixel-space point (col, row may be fractional; (0, 0) is the outer upper-left corner). */
export function pixelToWorld(gt: GeoTransform, col: number, row: number): [number, number] {
  return [gt[0] + col * gt[1] + row * gt[2], gt[3] + col * gt[4] + row * gt[5]];
}

/** The inverse affine: pixel-space (col, row) of a world point. Works for rotated grids too. */
export function worldToPixel(gt: GeoTransform, x: number, y: number): [number, number] {
  const det = gt[1] * gt[5] - gt[2] * gt[4];
  if (det === 0) throw new SatError('E_INPUT', `the geotransform [${gt.join(', ')}] cannot be inverted`);
  const dx = x - gt[0];
  const dy = y - gt[3];
  return [(gt[5] * dx - gt[2] * dy) / det, (-gt[4] * dx + gt[1] * dy) / det];
}

/** Bounds [minX, minY, maxX, maxY] of a width x height raster in world coordinates. */
export function rasterBounds(gt: GeoTransform, width: number, height: number): [number, number, number, number] {
  const corners = [pixelToWorld(gt, 0, 0), pixelToWorld(gt, width, 0), pixelToWorld(gt, 0, height), pixelToWorld(gt, width, height)];
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}
