/** Our GeoTIFF writer, checked by GDAL (gdalinfo, gdal_translate) and by geotiff.js as a second, independent reader. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fromFile } from 'geotiff';
import { afterAll, describe, expect, it } from 'vitest';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { allocPixels, type DType, type GeoTransform, type PixelArray } from '../../pipeline/raster/types.js';
import { createGeoTiffWriter, writeGeoTiff } from '../../pipeline/raster/write-geotiff.js';
import { gdalinfoJson, hasGdal } from '../helpers/gdal.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'sat-write-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** Seeded pixels with smooth structure plus noise, nodata sprinkled in when given. */
function image(dtype: DType, width: number, height: number, bands: number, nodata: number | null, seed = 1): PixelArray[] {
  const rand = lcg(seed);
  const range = { uint8: 250, uint16: 60000, int16: 30000, uint32: 4e9, int32: 2e9, float32: 1, float64: 1, int8: 120 }[dtype];
  return Array.from({ length: bands }, (_, b) => {
    const a = allocPixels(dtype, width * height);
    for (let i = 0; i < a.length; i++) {
      const x = i % width;
      const y = Math.floor(i / width);
      const v = ((Math.sin(x / 17 + b) + Math.cos(y / 11)) / 4 + 0.5) * range * 0.9 + rand() * range * 0.05 + 1;
      a[i] = dtype.startsWith('float') ? v * 0.5 - 0.2 : Math.floor(v);
      if (nodata !== null && rand() < 0.02) a[i] = nodata;
    }
    return a;
  });
}

/** Band-sequential raw bytes as GDAL decodes them. */
function gdalRaw(file: string, extra: string[] = []): Buffer {
  const out = path.join(tmp, `raw-${Math.random().toString(36).slice(2)}.bin`);
  execFileSync('gdal_translate', ['-q', '-of', 'ENVI', '-co', 'INTERLEAVE=BSQ', ...extra, file, out]);
  return readFileSync(out);
}

const bytesOf = (bands: PixelArray[]) => Buffer.concat(bands.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)));
const gt: GeoTransform = [450000, 10, 0, 5100000, 0, -10];

