import { worldToPixel } from '../geo/geotransform.js';
import type { RasterReader } from '../raster/open-raster.js';
import type { GeoTransform, PixelWindow } from '../raster/types.js';

/**
 * The 2 x 2 cells whose centres surround a point, and where the point lies in the unit square they form
 * (x to the right, y upward, origin at the lower-left centre): the support of bilinear interpolation.
 */
export function bilinearWindow(gt: GeoTransform, x: number, y: number): { window: PixelWindow; unitX: number; unitY: number } {
  const [fc, fr] = worldToPixel(gt, x, y);
  const col = Math.floor(fc - 0.5);
  const row = Math.floor(fr - 0.5);
  return { window: { col, row, width: 2, height: 2 }, unitX: fc - 0.5 - col, unitY: 1 - (fr - 0.5 - row) };
}

/** Bilinear interpolation in a unit square given its corners as rows top to bottom: [[upper-left, upper-right], [lower-left, lower-right]]. */
export function bilinear([[ul, ur], [ll, lr]]: number[][], x: number, y: number): number {
  return ll * (1 - x) * (1 - y) + lr * x * (1 - y) + ul * (1 - x) * y + ur * x * y;
}

/**
 * Raster values at points (in the raster's CRS): the value of the cell the point falls in ('nearest'), or
 * interpolated between the four surrounding cell centres ('bilinear'), falling back to the nearest cell when any
 * of them is nodata. null when the point is off the raster or its value is nodata (rasterstats' point_query).
 */
export async function pointQuery(
  raster: RasterReader,
  points: [number, number][],
  options: { interpolate: 'nearest' | 'bilinear'; band?: number },
): Promise<(number | null)[]> {
  const { info } = raster;
  const gt = info.geotransform!;
  const band = options.band ?? 1;
  const isData = (v: number) => v === v && v !== info.nodata;
  const inside = (c: number, r: number) => c >= 0 && r >= 0 && c < info.width && r < info.height;
  const out: (number | null)[] = [];
  for (const [x, y] of points) {
    const [fc, fr] = worldToPixel(gt, x, y);
    const c = Math.floor(fc);
    const r = Math.floor(fr);
    const nearest = inside(c, r) ? (await raster.read({ col: c, row: r, width: 1, height: 1 }, { bands: [band] })).bands[0][0] : NaN;
    if (options.interpolate === 'bilinear') {
      const { window, unitX, unitY } = bilinearWindow(gt, x, y);
      const all = [0, 1].every((dr) => [0, 1].every((dc) => inside(window.col + dc, window.row + dr)));
      if (all) {
        const v = (await raster.read(window, { bands: [band] })).bands[0];
        if ([v[0], v[1], v[2], v[3]].every(isData)) {
          out.push(bilinear([[v[0], v[1]], [v[2], v[3]]], unitX, unitY));
          continue;
        }
      }
    }
    out.push(isData(nearest) ? nearest : null);
  }
  return out;
}
