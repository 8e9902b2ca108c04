/** From a class map to error-adjusted areas: sample files (CSV, GeoJSON), labels from a reference raster, sat assess. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assessMap } from '../../pipeline/assess/assess-map.js';
import { drawStratifiedSample } from '../../pipeline/assess/draw-sample.js';
import { labelFromRaster, parseCsv, readLabelledSample, writeSample, type LabelledPoint } from '../../pipeline/assess/sample-files.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { writeGeoTiff } from '../../pipeline/raster/write-geotiff.js';
import { generateScene } from '../../pipeline/synth/generate-scene.js';
import { repoRoot } from '../helpers/shared-data.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'sat-assess-'));
const truthFile = path.join(tmp, 'scene', 'truth.tif');
const mapFile = path.join(tmp, 'map.tif');
const truthPixels = new Map<number, number>();
let mapPixels = new Map<number, number>();
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A map with known errors: the truth, with every cropland pixel in the left third called grassland. */
beforeAll(async () => {
  await generateScene(path.join(tmp, 'scene'), { width: 300, height: 240, seed: 41, cloudCover: 0 });
  const truth = await openRaster(truthFile);
  const data = await truth.read();
  const values = data.bands[0];
  for (const v of values) truthPixels.set(v, (truthPixels.get(v) ?? 0) + 1);
  const map = values.slice();
  for (let i = 0; i < map.length; i++) if (map[i] === 3 && i % 300 < 100) map[i] = 4;
  mapPixels = new Map();
  for (const v of map) mapPixels.set(v, (mapPixels.get(v) ?? 0) + 1);
  await writeGeoTiff(mapFile, { ...data, bands: [map] }, { geotransform: truth.info.geotransform!, epsg: truth.info.epsg, nodata: 255 });
  await truth.close();
});

async function labelledSample(size: number, seed: number, minPerStratum = 30): Promise<LabelledPoint[]> {
  const map = await openRaster(mapFile);
  const truth = await openRaster(truthFile);
  try {
    return await labelFromRaster(await drawStratifiedSample(map, { total: size, minPerStratum, seed }), truth, map.info);
  } finally {
    await Promise.all([map.close(), truth.close()]);
  }
}