describe.runIf(hasGdal)('GeoTIFF writer, read back by GDAL', () => {
  const cases: Array<{ dtype: DType; nodata: number | null; compression: 'deflate' | 'none' }> = [
    { dtype: 'uint8', nodata: 0, compression: 'deflate' },
    { dtype: 'uint8', nodata: null, compression: 'none' },
    { dtype: 'uint16', nodata: 0, compression: 'deflate' },
    { dtype: 'int16', nodata: -9999, compression: 'deflate' },
    { dtype: 'uint32', nodata: null, compression: 'deflate' },
    { dtype: 'float32', nodata: NaN, compression: 'deflate' },
    { dtype: 'float32', nodata: -3.4e38, compression: 'none' },
    { dtype: 'float64', nodata: null, compression: 'deflate' },
  ];
  for (const { dtype, nodata, compression } of cases) {
    it(`${dtype}, nodata ${nodata}, ${compression}, 300 x 200 in 64-pixel tiles (partial edge tiles)`, async () => {
      const file = path.join(tmp, `${dtype}-${compression}-${nodata}.tif`);
      const bands = image(dtype, 300, 200, 3, nodata === null || Number.isNaN(nodata) ? null : nodata);
      await writeGeoTiff(file, { window: { col: 0, row: 0, width: 300, height: 200 }, dtype, bands }, {
        geotransform: gt,
        epsg: 32633,
        nodata,
        tileSize: 64,
        compression,
        bandDescriptions: ['blue', 'green', 'red'],
      });
      const info = gdalinfoJson(file);
      expect(info.size).toEqual([300, 200]);
      expect(info.bands).toHaveLength(3);
      expect(info.bands[0].type.toLowerCase()).toBe(dtype === 'uint8' ? 'byte' : dtype);
      expect(info.bands[0].block).toEqual([64, 64]);
      expect(info.bands.map((b: { description: string }) => b.description)).toEqual(['blue', 'green', 'red']);
      expect(info.geoTransform).toEqual(gt);
      expect(info.coordinateSystem.wkt).toMatch(/ID\["EPSG",32633\]\]$/);
      expect(info.metadata['IMAGE_STRUCTURE'].COMPRESSION).toBe(compression === 'deflate' ? 'DEFLATE' : undefined);
      const nd = info.bands[0].noDataValue;
      if (nodata === null) expect(nd).toBeUndefined();
      else if (Number.isNaN(nodata)) expect(nd).toBe('NaN');
      else expect(nd).toBeCloseTo(nodata, 0);
      expect(gdalRaw(file).equals(bytesOf(bands))).toBe(true);
      const check = spawnSync('gdalinfo', ['-checksum', file], { encoding: 'utf8' });
      expect(check.stderr).toBe('');
    });
  }

  it('a rotated geotransform is written as a ModelTransformation GDAL reads back', async () => {
    const rotated: GeoTransform = [100, 17.320508075688775, 5, 200, 10, -8.660254037844387];
    const file = path.join(tmp, 'rotated.tif');
    await writeGeoTiff(file, { window: { col: 0, row: 0, width: 40, height: 30 }, dtype: 'uint8', bands: image('uint8', 40, 30, 1, null) }, { geotransform: rotated, tileSize: 16 });
    expect(gdalinfoJson(file).geoTransform).toEqual(rotated);
  });

  it('geographic EPSG:4326 goes in GeographicTypeGeoKey', async () => {
    const file = path.join(tmp, 'geographic.tif');
    await writeGeoTiff(file, { window: { col: 0, row: 0, width: 32, height: 32 }, dtype: 'uint8', bands: image('uint8', 32, 32, 1, null) }, {
      geotransform: [14, 0.001, 0, 46, 0, -0.001],
      epsg: 4326,
      tileSize: 16,
    });
    expect(gdalinfoJson(file).coordinateSystem.wkt).toMatch(/^GEOGCRS\["WGS 84"[\s\S]*ID\["EPSG",4326\]\]$/);
  });

  it('overviews: sizes as GDAL reports them and nodata-aware averages equal an independent computation', async () => {
    const file = path.join(tmp, 'overviews.tif');
    const W = 300;
    const H = 200;
    const bands = image('uint16', W, H, 2, 0);
    await writeGeoTiff(file, { window: { col: 0, row: 0, width: W, height: H }, dtype: 'uint16', bands }, {
      geotransform: gt,
      epsg: 32633,
      nodata: 0,
      tileSize: 64,
      overviews: [2, 4],
    });
    const info = gdalinfoJson(file);
    expect(info.bands[0].overviews.map((o: { size: number[] }) => o.size)).toEqual([
      [150, 100],
      [75, 50],
    ]);
    // Level 1 (factor 2): mean of the valid pixels of each 2x2 block, rounded half up; 0 (nodata) when none is valid.
    const expected = bands.map((band) => {
      const out = new Uint16Array(150 * 100);
      for (let y = 0; y < 100; y++) {
        for (let x = 0; x < 150; x++) {
          const v = [band[2 * y * W + 2 * x], band[2 * y * W + 2 * x + 1], band[(2 * y + 1) * W + 2 * x], band[(2 * y + 1) * W + 2 * x + 1]].filter((p) => p !== 0);
          out[y * 150 + x] = v.length ? Math.floor(v.reduce((a, b) => a + b, 0) / v.length + 0.5) : 0;
        }
      }
      return out;
    });
    expect(gdalRaw(file, ['-ovr', '0']).equals(bytesOf(expected))).toBe(true);
  });

  it('mode overviews (class maps): the most frequent valid value of each block, ties to the smallest, as an independent count gives', async () => {
    const file = path.join(tmp, 'mode-overviews.tif');
    const W = 300;
    const H = 200;
    // Few classes in small patches, so 2x2 blocks hold ties and 16x16 blocks hold many values; 255 = nodata.
    const rand = lcg(7);
    const classes = Uint8Array.from({ length: W * H }, (_, i) => (rand() < 0.05 ? 255 : (Math.floor((i % W) / 3) + Math.floor(i / W / 5) + (rand() < 0.3 ? 1 : 0)) % 4));
    // [2, 16]: level 2 from the full image (4 values a block: counted by comparison), level 16 from level 2 with
    // ratio 8 (64 values a block: the sorted path).
    await writeGeoTiff(file, { window: { col: 0, row: 0, width: W, height: H }, dtype: 'uint8', bands: [classes] }, { geotransform: gt, epsg: 32633, nodata: 255, tileSize: 64, overviews: [2, 16], overviewResampling: 'mode' });
    const mode = (values: number[]) => {
      const counts = new Map<number, number>();
      for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
      return [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? 255;
    };
    const reduce = (src: Uint8Array, w: number, h: number, f: number) => {
      const ow = Math.ceil(w / f);
      const oh = Math.ceil(h / f);
      const out = new Uint8Array(ow * oh);
      for (let y = 0; y < oh; y++) {
        for (let x = 0; x < ow; x++) {
          const v: number[] = [];
          for (let yy = y * f; yy < Math.min(h, y * f + f); yy++) for (let xx = x * f; xx < Math.min(w, x * f + f); xx++) if (src[yy * w + xx] !== 255) v.push(src[yy * w + xx]);
          out[y * ow + x] = mode(v);
        }
      }
      return out;
    };
    const level2 = reduce(classes, W, H, 2);
    expect(gdalRaw(file, ['-ovr', '0']).equals(Buffer.from(level2))).toBe(true);
    expect(gdalRaw(file, ['-ovr', '1']).equals(Buffer.from(reduce(level2, 150, 100, 8)))).toBe(true);
  });

  it('a 4096 x 4096 file streamed in shuffled tile order is identical for GDAL, geotiff.js and our reader', async () => {
    const file = path.join(tmp, 'streamed.tif');
    const size = 4096;
    const ts = 256;
    const writer = await createGeoTiffWriter(file, { width: size, height: size, bands: 2, dtype: 'uint16', geotransform: gt, epsg: 32633, tileSize: ts });
    const tileData = (tx: number, ty: number) =>
      [0, 1].map((b) => {
        const t = new Uint16Array(ts * ts);
        for (let i = 0; i < t.length; i++) t[i] = ((tx * ts + (i % ts)) * 3 + (ty * ts + Math.floor(i / ts)) * 5 + b * 1000) % 65536;
        return t;
      });
    const order = Array.from({ length: 256 }, (_, i) => i);
    const rand = lcg(7);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const k of order) await writer.writeTile(k % 16, Math.floor(k / 16), tileData(k % 16, Math.floor(k / 16)));
    await writer.close();
    const win = { col: 1000, row: 2000, width: 600, height: 300 };
    const ours = await openRaster(file);
    const got = await ours.read(win);
    await ours.close();
    const img = await (await fromFile(file)).getImage();
    const js = (await img.readRasters({ window: [win.col, win.row, win.col + win.width, win.row + win.height] })) as unknown as Uint16Array[];
    const gdal = gdalRaw(file, ['-srcwin', String(win.col), String(win.row), String(win.width), String(win.height)]);
    expect(bytesOf(got.bands).equals(gdal)).toBe(true);
    expect(bytesOf([js[0], js[1]]).equals(gdal)).toBe(true);
    expect(got.bands[1][0]).toBe(((1000 * 3 + 2000 * 5 + 1000) % 65536));
  });

  it('same input, same bytes (no timestamps)', async () => {
    const bands = image('uint16', 100, 100, 1, null);
    const a = path.join(tmp, 'det-a.tif');
    const b = path.join(tmp, 'det-b.tif');
    for (const f of [a, b]) await writeGeoTiff(f, { window: { col: 0, row: 0, width: 100, height: 100 }, dtype: 'uint16', bands }, { geotransform: gt, epsg: 32633, tileSize: 32, overviews: [2] });
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });
});

