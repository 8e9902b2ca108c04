/** Stratified random sampling from a class map: allocation rules, exact stratum sizes, reproducibility. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocateSample } from '../../pipeline/assess/allocate-sample.js';
import { drawStratifiedSample } from '../../pipeline/assess/draw-sample.js';
import { openRaster, type RasterReader } from '../../pipeline/raster/open-raster.js';
import { generateScene } from '../../pipeline/synth/generate-scene.js';

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
