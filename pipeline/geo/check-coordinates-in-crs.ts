import type { MultiPolygon, Polygon } from 'geojson';
import { SatError } from '../core/errors.js';
import { epsgIndexEntry, makeTransform, WGS84, type Crs } from './crs.js';

/** The EPSG area of use as [west, south, east, north] in degrees, when epsg-index has one. */
function areaOfUse(code: number): { bounds: [number, number, number, number]; name: string } | null {
  const entry = epsgIndexEntry(code);
  if (!entry?.bbox || entry.bbox.length !== 4) return null;
  const [north, west, south, east] = entry.bbox;
  return { bounds: [west, south, east, north], name: `${entry.name ?? `EPSG:${code}`}${entry.area ? `, ${entry.area.replace(/\.$/, '')}` : ''}` };
}

function bboxOf(geometry: Polygon | MultiPolygon): [number, number, number, number] {
  const b: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  const rings = geometry.type === 'Polygon' ? geometry.coordinates : geometry.coordinates.flat();
  for (const ring of rings) {
    for (const [x, y] of ring) {
      if (x < b[0]) b[0] = x;
      if (y < b[1]) b[1] = y;
      if (x > b[2]) b[2] = x;
      if (y > b[3]) b[3] = y;
    }
  }
  return b;
}

const fmt = (v: number) => (Math.abs(v) >= 1000 ? v.toFixed(0) : v.toFixed(4));

/**
 * Refuses regions whose coordinates cannot be in the CRS they are read in: longitudes/latitudes out of range for a
 * geographic CRS, or, for a CRS with an EPSG area of use, places that lie outside it by more than half its size (at
 * least 1°), or all within ±180/±90 in a projected CRS. Those are the signatures of lon/lat given as a projected CRS
 * (`--regions-crs EPSG:3794` on WGS 84 regions) or metres read as degrees, which otherwise reproject somewhere
 * plausible-looking and silently give zero counts.
 */
export function checkCoordinatesInCrs(regions: { id: string | number; geometry: Polygon | MultiPolygon }[], crs: Crs, source: string): void {
  const geographic = /\+proj=longlat\b/.test(crs.proj4);
  const area = crs.epsg !== null ? areaOfUse(crs.epsg) : null;
  const crsName = crs.epsg !== null ? `EPSG:${crs.epsg}` : 'the regions\' CRS';
  const toLonLat = geographic ? null : makeTransform(crs, WGS84);
  for (const region of regions) {
    const [x0, y0, x1, y1] = bboxOf(region.geometry);
    const where = `${source}: region ${region.id} (x ${fmt(x0)}..${fmt(x1)}, y ${fmt(y0)}..${fmt(y1)})`;
    if (geographic && (x0 < -540 || x1 > 540 || y0 < -90 || y1 > 90)) {
      throw new SatError('E_INPUT', `${where} cannot be longitude/latitude in ${crsName}: are the coordinates projected (metres)? Name their CRS (crs member, --regions-crs)`);
    }
    // Degrees read as metres: a region spanning a few metres next to the projection's false origin.
    if (!geographic && x0 >= -180 && x1 <= 180 && y0 >= -90 && y1 <= 90) {
      throw new SatError('E_INPUT', `${where} look like longitude/latitude, not coordinates of the projected ${crsName} (a region of ${fmt(x1 - x0)} x ${fmt(y1 - y0)} m at its origin). Name their CRS (crs member, --regions-crs)`);
    }
    if (!area) continue;
    const corners = geographic ? [[x0, y0], [x1, y1], [x0, y1], [x1, y0]] : [[x0, y0], [x1, y1], [x0, y1], [x1, y0]].map((p) => toLonLat!(p as [number, number]));
    const [w, s, e, n] = area.bounds;
    const lonMargin = Math.max(1, ((e - w + 360) % 360 || 360) / 2);
    const latMargin = Math.max(1, (n - s) / 2);
    const inside = (lon: number, lat: number) => {
      if (!Number.isFinite(lon) || !Number.isFinite(lat)) return false;
      const crossesDateline = w > e;
      const lonOk = crossesDateline ? lon >= w - lonMargin || lon <= e + lonMargin : lon >= w - lonMargin && lon <= e + lonMargin;
      return lonOk && lat >= s - latMargin && lat <= n + latMargin;
    };
    if (!corners.some(([lon, lat]) => inside(lon, lat))) {
      const [lon, lat] = corners[0];
      const at = Number.isFinite(lon) && Number.isFinite(lat) ? `they would lie at ${lon.toFixed(2)}°, ${lat.toFixed(2)}°` : 'they do not transform to any place on Earth';
      throw new SatError('E_INPUT', `${where} cannot be in ${crsName} (${area.name}: ${w}..${e} °E, ${s}..${n} °N): ${at}. Are they in another CRS (longitude/latitude)? Name it (crs member, --regions-crs)`);
    }
  }
}
