import { existsSync } from 'node:fs';
import type { GeoTransform } from '../pipeline/raster/types.js';
import { createGeoTiffWriter } from '../pipeline/raster/write-geotiff.js';

/**
 * A large uint16 raster for benchmarks, written once tile by tile: a smooth field plus texture, so it
 * compresses like real data and every cell has a value.
 */
export async function makeGridRaster(file: string, width: number, height: number, geotransform: GeoTransform, epsg: number): Promise<void> {
  if (existsSync(file)) return;
  const writer = await createGeoTiffWriter(file, { width, height, bands: 1, dtype: 'uint16', geotransform, epsg, tileSize: 512 });
  for (let ty = 0; ty < writer.tilesDown; ty++) {
    for (let tx = 0; tx < writer.tilesAcross; tx++) {
      const w = Math.min(512, width - tx * 512);
      const h = Math.min(512, height - ty * 512);
      const tile = new Uint16Array(w * h);
      for (let y = 0; y < h; y++) {
        const gy = ty * 512 + y;
        for (let x = 0; x < w; x++) {
          const gx = tx * 512 + x;
          tile[y * w + x] = 1000 + Math.round(500 * Math.sin(gx / 700) * Math.cos(gy / 900)) + ((gx * 7 + gy * 13) % 97);
        }
      }
      await writer.writeTile(tx, ty, [tile]);
    }
  }
  await writer.close();
}
