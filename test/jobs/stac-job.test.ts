/**
 * `sat run` with a STAC source: three dates of a synthetic scene as Sentinel-2 L2A-shaped Items (one COG per band, a
 * 20 m SCL with a band of cloud moving from date to date), composited per tile by the job itself, classified by a model
 * trained on reflectance, aggregated into regions and assessed against the scene's truth (on a larger grid).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssetReaders } from '../../pipeline/composite/asset-readers.js';
import { planComposite, planSources } from '../../pipeline/composite/plan-composite.js';
import { crsFromEpsg, makeTransform, WGS84 } from '../../pipeline/geo/crs.js';
import { loadClassScheme } from '../../pipeline/model/class-scheme.js';
import { loadBandRecipe } from '../../pipeline/preprocess/band-recipe.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { writeGeoTiff } from '../../pipeline/raster/write-geotiff.js';
import type { StatisticsRow as Row } from '../../pipeline/statistics/region-statistics.js';
import { compositePeriod } from '../../pipeline/workflows/composite-period.js';
import { trainModel } from '../../pipeline/workflows/train-model.js';
import { loadSettings } from '../../pipeline/config/settings.js';
import { repoRoot } from '../helpers/shared-data.js';
import { cloudyAt, makeStacJobData } from '../helpers/stac-dates.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'sat-stac-job-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const SIZE = 320;
const DATES = ['2020-06-05', '2020-06-15', '2020-06-25'];
const sat = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'bin/sat.js'), ...args], { encoding: 'utf8', env: { ...process.env, SAT_TF_BACKEND: 'wasm' } });
const read = (...p: string[]) => readFileSync(path.join(tmp, ...p), 'utf8');

// The AOI: the scene less 255 m on each side (the grid snaps outward to 10 m: 25 px in from each edge), in lon/lat.
const toLonLat = makeTransform(crsFromEpsg(32633), WGS84);
const X0 = 450_000;
const Y0 = 5_100_000;
const aoiRing = [[X0 + 255, Y0 - 255], [X0 + SIZE * 10 - 255, Y0 - 255], [X0 + SIZE * 10 - 255, Y0 - SIZE * 10 + 255], [X0 + 255, Y0 - SIZE * 10 + 255], [X0 + 255, Y0 - 255]].map((p) => toLonLat(p as [number, number]));

const job = (extra = '') => `name: stac-job
imagery:
  stac: stac/items.json
  bands: [blue, green, red, nir, swir16, swir22]
  crs: EPSG:32633
  resolution: 10
aoi: aoi.geojson
model: model
regions: { file: scene/regions.geojson, idField: code }
reference: { raster: scene/truth.tif, sampleSize: 150, minPerStratum: 10 }
period: { start: '2020-06-01', end: '2020-06-30' }
out: out
${extra}`;

beforeAll(async () => {
  await makeStacJobData(tmp, { size: SIZE, dates: DATES });
  writeFileSync(path.join(tmp, 'aoi.geojson'), JSON.stringify({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [aoiRing] } }));
  writeFileSync(path.join(tmp, 'job.yaml'), job());
  // Tiles of 128 px: the job's 270 x 270 grid is cut into 9, each composited on its own.
  writeFileSync(path.join(tmp, 'settings.yaml'), 'tiling: { tileSize: 128, halo: 16 }\n');
});

describe('sat run with a STAC source', () => {
  it('composites per tile, classifies, aggregates and assesses; the manifest names every Item, asset version and tile; a re-run is byte-identical', async () => {
    const run = sat('run', path.join(tmp, 'job.yaml'), '--config', path.join(tmp, 'settings.yaml'));
    expect(run.status, run.stderr).toBe(0);
    const manifest = JSON.parse(read('out', 'manifest.json'));
    const imagery = manifest.inputs.imagery;
    expect(imagery).toMatchObject({ width: 270, height: 270, bands: 6, dtype: 'float32', epsg: 32633, geotransform: [X0 + 250, 10, 0, Y0 - 250, 0, -10] });
    expect(imagery.stac).toMatchObject({ bands: ['blue', 'green', 'red', 'nir', 'swir16', 'swir22'], resolution: 10, method: 'median', mask: 'scl' });
    expect(imagery.search).toMatchObject({ kind: 'item-collection', truncated: false, period: { start: '2020-06-01T00:00:00Z', end: '2020-06-30T23:59:59Z' } });
    expect(imagery.items.map((i: { id: string }) => i.id)).toEqual(DATES.map((d) => `SYN_${d.replaceAll('-', '')}_T33TVM`));
    for (const item of imagery.items) {
      expect(Object.keys(item.read)).toEqual(['B02', 'B03', 'B04', 'B08', 'B11', 'B12', 'SCL']);
      // Local files: size, time and SHA-256 of what was read.
      expect(item.read.B04).toMatchObject({ href: item.assets.B04, etag: null, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: expect.any(Number) });
    }
    // 9 tiles of 128 px, each with the Items that gave it pixels (every date: the clouds cover a quarter of the rows).
    expect(Object.keys(imagery.tiles)).toHaveLength(9);
    for (const items of Object.values(imagery.tiles) as string[][]) expect(items.length).toBeGreaterThanOrEqual(2);
    for (const f of ['imagery/composite.tif', 'imagery/clear_count.tif', 'imagery/item.json']) expect(manifest.outputs[f]).toMatch(/^[0-9a-f]{64}$/);

    // The composite the job classified, cell by cell: the median of the clear dates (2 or 3 here, never 0).
    const composite = await openRaster(path.join(tmp, 'out', 'imagery', 'composite.tif'));
    const counts = await openRaster(path.join(tmp, 'out', 'imagery', 'clear_count.tif'));
    const scene = await openRaster(path.join(tmp, 'scene', 'scene.tif'));
    const [red] = (await composite.read(undefined, { bands: [3] })).bands as Float32Array[];
    const [count] = (await counts.read()).bands;
    const [sceneRed] = (await scene.read({ col: 25, row: 25, width: 270, height: 270 }, { bands: [3] })).bands;
    await Promise.all([composite.close(), counts.close(), scene.close()]);
    for (const i of [0, 1234, 40_000, 72_899]) {
      const row = 25 + Math.floor(i / 270);
      // SCL is at 20 m: a 20 m cell is cloud when its first 10 m row is.
      const clear = DATES.map((_, k) => k).filter((k) => !cloudyAt(k, Math.floor(row / 2) * 2, SIZE));
      expect(count[i]).toBe(clear.length);
      const values = clear.map((k) => Math.fround(((sceneRed[i] as number) + 7 * k) * 0.0001)).sort((a, b) => a - b);
      const median = values.length % 2 ? values[values.length >> 1] : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
      expect(red[i]).toBeCloseTo(median, 6);
    }

    const rows: Row[] = JSON.parse(read('out', 'statistics', 'regions.json'));
    expect(rows.length).toBeGreaterThan(0);
    const assessment = JSON.parse(read('out', 'statistics', 'assessment.json'));
    // The truth raster covers the whole scene, the map the AOI's grid: points are labelled at the same place.
    expect(assessment.national.estimation.overallAccuracy.estimate).toBeGreaterThan(0.7);

    const first = ['statistics/regions.csv', 'statistics/sdmx.csv', 'imagery/composite.tif', 'prediction/classes.tif'].map((f) => readFileSync(path.join(tmp, 'out', f)));
    const again = sat('run', path.join(tmp, 'job.yaml'), '--config', path.join(tmp, 'settings.yaml'));
    expect(again.status, again.stderr).toBe(0);
    const second = ['statistics/regions.csv', 'statistics/sdmx.csv', 'imagery/composite.tif', 'prediction/classes.tif'].map((f) => readFileSync(path.join(tmp, 'out', f)));
    expect(second).toEqual(first);
  });

  it('the same composite as sat composite makes, and the same class map as a job on that file', async () => {
    const bbox = [Math.min(...aoiRing.map((p) => p[0])), Math.min(...aoiRing.map((p) => p[1])), Math.max(...aoiRing.map((p) => p[0])), Math.max(...aoiRing.map((p) => p[1]))];
    const polygon = { type: 'Polygon' as const, coordinates: [aoiRing] };
    const made = await compositePeriod({ stac: path.join(tmp, 'stac', 'items.json'), query: { intersects: polygon, datetime: { start: '2020-06-01T00:00:00Z', end: '2020-06-30T23:59:59Z' } }, crs: crsFromEpsg(32633), resolution: 10, bands: ['blue', 'green', 'red', 'nir', 'swir16', 'swir22'], method: 'median', mask: 'scl', out: path.join(tmp, 'composited'), settings: loadSettings(undefined, {}) });
    expect(made.grid.width).toBe(270);
    expect(bbox.every(Number.isFinite)).toBe(true);
    const a = await openRaster(path.join(tmp, 'composited', 'composite.tif'));
    const b = await openRaster(path.join(tmp, 'out', 'imagery', 'composite.tif'));
    expect((await b.read()).bands).toEqual((await a.read()).bands);
    await Promise.all([a.close(), b.close()]);
    writeFileSync(path.join(tmp, 'file-job.yaml'), job().replace(/imagery:\n(  .*\n)+/, 'imagery: composited/composite.tif\n').replace('out: out', 'out: out-file'));
    const run = sat('run', path.join(tmp, 'file-job.yaml'), '--config', path.join(tmp, 'settings.yaml'));
    expect(run.status, run.stderr).toBe(0);
    const classesOf = async (dir: string) => {
      const r = await openRaster(path.join(tmp, dir, 'prediction', 'classes.tif'));
      const data = (await r.read()).bands[0];
      await r.close();
      return data;
    };
    expect(await classesOf('out-file')).toEqual(await classesOf('out'));
  });

  it('a period without a clear pixel: the job completes, every row flagged, nothing classified or assessed', async () => {
    const items = JSON.parse(read('stac', 'items.json'));
    const cloud = path.join(tmp, 'stac', 'all-cloud-SCL.tif');
    await writeGeoTiff(cloud, { window: { col: 0, row: 0, width: SIZE / 2, height: SIZE / 2 }, dtype: 'uint8', bands: [new Uint8Array((SIZE / 2) ** 2).fill(9)] }, { geotransform: [X0, 20, 0, Y0, 0, -20], epsg: 32633, nodata: 0 });
    items.features = [{ ...items.features[0], assets: { ...items.features[0].assets, SCL: { ...items.features[0].assets.SCL, href: cloud } } }];
    writeFileSync(path.join(tmp, 'stac', 'cloudy.json'), JSON.stringify(items));
    writeFileSync(path.join(tmp, 'cloudy.yaml'), job().replace('stac/items.json', 'stac/cloudy.json').replace('out: out', 'out: out-cloudy'));
    const run = sat('run', path.join(tmp, 'cloudy.yaml'), '--config', path.join(tmp, 'settings.yaml'));
    expect(run.status, run.stderr).toBe(0);
    const rows: Row[] = JSON.parse(read('out-cloudy', 'statistics', 'regions.json'));
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      if (r.region_area_ha === 0) continue;
      expect(r.mapped).toBe(0);
      expect(r.flags).toMatch(/no clear observation in the period: 100\.0 % .*not assessed: the map has no classified pixel: mapped area only/);
    }
    const item = JSON.parse(read('out-cloudy', 'imagery', 'item.json'));
    expect(item.properties['satstat:pixels_without_clear_observation']).toBe(270 * 270);
  });

  it('bad input fails naming the problem, earlier results intact: aux with a STAC source, a model that reads counts, no Items, a missing band, an asset changed mid-job', async () => {
    const before = read('out', 'manifest.json');
    const fail = (text: string, pattern: RegExp) => {
      writeFileSync(path.join(tmp, 'bad.yaml'), text);
      const r = sat('run', path.join(tmp, 'bad.yaml'), '--config', path.join(tmp, 'settings.yaml'));
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(pattern);
    };
    fail(job('aux: scene/clouds.tif'), /aux: a STAC source brings its own cloud mask/);
    // A model trained on stored counts (uint16 x 0.0001) would see a composite's reflectances as near-zero.
    await trainModel({ task: 'landcover', imagery: path.join(tmp, 'scene', 'scene.tif'), labels: { file: path.join(tmp, 'scene', 'truth.tif') }, aux: path.join(tmp, 'scene', 'clouds.tif'), recipe: loadBandRecipe('synth-s2'), classes: loadClassScheme('synth'), out: path.join(tmp, 'counts-model'), epochs: 1, seed: 1, split: { kind: 'blocks', blockSize: 64, testFraction: 0.3, seed: 1 }, width: 4, backend: 'wasm' });
    fail(job().replace('model: model', 'model: counts-model'), /band recipe 'synth-s2' scales its bands \(blue: x 0\.0001, .*\): it reads stored counts, and a STAC composite holds physical values/);
    fail(job().replace("start: '2020-06-01', end: '2020-06-30'", "start: '2021-06-01', end: '2021-06-30'"), /no items found \(the AOI, datetime 2021-06-01T00:00:00Z\/2021-06-30T23:59:59Z\)/);
    fail(job().replace('bands: [blue, green, red, nir, swir16, swir22]', 'bands: [blue, green, red, nir, swir16, thermal]'), /no asset for band "thermal"/);
    expect(read('out', 'manifest.json')).toBe(before);
    // A file that changed after the job fixed its Items is refused by the tiles that read it.
    const plan = await planComposite({ stac: path.join(tmp, 'stac', 'items.json'), query: { intersects: { type: 'Polygon', coordinates: [aoiRing] }, datetime: { start: '2020-06-01T00:00:00Z', end: '2020-06-30T23:59:59Z' } }, crs: crsFromEpsg(32633), resolution: 10, bands: ['red'], method: 'median', mask: 'none', dilate: 0, resampling: 'bilinear', httpTimeoutMs: 10_000 });
    const red = planSources(plan)[0];
    const recorded = new AssetReaders({});
    await recorded.open(red);
    const versions = recorded.read();
    await recorded.close();
    const later = new AssetReaders({}, { expected: { [red.href]: { ...versions[red.href], modified: '2019-01-01T00:00:00.000Z' } } });
    await expect(later.open(red)).rejects.toThrow(/asset B04 .* changed since the job started \(\d+ bytes, modified 2019-01-01T00:00:00.000Z then, \d+ bytes, modified .* now\)/);
    await later.close();
  });
});