describe('GeoTIFF writer errors', () => {
  it('a missing tile fails close() naming it, and leaves no file at the target path', async () => {
    const file = path.join(tmp, 'missing-tile.tif');
    const writer = await createGeoTiffWriter(file, { width: 64, height: 32, bands: 1, dtype: 'uint8', geotransform: gt, tileSize: 32 });
    await writer.writeTile(0, 0, [new Uint8Array(32 * 32)]);
    await expect(writer.close()).rejects.toThrow(/1 tile\(s\) never written: \(1, 0\)/);
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(tmp).filter((f) => f.includes('missing-tile'))).toEqual([]);
  });

  it('abort() leaves an existing file untouched; bad tiles are refused with the reason', async () => {
    const file = path.join(tmp, 'keep.tif');
    writeFileSync(file, 'earlier result');
    const writer = await createGeoTiffWriter(file, { width: 40, height: 40, bands: 2, dtype: 'uint16', geotransform: gt, tileSize: 32 });
    await expect(writer.writeTile(0, 0, [new Uint16Array(32 * 32)])).rejects.toThrow(/tile \(0, 0\) has 1 band\(s\), expected 2/);
    await expect(writer.writeTile(1, 0, [new Uint16Array(100), new Uint16Array(100)])).rejects.toThrow(/band 1 has 100 pixels, expected 256/);
    await expect(writer.writeTile(2, 0, [new Uint16Array(1), new Uint16Array(1)])).rejects.toThrow(/outside the 2 x 2 tile grid/);
    await writer.writeTile(0, 0, [new Uint16Array(32 * 32), new Uint16Array(32 * 32)]);
    await expect(writer.writeTile(0, 0, [new Uint16Array(32 * 32), new Uint16Array(32 * 32)])).rejects.toThrow(/written twice/);
    await writer.abort();
    expect(readFileSync(file, 'utf8')).toBe('earlier result');
    await expect(createGeoTiffWriter(file, { width: 40, height: 40, bands: 1, dtype: 'uint16', geotransform: gt, tileSize: 30 })).rejects.toThrow(/multiple of 16/);
  });
});
