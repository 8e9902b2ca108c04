import type { Geometry, Position } from 'geojson';
import { worldToPixel } from '../geo/geotransform.js';
import type { GeoTransform, PixelWindow } from '../raster/types.js';

export type LinearGeometry = Extract<Geometry, { type: 'Point' | 'MultiPoint' | 'LineString' | 'MultiLineString' }>;

export function isLinearOrPoint(g: Geometry): g is LinearGeometry {
  return g.type === 'Point' || g.type === 'MultiPoint' || g.type === 'LineString' || g.type === 'MultiLineString';
}

/**
 * Cells of a point or line geometry, as GDAL rasterises them (what rasterstats counts): a point takes the cell
 * it falls in; a line every cell of a Bresenham walk between the cells of its vertices. 1 for a cell taken, else 0.
 */
export function burnLinesAndPoints(geometry: LinearGeometry, gt: GeoTransform, window: PixelWindow): Float64Array {
  const out = new Float64Array(window.width * window.height);
  const burn = (c: number, r: number) => {
    const x = c - window.col;
    const y = r - window.row;
    if (x >= 0 && x < window.width && y >= 0 && y < window.height) out[y * window.width + x] = 1;
  };
  const px = (p: Position) => worldToPixel(gt, p[0], p[1]);
  const point = (p: Position) => {
    const [x, y] = px(p);
    burn(Math.floor(x), Math.floor(y));
  };
  const line = (coords: Position[]) => {
    for (let j = 1; j < coords.length; j++) bresenham(px(coords[j - 1]), px(coords[j]), burn);
  };
  switch (geometry.type) {
    case 'Point':
      point(geometry.coordinates);
      break;
    case 'MultiPoint':
      geometry.coordinates.forEach(point);
      break;
    case 'LineString':
      line(geometry.coordinates);
      break;
    case 'MultiLineString':
      geometry.coordinates.forEach(line);
      break;
  }
  return out;
}

/**
 * GDAL's line rasteriser (GDALdllImageLine): integer Bresenham between the floored end cells, stepping the
 * minor axis when the error reaches zero (the tie rule GDAL 3.6 burns, checked cell for cell with gdal_rasterize).
 */
function bresenham([x0, y0]: number[], [x1, y1]: number[], burn: (c: number, r: number) => void): void {
  const [c0, r0, c1, r1] = [Math.floor(x0), Math.floor(y0), Math.floor(x1), Math.floor(y1)];
  // Walk along the longer axis one cell at a time; the error term decides when to step the other.
  const xMajor = Math.abs(c1 - c0) >= Math.abs(r1 - r0);
  let [major, minor] = xMajor ? [c0, r0] : [r0, c0];
  const [majorEnd, minorEnd] = xMajor ? [c1, r1] : [r1, c1];
  const dMajor = Math.abs(majorEnd - major);
  const dMinor = Math.abs(minorEnd - minor);
  const stepMajor = major > majorEnd ? -1 : 1;
  const stepMinor = minor > minorEnd ? -1 : 1;
  const minorError = dMinor << 1;
  const majorError = minorError - (dMajor << 1);
  let error = minorError - dMajor;
  for (let n = dMajor; n >= 0; n--) {
    if (xMajor) burn(major, minor);
    else burn(minor, major);
    major += stepMajor;
    if (error >= 0) {
      minor += stepMinor;
      error += majorError;
    } else {
      error += minorError;
    }
  }
}

/** The pixel window holding a point or line geometry, clipped to the raster; null when outside. */
export function linearWindow(geometry: LinearGeometry, gt: GeoTransform, width: number, height: number): PixelWindow | null {
  const coords: Position[] =
    geometry.type === 'Point' ? [geometry.coordinates] : geometry.type === 'MultiLineString' ? geometry.coordinates.flat() : geometry.coordinates;
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const p of coords) {
    const [x, y] = worldToPixel(gt, p[0], p[1]);
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  const col = Math.max(0, Math.floor(minX));
  const row = Math.max(0, Math.floor(minY));
  const col1 = Math.min(width, Math.floor(maxX) + 1);
  const row1 = Math.min(height, Math.floor(maxY) + 1);
  return col1 > col && row1 > row ? { col, row, width: col1 - col, height: row1 - row } : null;
}
