import type { Geometry, Position } from 'geojson';
import { makeTransform, type Crs } from './crs.js';

/** Default longest edge before transforming: ~100 m, so straight edges stay where they were. */
function defaultMaxSegment(crs: Crs): number {
  return crs.proj4.includes('+proj=longlat') ? 0.001 : 100;
}

/** Inserts points along every segment longer than `maxSegment` (in the source CRS units). */
function densify(line: Position[], maxSegment: number): Position[] {
  const out: Position[] = [];
  for (let i = 0; i < line.length - 1; i++) {
    const [x0, y0] = line[i];
    const [x1, y1] = line[i + 1];
    const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) / maxSegment));
    for (let s = 0; s < steps; s++) out.push([x0 + ((x1 - x0) * s) / steps, y0 + ((y1 - y0) * s) / steps]);
  }
  out.push(line[line.length - 1]);
  return out;
}

/**
 * A geometry in another CRS. Edges are densified in the source CRS first (maxSegmentLength, source units;
 * 0 = no densification), because a straight edge in one projection is a curve in another.
 */
export function reprojectGeometry(geometry: Geometry, from: Crs, to: Crs, options: { maxSegmentLength?: number } = {}): Geometry {
  const transform = makeTransform(from, to);
  const max = options.maxSegmentLength ?? defaultMaxSegment(from);
  const point = (p: Position): Position => transform([p[0], p[1]]);
  const line = (l: Position[]) => (max > 0 ? densify(l, max) : l).map(point);
  switch (geometry.type) {
    case 'Point':
      return { type: 'Point', coordinates: point(geometry.coordinates) };
    case 'MultiPoint':
      return { type: 'MultiPoint', coordinates: geometry.coordinates.map(point) };
    case 'LineString':
      return { type: 'LineString', coordinates: line(geometry.coordinates) };
    case 'MultiLineString':
      return { type: 'MultiLineString', coordinates: geometry.coordinates.map(line) };
    case 'Polygon':
      return { type: 'Polygon', coordinates: geometry.coordinates.map(line) };
    case 'MultiPolygon':
      return { type: 'MultiPolygon', coordinates: geometry.coordinates.map((p) => p.map(line)) };
    case 'GeometryCollection':
      return { type: 'GeometryCollection', geometries: geometry.geometries.map((g) => reprojectGeometry(g, from, to, options)) };
  }
}

/** Applies a coordinate function to every position (e.g. world → pixel). */
export function mapPositions<G extends Geometry>(geometry: G, fn: (p: Position) => Position): G {
  const walk = (c: unknown): unknown => (typeof (c as unknown[])[0] === 'number' ? fn(c as Position) : (c as unknown[]).map(walk));
  if (geometry.type === 'GeometryCollection') return { ...geometry, geometries: geometry.geometries.map((g) => mapPositions(g, fn)) };
  return { ...geometry, coordinates: walk((geometry as Exclude<Geometry, { type: 'GeometryCollection' }>).coordinates) } as G;
}
