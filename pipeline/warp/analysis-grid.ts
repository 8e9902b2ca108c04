import type { MultiPolygon, Polygon } from 'geojson';
import { SatError } from '../core/errors.js';
import { WGS84, type Crs } from '../geo/crs.js';
import { reprojectGeometry } from '../geo/reproject-geometry.js';
import type { GeoTransform } from '../raster/types.js';
import { utmCrsFor } from './utm-zone.js';

/** A north-up grid of square cells: where composites, masks and class maps of a job live. */
export interface AnalysisGrid {
  crs: Crs;
  resolution: number;
  geotransform: GeoTransform;
  width: number;
  height: number;
}

/** Centroid of a polygon's outer rings' vertices: enough to pick a UTM zone. */
function roughCentre(area: Polygon | MultiPolygon): [number, number] {
  const rings = area.type === 'Polygon' ? [area.coordinates[0]] : area.coordinates.map((p) => p[0]);
  let x = 0;
  let y = 0;
  let n = 0;
  for (const ring of rings) {
    for (const [px, py] of ring.slice(0, -1)) {
      x += px;
      y += py;
      n++;
    }
  }
  return [x / n, y / n];
}

/**
 * The analysis grid of an area (lon/lat): in `crs` (default: the UTM zone of the area's centre), cells of
 * `resolution` CRS units, with edges on multiples of the resolution from `origin` (default (0, 0)). Snapping to a
 * fixed origin is what makes recurring runs over the same area produce the same cells, so their results line up
 * and cached region coverage stays valid. The grid covers the area's extent in that CRS, edges densified.
 */
export function analysisGrid(input: { area: Polygon | MultiPolygon; resolution: number; crs?: Crs; origin?: [number, number]; maxCells?: number }): AnalysisGrid {
  const { resolution } = input;
  if (!(resolution > 0) || !Number.isFinite(resolution)) throw new SatError('E_INPUT', `the grid resolution must be a positive number (got ${resolution})`);
  const crs = input.crs ?? utmCrsFor(...roughCentre(input.area));
  const projected = reprojectGeometry(input.area, WGS84, crs, { maxSegmentLength: 0.01 }) as Polygon | MultiPolygon;
  const points = (projected.type === 'Polygon' ? projected.coordinates : projected.coordinates.flat()).flat();
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  if (!xs.concat(ys).every(Number.isFinite)) throw new SatError('E_INPUT', `the area cannot be projected into ${crs.epsg ? `EPSG:${crs.epsg}` : 'the grid CRS'}`);
  const [ox, oy] = input.origin ?? [0, 0];
  // Edges on the origin's lattice; a tiny tolerance so an edge already on it is not pushed out by rounding.
  const snapDown = (v: number, o: number) => o + Math.floor((v - o) / resolution + 1e-9) * resolution;
  const snapUp = (v: number, o: number) => o + Math.ceil((v - o) / resolution - 1e-9) * resolution;
  const left = snapDown(Math.min(...xs), ox);
  const right = snapUp(Math.max(...xs), ox);
  const bottom = snapDown(Math.min(...ys), oy);
  const top = snapUp(Math.max(...ys), oy);
  const width = Math.max(1, Math.round((right - left) / resolution));
  const height = Math.max(1, Math.round((top - bottom) / resolution));
  const maxCells = input.maxCells ?? 2e9;
  if (width * height > maxCells) {
    throw new SatError('E_LIMIT', `the analysis grid would be ${width} x ${height} cells of ${resolution} (more than ${maxCells}): choose a coarser resolution or a smaller area`);
  }
  return { crs, resolution, geotransform: [left, resolution, 0, top, 0, -resolution], width, height };
}
