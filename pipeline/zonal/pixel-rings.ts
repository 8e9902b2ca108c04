import type { MultiPolygon, Polygon, Position } from 'geojson';
import { worldToPixel } from '../geo/geotransform.js';
import type { GeoTransform, PixelWindow } from '../raster/types.js';

/** A ring in pixel coordinates (x = column, y = row, both fractional), first point repeated at the end. */
export type PixelRing = Position[];

/** Signed area with the usual formula; in pixel space (y down) a ring that looks clockwise is positive. */
export function ringArea(ring: PixelRing): number {
  let s = 0;
  for (let i = 0; i < ring.length - 1; i++) s += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return s / 2;
}

/**
 * A polygon's rings in pixel space, oriented so that coverage accumulation counts exteriors as +1 and holes
 * as -1 whatever orientation the input had: exteriors negative signed area (counter-clockwise on screen), holes positive.
 */
export function pixelRings(geometry: Polygon | MultiPolygon, gt: GeoTransform): PixelRing[][] {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  return polygons.map((rings) =>
    rings.map((ring, i) => {
      const px = ring.map(([x, y]) => worldToPixel(gt, x, y));
      const area = ringArea(px);
      const wantNegative = i === 0;
      return (area < 0) === wantNegative ? px : px.reverse();
    }),
  );
}

/** The pixel window holding a set of rings, clipped to the raster; null when they miss it. */
export function ringsWindow(polygons: PixelRing[][], width: number, height: number): PixelWindow | null {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const rings of polygons) {
    for (const [x, y] of rings[0]) {
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  const col = Math.max(0, Math.floor(minX));
  const row = Math.max(0, Math.floor(minY));
  const col1 = Math.min(width, Math.ceil(maxX));
  const row1 = Math.min(height, Math.ceil(maxY));
  if (col1 <= col || row1 <= row) return null;
  return { col, row, width: col1 - col, height: row1 - row };
}
