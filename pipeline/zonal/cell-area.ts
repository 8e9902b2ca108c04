import geographiclib from 'geographiclib-geodesic';
import { makeTransform, WGS84, type Crs } from '../geo/crs.js';
import { pixelToWorld } from '../geo/geotransform.js';
import type { GeoTransform } from '../raster/types.js';

const geodesic = geographiclib.Geodesic.WGS84;

/** Geodesic area (m²) on the WGS84 ellipsoid of a ring of [lon, lat] positions (first point repeated or not). */
export function geodesicRingArea(ring: [number, number][]): number {
  const polygon = geodesic.Polygon(false);
  const n = ring.length > 1 && ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1] ? ring.length - 1 : ring.length;
  for (let i = 0; i < n; i++) polygon.AddPoint(ring[i][1], ring[i][0]);
  return Math.abs(polygon.Compute(false, true).area ?? 0);
}

/**
 * True ground area of raster cells on the WGS84 ellipsoid, whatever the grid's CRS: each cell is the
 * geodesic polygon through its four corners. Exact per row for north-up geographic grids (all cells of a row are equal);
 * for projected grids computed on a lattice every `step` cells and interpolated, since the area changes smoothly.
 */
export function cellAreaFunction(gt: GeoTransform, crs: Crs, options: { step?: number } = {}): (col: number, row: number) => number {
  const toLonLat = makeTransform(crs, WGS84);
  const cellArea = (col: number, row: number) =>
    geodesicRingArea([
      toLonLat(pixelToWorld(gt, col, row)),
      toLonLat(pixelToWorld(gt, col + 1, row)),
      toLonLat(pixelToWorld(gt, col + 1, row + 1)),
      toLonLat(pixelToWorld(gt, col, row + 1)),
    ]);
  const geographic = crs.proj4.includes('+proj=longlat') && gt[2] === 0 && gt[4] === 0;
  if (geographic) {
    const rows = new Map<number, number>();
    return (_col, row) => {
      let a = rows.get(row);
      if (a === undefined) rows.set(row, (a = cellArea(0, row)));
      return a;
    };
  }
  const step = options.step ?? 32;
  const lattice = new Map<string, number>();
  const at = (i: number, j: number) => {
    const key = `${i},${j}`;
    let a = lattice.get(key);
    if (a === undefined) lattice.set(key, (a = cellArea(i * step, j * step)));
    return a;
  };
  return (col, row) => {
    const i = Math.floor(col / step);
    const j = Math.floor(row / step);
    const tx = (col - i * step) / step;
    const ty = (row - j * step) / step;
    return (at(i, j) * (1 - tx) + at(i + 1, j) * tx) * (1 - ty) + (at(i, j + 1) * (1 - tx) + at(i + 1, j + 1) * tx) * ty;
  };
}
