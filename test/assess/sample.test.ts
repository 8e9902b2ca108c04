/** Stratified random sampling from a class map: allocation rules, exact stratum sizes, reproducibility. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocateSample } from '../../pipeline/assess/allocate-sample.js';
import { drawStratifiedSample } from '../../pipeline/assess/draw-sample.js';
import { referenceOffset } from '../../pipeline/assess/sample-files.js';
import { openRaster, type RasterReader } from '../../pipeline/raster/open-raster.js';
import type { RasterInfo } from '../../pipeline/raster/types.js';
import { generateScene } from '../../pipeline/synth/generate-scene.js';
import { writeGeoTiff } from '../../pipeline/raster/write-geotiff.js';

describe('sample allocation', () => {
  it('rare strata get the floor, the rest is proportional, the sizes add up exactly', () => {
    const sizes = allocateSample([200_000, 150_000, 3_200_000, 6_450_000], 640, 75);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(640);
    expect(sizes.slice(0, 2)).toEqual([75, 75]);
    // The remaining 490 in proportion to 3.2 M : 6.45 M.
    expect(sizes[2]).toBe(Math.round((490 * 3_200_000) / 9_650_000));
    expect(sizes[3]).toBe(490 - sizes[2]);
  });

  it('a stratum smaller than the floor is taken whole; empty strata get nothing; impossible requests are refused', () => {
    expect(allocateSample([10, 0, 1000], 100, 50)).toEqual([10, 0, 90]);
    expect(() => allocateSample([100, 100, 100], 120, 50)).toThrow(/needs 150 units, more than the sample of 120/);
    expect(() => allocateSample([5, 5], 20, 1)).toThrow(/larger than the 10 units/);
  });
});

describe('drawing a stratified sample from a class map', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'sat-sample-'));
  let truth: RasterReader;
  beforeAll(async () => {
    await generateScene(path.join(tmp, 'scene'), { width: 400, height: 300, seed: 5, cloudCover: 0 });
    truth = await openRaster(path.join(tmp, 'scene', 'truth.tif'));
  });
  afterAll(async () => {
    await truth.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('takes exactly the allocated number of distinct pixels from each class, each pixel of the class it is said to be', async () => {
    const sample = await drawStratifiedSample(truth, { total: 300, minPerStratum: 40, seed: 11 });
    const map = (await truth.read()).bands[0];
    for (const s of sample.strata) {
      const points = sample.points.filter((p) => p.stratum === s.stratum);
      expect(points.length).toBe(s.sampleSize);
      expect(s.sampleSize).toBeGreaterThanOrEqual(40);
      expect(s.pixels).toBe(map.filter((v) => v === s.stratum).length);
    }
    expect(new Set(sample.points.map((p) => `${p.col},${p.row}`)).size).toBe(300);
    for (const p of sample.points) expect(map[p.row * 400 + p.col]).toBe(p.stratum);
    const [x0, , , y0] = truth.info.geotransform!;
    expect(sample.points[0].x).toBe(x0 + (sample.points[0].col + 0.5) * 10);
    expect(sample.points[0].y).toBe(y0 - (sample.points[0].row + 0.5) * 10);
    expect(sample.points[0].lon).toBeGreaterThan(13);
  });

  it('same seed, same sample; another seed, another sample', async () => {
    const a = await drawStratifiedSample(truth, { total: 120, minPerStratum: 10, seed: 1 });
    const b = await drawStratifiedSample(truth, { total: 120, minPerStratum: 10, seed: 1 });
    const c = await drawStratifiedSample(truth, { total: 120, minPerStratum: 10, seed: 2 });
    expect(b).toEqual(a);
    expect(c.points).not.toEqual(a.points);
  });
});

describe('a reference raster on the map’s lattice', () => {
  const info = (geotransform: [number, number, number, number, number, number] | null, epsg: number | null = 32633, size = 100) =>
    ({ source: 'truth.tif', width: size, height: size, epsg, geotransform }) as RasterInfo;
  const map = info([450_250, 10, 0, 5_099_750, 0, -10], 32633, 50);

  it('is read at the same place: a larger truth raster by the offset of the map in it', () => {
    expect(referenceOffset(map, info([450_000, 10, 0, 5_100_000, 0, -10]))).toEqual({ col: 25, row: 25 });
    expect(referenceOffset(map, info([450_250, 10, 0, 5_099_750, 0, -10], 32633, 50))).toEqual({ col: 0, row: 0 });
    expect(referenceOffset(info(null, null, 50), info(null, null, 50))).toEqual({ col: 0, row: 0 });
  });

  it('another grid is refused, naming the difference, rather than read by pixel numbers', () => {
    expect(() => referenceOffset(map, info([450_005, 10, 0, 5_100_000, 0, -10]))).toThrow("reference raster truth.tif is not on the map's grid: the map's origin falls at column 24.500, row 25.000 of it, not on a pixel edge");
    expect(() => referenceOffset(map, info([450_000, 20, 0, 5_100_000, 0, -20]))).toThrow("its pixels are 20 x 20, the map's 10 x 10");
    expect(() => referenceOffset(map, info([450_000, 10, 0, 5_100_000, 0, -10], 3035))).toThrow('it is in EPSG:3035, the map in EPSG:32633');
    expect(() => referenceOffset(info(null, null, 50), info(null, null, 60))).toThrow('it is 60 x 60, the map 50 x 50, and one of them has no georeferencing');
  });

  it('a map whose values are not class ids (0 to 255) is refused, naming the value and the pixel', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sat-sample-float-'));
    const file = path.join(dir, 'float-map.tif');
    const values = Float32Array.from({ length: 40 * 30 }, (_, i) => (i === 45 ? 2.5 : i % 3));
    await writeGeoTiff(file, { window: { col: 0, row: 0, width: 40, height: 30 }, dtype: 'float32', bands: [values] }, { geotransform: [500000, 10, 0, 4000000, 0, -10], epsg: 32633 });
    const map = await openRaster(file);
    try {
      await expect(drawStratifiedSample(map, { total: 30, minPerStratum: 5, seed: 1 })).rejects.toThrow(/value 2\.5 at pixel \(5, 1\) is not a class id/);
    } finally {
      await map.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
