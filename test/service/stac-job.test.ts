/**
 * A job with a STAC source through the API and the workers: the same statistics as `sat run`, tiles composited by the
 * prepare workers; a catalogue or asset outside the data roots is refused.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadSettings } from '../../pipeline/config/settings.js';
import { crsFromEpsg, makeTransform, WGS84 } from '../../pipeline/geo/crs.js';
import { readJobSpec } from '../../pipeline/jobs/job-spec.js';
import { runJob } from '../../pipeline/workflows/run-job.js';
import { removeDir, ServiceFixture, tempDir } from '../helpers/service-fixture.js';
import { makeStacJobData } from '../helpers/stac-dates.js';

const dir = tempDir('stac-service');
const data = path.join(dir, 'data');
let service: ServiceFixture;

const toLonLat = makeTransform(crsFromEpsg(32633), WGS84);
const ring = [[450_105, 5_099_895], [451_815, 5_099_895], [451_815, 5_098_185], [450_105, 5_098_185], [450_105, 5_099_895]].map((p) => toLonLat(p as [number, number]));
const job = (extra: Record<string, unknown> = {}) => ({
  name: 'stac-aoi',
  imagery: { stac: 'stac/items.json', bands: ['blue', 'green', 'red', 'nir', 'swir16', 'swir22'], resolution: 10 },
  aoi: { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [ring] } },
  model: 'model',
  regions: { file: 'scene/regions.geojson', idField: 'code' },
  reference: { raster: 'scene/truth.tif', sampleSize: 120, minPerStratum: 10 },
  period: { start: '2020-06-01', end: '2020-06-30' },
  seed: 2,
  ...extra,
});

beforeAll(async () => {
  await makeStacJobData(data, { size: 192, dates: ['2020-06-05', '2020-06-15', '2020-06-25'], seed: 9 });
  service = new ServiceFixture(path.join(dir, 'service'), data);
  await service.startApi();
  service.startWorker();
});
afterAll(async () => {
  await service?.close();
  removeDir(dir);
});

it('runs through the queues, each prepare job compositing its own tile, with the statistics of sat run', async () => {
  const submitted = await service.submit(job());
  const [done] = await service.waitFor([submitted.id]);
  expect([done.state, done.error]).toEqual(['completed', null]);
  const out = service.ctx.jobDir(submitted.id, 'out');
  const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  // The grid: UTM 33N (the AOI's zone, by default), 10 m cells on multiples of 10 m, 172 x 172; tiles of 128 px.
  expect(manifest.inputs.imagery).toMatchObject({ epsg: 32633, width: 172, height: 172, geotransform: [450_100, 10, 0, 5_099_900, 0, -10] });
  expect(Object.keys(manifest.inputs.imagery.tiles).sort()).toEqual(['r0000c0000', 'r0000c0001', 'r0001c0000', 'r0001c0001']);
  // The same job in one process, from a job file in the data folder, gives the same table.
  writeFileSync(path.join(data, 'aoi.geojson'), JSON.stringify(job().aoi));
  writeFileSync(path.join(data, 'job.json'), JSON.stringify({ ...job(), aoi: 'aoi.geojson', out: path.join(dir, 'local') }));
  const { spec, text } = readJobSpec(path.join(data, 'job.json'));
  await runJob(spec, text, loadSettings(service.configFile, {}), () => {});
  for (const f of ['statistics/regions.csv', 'statistics/sdmx.csv', 'statistics/assessment.json']) {
    expect(readFileSync(path.join(out, f), 'utf8'), f).toBe(readFileSync(path.join(dir, 'local', f), 'utf8'));
  }
  // The composite is a result like the others.
  const composite = await service.fetch(`/jobs/${submitted.id}/results/composite.tif`);
  expect(composite.status).toBe(200);
});

it('a catalogue outside the data roots is refused at submission; one whose assets lie outside fails its job, saying why', async () => {
  await expect(service.submit(job({ imagery: { ...job().imagery, stac: '../outside.json' } }))).rejects.toThrow(/submit: 400 .*imagery\.stac: \.\.\/outside\.json is outside the data roots/);
  const items = JSON.parse(readFileSync(path.join(data, 'stac', 'items.json'), 'utf8'));
  items.features[0].assets.B04.href = '/etc/hostname';
  writeFileSync(path.join(data, 'stac', 'escaping.json'), JSON.stringify(items));
  const submitted = await service.submit(job({ imagery: { ...job().imagery, stac: 'stac/escaping.json' } }));
  const [done] = await service.waitFor([submitted.id]);
  expect(done.state).toBe('failed');
  expect(done.error).toMatch(/item SYN_20200605_T33TVM, asset B04: the file (\/etc\/)?hostname is outside the data roots/); // (the service shows no path outside its roots)
});
