/**
 * Issue 13's scale check: a service job whose imagery is a STAC source of 13 dates of a whole Sentinel-2-sized scene
 * (BENCH_STAC_SIZE, default 10980 px a side, 4 bands at 10 m + SCL at 20 m per Item: 65 assets), served over loopback
 * HTTP with range requests under each Item's own URLs. The API runs here, one `sat worker` (all queues) beside it;
 * every prepare job composites its own tile from the assets that touch it. Prints one JSON line: wall seconds, the
 * peak resident memory of each process (the worker's VmHWM, this process's maxRSS), and the job's stage seconds.
 * Arguments: the 4-band synthetic scene's folder (`sat synth --bands 4`), a work folder.
 */
import { copyFileSync, createReadStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { loadClassScheme } from '../pipeline/model/class-scheme.js';
import { loadBandRecipe } from '../pipeline/preprocess/band-recipe.js';
import { openRaster } from '../pipeline/raster/open-raster.js';
import { writeGeoTiff } from '../pipeline/raster/write-geotiff.js';
import { trainModel } from '../pipeline/workflows/train-model.js';
import { removeDir, ServiceFixture } from '../test/helpers/service-fixture.js';
import { writeStacDates } from '../test/helpers/stac-dates.js';

const [sceneDir, work] = process.argv.slice(2);
const DATES = Array.from({ length: 13 }, (_, k) => new Date(Date.UTC(2020, 5, 1) + k * 5 * 86_400_000).toISOString().slice(0, 10));
const data = path.join(work, 'data');
const stac = path.join(data, 'stac');

// Assets: the band files once, each Item's SCL its own; every Item's assets under its own URL.
const server = createServer((req, res) => {
  const [, id, name] = decodeURIComponent(req.url!.split('?')[0]).split('/');
  const own = path.join(stac, path.basename(id ?? ''), path.basename(name ?? ''));
  const file = existsSync(own) ? own : path.join(stac, 'bands', path.basename(name ?? ''));
  if (!existsSync(file)) return void res.writeHead(404).end();
  const size = statSync(file).size;
  const etag = `"${path.basename(file)}-${size}"`;
  const m = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
  if (!m) return void res.writeHead(200, { 'content-length': size, etag }).end(readFileSync(file));
  const [start, end] = [Number(m[1]), Math.min(m[2] ? Number(m[2]) : size - 1, size - 1)];
  res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': end - start + 1, etag });
  createReadStream(file, { start, end }).pipe(res);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

if (!existsSync(path.join(stac, 'items.json'))) {
  process.stderr.write(`writing 13 dates of ${sceneDir} as STAC Items ...\n`);
  await writeStacDates({ scene: sceneDir, out: stac, dates: DATES, baseUrl: '{origin}', sharedBands: true, cloudShare: 0.3 });
}
// The Items name the server of this run.
const items = readFileSync(path.join(stac, 'items.json'), 'utf8').replaceAll('{origin}', origin);
writeFileSync(path.join(stac, 'items-served.json'), items);

// A small land-cover model on reflectance: trained on a 1024 px corner of the scene.
if (!existsSync(path.join(data, 'model'))) {
  const scene = await openRaster(path.join(sceneDir, 'scene.tif'));
  const truth = await openRaster(path.join(sceneDir, 'truth.tif'));
  const window = { col: 0, row: 0, width: 1024, height: 1024 };
  const bands = (await scene.read(window)).bands.map((b) => Float32Array.from(b as Uint16Array, (v) => (v === 0 ? NaN : v * 0.0001)));
  const labels = (await truth.read(window)).bands;
  const gt = scene.info.geotransform!;
  await writeGeoTiff(path.join(work, 'train.tif'), { window, dtype: 'float32', bands }, { geotransform: gt, epsg: scene.info.epsg, nodata: NaN });
  await writeGeoTiff(path.join(work, 'train-labels.tif'), { window, dtype: 'uint8', bands: labels }, { geotransform: gt, epsg: scene.info.epsg, nodata: 0 });
  await Promise.all([scene.close(), truth.close()]);
  await trainModel({ task: 'landcover', imagery: path.join(work, 'train.tif'), labels: { file: path.join(work, 'train-labels.tif') }, recipe: loadBandRecipe('s2-composite-4band'), classes: loadClassScheme('synth'), out: path.join(data, 'model'), epochs: 3, seed: 1, split: { kind: 'blocks', blockSize: 128, testFraction: 0.25, seed: 1 }, width: 8, backend: 'wasm' });
}

const service = new ServiceFixture(path.join(work, 'service'), data, { service: { allowedHosts: [origin] }, tiling: { tileSize: 512, halo: 32 } });
try {
  await service.startApi();
  const worker = service.startWorker('all', 2);
  copyFileSync(path.join(sceneDir, 'regions.geojson'), path.join(data, 'regions.geojson'));
  const started = performance.now();
  const submitted = await service.submit({
    name: 'stac-13-dates',
    imagery: { stac: `${origin}/items-served.json`, bands: ['blue', 'green', 'red', 'nir'], crs: 'EPSG:32633', resolution: 10 },
    model: 'model',
    regions: { file: 'regions.geojson', idField: 'code' },
    period: { start: DATES[0], end: DATES[DATES.length - 1] },
  });
  const [done] = await service.waitFor([submitted.id]);
  const wallSeconds = (performance.now() - started) / 1000;
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${worker.pid}/status`, 'utf8'));
  const manifest = done.state === 'completed' ? JSON.parse(readFileSync(path.join(service.ctx.jobDir(submitted.id, 'out'), 'manifest.json'), 'utf8')) : null;
  console.log(
    JSON.stringify({
      state: done.state,
      error: done.error,
      size: manifest?.inputs.imagery.width,
      items: manifest?.inputs.imagery.items.length,
      assets: manifest?.inputs.imagery.assetsRead,
      tiles: manifest ? Object.keys(manifest.inputs.imagery.tiles).length : null,
      wallSeconds,
      stageSeconds: manifest?.stageSeconds,
      workerPeakMB: hwm ? Number(hwm[1]) / 1024 : null,
      apiPeakMB: process.resourceUsage().maxRSS / 1024,
    }),
  );
} finally {
  await service.close();
  server.close();
  if (process.env.BENCH_KEEP !== '1') removeDir(path.join(work, 'service'));
}
