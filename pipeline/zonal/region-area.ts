import type { MultiPolygon, Polygon, Position } from 'geojson';
import { makeTransform, WGS84, type Crs } from '../geo/crs.js';
import { geodesicRingArea } from './cell-area.js';
import { ringArea } from './pixel-rings.js';

function parts(geometry: Polygon | MultiPolygon): Position[][][] {
  return geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
}

/** True area (m²) of a region on the WGS84 ellipsoid: geodesic polygon areas, holes subtracted. */
export function geodesicArea(geometry: Polygon | MultiPolygon, crs: Crs = WGS84): number {
  const toLonLat = makeTransform(crs, WGS84);
  let total = 0;
  for (const rings of parts(geometry)) {
    rings.forEach((ring, i) => {
      const a = geodesicRingArea(ring.map((p) => toLonLat([p[0], p[1]])));
      total += i === 0 ? a : -a;
    });
  }
  return total;
}

/** Area in the plane of the geometry's own (projected) coordinates, holes subtracted: what national registers often publish. */
export function planarArea(geometry: Polygon | MultiPolygon): number {
  let total = 0;
  for (const rings of parts(geometry)) {
    rings.forEach((ring, i) => {
      total += (i === 0 ? 1 : -1) * Math.abs(ringArea(ring));
    });
  }
  return total;
}