describe('assessing a class map with a labelled sample', () => {
  it('moves the areas from the mapped toward the true ones, the truth inside the intervals', async () => {
    const map = await openRaster(mapFile);
    const result = await assessMap(map, await labelledSample(400, 2));
    await map.close();
    const haPerPixel = 0.01; // 10 m pixels (UTM scale factor aside: checked below within 0.1 %)
    const cropland = result.estimation.classes.find((c) => c.class === 3)!;
    const grassland = result.estimation.classes.find((c) => c.class === 4)!;
    expect(cropland.mappedArea / (mapPixels.get(3)! * haPerPixel)).toBeCloseTo(1, 2);
    for (const c of [cropland, grassland]) {
      const trueArea = (truthPixels.get(c.class as number)! * c.mappedArea) / mapPixels.get(c.class as number)!;
      expect(Math.abs(c.area.estimate - trueArea)).toBeLessThan(Math.abs(c.mappedArea - trueArea)); // the bias is corrected
      expect(Math.abs(c.area.estimate - trueArea)).toBeLessThan(3 * c.area.se!);
    }
    expect(grassland.usersAccuracy!.estimate).toBeLessThan(1); // the map's grassland holds cropland
    expect(cropland.producersAccuracy!.estimate).toBeLessThan(1);
    expect(result.estimation.classes.find((c) => c.class === 1)!.usersAccuracy!.estimate).toBe(1); // water untouched
    expect(result.sampleSize).toBe(400);
  });

  it('writes samples to label as CSV and GeoJSON and reads them back, labels filled in', async () => {
    const map = await openRaster(mapFile);
    const sample = await drawStratifiedSample(map, { total: 120, minPerStratum: 10, seed: 3 });
    await map.close();
    const labels = await labelledSample(120, 3, 10);
    for (const file of [path.join(tmp, 's.csv'), path.join(tmp, 's.geojson')]) {
      await writeSample(sample, file);
      expect(() => readLabelledSample(file)).toThrow(/point 1 has no reference \(every point needs a reference class\)/);
      await writeSample(sample, file, new Map(labels.map((p) => [p.id, p.reference])));
      expect(readLabelledSample(file)).toEqual(labels);
    }
    const geo = JSON.parse(readFileSync(path.join(tmp, 's.geojson'), 'utf8'));
    expect(geo.features[0].geometry.coordinates[0]).toBeCloseTo(sample.points[0].lon, 9);
  });

  it('parses RFC 4180 CSV (quotes, doubled quotes, CRLF)', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\r\n1,\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['1', ''],
    ]);
  });

  it('refuses samples that do not belong to the map, naming the point', async () => {
    const map = await openRaster(mapFile);
    const points = await labelledSample(100, 4, 10);
    try {
      await expect(assessMap(map, points.map((p, k) => (k === 5 ? { ...p, stratum: p.stratum === 1 ? 2 : 1 } : p)))).rejects.toThrow(
        new RegExp(`sample point ${points[5].id}: its stratum is \\d but the map has class ${points[5].stratum}`),
      );
      await expect(assessMap(map, [...points, { id: 999, stratum: 1, col: 300, row: 0, reference: 1 }])).rejects.toThrow(/sample point 999 \(col 300, row 0\) lies outside the map/);
      await expect(assessMap(map, points.filter((p) => p.stratum !== 5))).rejects.toThrow(/no point in mapped class\(es\) 5/);
    } finally {
      await map.close();
    }
  });

  it('sat sample and sat assess on the command line', () => {
    const sat = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'bin/sat.js'), ...args], { encoding: 'utf8' });
    const sampleFile = path.join(tmp, 'cli-sample.csv');
    const drawn = sat('sample', '--map', mapFile, '--size', '200', '--min-per-stratum', '20', '--seed', '5', '--reference', truthFile, '--out', sampleFile);
    expect(drawn.status).toBe(0);
    expect(drawn.stdout).toMatch(/200 points \(seed 5\), reference classes filled in/);
    const assessed = sat('assess', '--map', mapFile, '--sample', sampleFile, '--classes', 'synth');
    expect(assessed.status).toBe(0);
    expect(assessed.stdout).toMatch(/cropland +[\d.]+ +[\d.]+ +[\d.]+/);
    expect(assessed.stdout).toMatch(/overall accuracy [\d.]+ ± [\d.]+ %/);
    const json = JSON.parse(sat('assess', '--map', mapFile, '--sample', sampleFile, '--json').stdout);
    expect(json.unit).toBe('ha');
    expect(json.estimation.classes).toHaveLength(5);
    // Region x class strata: every point names its region (pixel-centre rule), each stratum has at least the floor.
    const regional = path.join(tmp, 'regional.csv');
    const byRegion = sat('sample', '--map', mapFile, '--size', '300', '--min-per-stratum', '5', '--regions', path.join(tmp, 'scene', 'regions.geojson'), '--id-field', 'code', '--out', regional);
    expect(byRegion.status).toBe(0);
    expect(byRegion.stdout).toMatch(/region R01, class +1: +\d+ points of \d+ px/);
    const rows = parseCsv(readFileSync(regional, 'utf8'));
    expect(rows[0]).toEqual(['id', 'stratum', 'region', 'col', 'row', 'x', 'y', 'lon', 'lat', 'reference']);
    expect(rows.slice(1).every((r) => /^R0\d$/.test(r[2]))).toBe(true);
    expect(sat('sample', '--map', mapFile, '--size', '10', '--regions', path.join(tmp, 'scene', 'regions.geojson'), '--out', regional).stderr).toMatch(/--regions needs --id-field/);
    // Labelled from the truth, assessed per region; without the regions it is refused (it is not a class-strata sample).
    const labelled = path.join(tmp, 'regional-labelled.csv');
    expect(sat('sample', '--map', mapFile, '--size', '300', '--min-per-stratum', '5', '--regions', path.join(tmp, 'scene', 'regions.geojson'), '--id-field', 'code', '--reference', truthFile, '--out', labelled).status).toBe(0);
    const perRegion = sat('assess', '--map', mapFile, '--sample', labelled, '--regions', path.join(tmp, 'scene', 'regions.geojson'), '--id-field', 'code', '--classes', 'synth');
    expect(perRegion.status, perRegion.stderr).toBe(0);
    expect(perRegion.stdout).toMatch(/300 sample points, strata region x map class/);
    expect(perRegion.stdout).toMatch(/region R01 \(region-strata/);
    expect(perRegion.stdout).toMatch(/cropland +[\d.]+ +[\d.]+ ± [\d.]+/);
    expect(perRegion.stdout).toMatch(/overall accuracy [\d.]+ ± [\d.]+ %/);
    expect(sat('assess', '--map', mapFile, '--sample', labelled).stderr).toMatch(/names a region: .* give the regions/);
    writeFileSync(path.join(tmp, 'bad.csv'), 'id,stratum,col,row,reference\n1,3,5,5,\n');
    const bad = sat('assess', '--map', mapFile, '--sample', path.join(tmp, 'bad.csv'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/bad.csv: point 1 has no reference/);
  });
});
