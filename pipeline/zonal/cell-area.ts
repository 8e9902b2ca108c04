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

const A = 6378137;
const F = 1 / 298.257223563;
const E2 = F * (2 - F);
const E = Math.sqrt(E2);
const B2 = A * A * (1 - E2);

/** Ellipsoidal area (m²) per radian of longitude between the equator and latitude phi (radians), WGS84. */
function zoneArea(phi: number): number {
  const s = Math.sin(phi);
  return (B2 / 2) * (s / (1 - E2 * s * s) + (1 / (2 * E)) * Math.log((1 + E * s) / (1 - E * s)));
}

/** Exact ellipsoidal area of a longitude/latitude cell (degrees). */
export function lonLatCellArea(lat0: number, lat1: number, dLon: number): number {
  const rad = Math.PI / 180;
  return Math.abs(zoneArea(lat1 * rad) - zoneArea(lat0 * rad)) * Math.abs(dLon) * rad;
}

/**
 * True ground area of raster cells on the WGS84 ellipsoid, whatever the grid's CRS. North-up grids in
 * longitude/latitude: exact (the zone between two parallels). Other grids: the geodesic polygon through each
 * cell's four corners, computed on a lattice every `step` cells and interpolated, since it changes smoothly.
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
  const geographic = /\+proj=longlat/.test(crs.proj4) && /WGS84|\+ellps=WGS84/.test(crs.proj4) && gt[2] === 0 && gt[4] === 0;
  if (geographic) return (_col, row) => lonLatCellArea(gt[3] + row * gt[5], gt[3] + (row + 1) * gt[5], gt[1]);
  const step = options.step ?? 32;
  // Lattice points by a numeric key (no string built per look-up: this runs for every cell of every region).
  const lattice = new Map<number, number>();
  const at = (i: number, j: number) => {
    const key = i * 2 ** 26 + j;
    let a = lattice.get(key);
    if (a === undefined) lattice.set(key, (a = cellArea(i * step, j * step)));
    return a;
  };
  // Cells are asked for along rows: the lattice square of the last cell is kept, sparing four map look-ups a cell.
  let lastI = NaN;
  let lastJ = NaN;
  let a00 = 0;
  let a10 = 0;
  let a01 = 0;
  let a11 = 0;
  return (col, row) => {
    const i = Math.floor(col / step);
    const j = Math.floor(row / step);
    if (i !== lastI || j !== lastJ) {
      lastI = i;
      lastJ = j;
      a00 = at(i, j);
      a10 = at(i + 1, j);
      a01 = at(i, j + 1);
      a11 = at(i + 1, j + 1);
    }
    const tx = (col - i * step) / step;
    const ty = (row - j * step) / step;
    return (a00 * (1 - tx) + a10 * tx) * (1 - ty) + (a01 * (1 - tx) + a11 * tx) * ty;
  };
}
