/**
 * `sat composite`'s workflow on the real 13-date STAC stack of tile 35MNM (../shared/data/08_stac_items): each Item's
 * B04, B08 and SCL assets are local COGs made here on the Item's own grid (10 m bands, 20 m SCL; shrunk to a 960 m
 * window), served over loopback HTTP with range requests, the Items' hrefs and grids pointing at them.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadSettings } from '../../pipeline/config/settings.js';
import { crsFromEpsg, makeTransform, WGS84 } from '../../pipeline/geo/crs.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { writeGeoTiff } from '../../pipeline/raster/write-geotiff.js';
import { AssetReaders } from '../../pipeline/composite/asset-readers.js';
import { compositeWindow } from '../../pipeline/composite/composite-window.js';
import { planComposite } from '../../pipeline/composite/plan-composite.js';
import { compositePeriod } from '../../pipeline/workflows/composite-period.js';
import { describeWithSharedData, repoRoot, sharedPath } from '../helpers/shared-data.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sat-composite-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const SIZE = 96; // 10 m pixels; SCL at 20 m: 48
// A window of the tile's grid (its origin 499980, 9200020 moved by whole 20 m cells) inside every Item's footprint:
// the tile's north-west corner has no data on half of the dates.
const X0 = 499_980 + 37_000;
const Y0 = 9_200_020 - 39_500;
const CLOUDY = 4; // the Item of 2020-07-11 (26.8 % cloud): cloudy everywhere here

const red = (k: number, r: number, c: number) => 800 + 97 * ((k * 5) % 13) + ((r * 7 + c * 3) % 50);
const nir = (k: number, r: number, c: number) => 3000 + 61 * ((k * 3) % 13) + ((r + 2 * c) % 40);
/** SCL of Item k at 20 m cell (row, col): vegetation, with a band of cloud (9) or shadow (3) moving with the date. */
const scl = (k: number, r: number, c: number) => (k === CLOUDY ? 9 : r >= 3 * k && r < 3 * k + 5 ? 9 : c >= 40 - k && c < 43 - k ? 3 : 4);

let server: Server;
let base = '';
let itemsFile = '';
let dates: string[] = [];

function serve(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) {
  const file = path.join(tmp, 'assets', decodeURIComponent(req.url!.split('?')[0]));
  let body: Buffer;
  try {
    body = readFileSync(file);
  } catch {
    res.writeHead(404).end();
    return;
  }
  const etag = `"${body.length}-${body[body.length - 1]}"`;
  const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  if (!m) {
    res.writeHead(200, { 'content-length': body.length, 'accept-ranges': 'bytes', etag }).end(body);
    return;
  }
  const start = Number(m[1]);
  const end = Math.min(body.length - 1, m[2] ? Number(m[2]) : body.length - 1);
  res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${body.length}`, 'content-length': end - start + 1, etag }).end(body.subarray(start, end + 1));
}

describeWithSharedData('sat composite on the 13-date stack of tile 35MNM', () => {
  beforeAll(async () => {
    server = createServer(serve);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const collection = JSON.parse(readFileSync(sharedPath('08_stac_items/site2-2020_jun_jul-35MNM.geojson'), 'utf8'));
    // Items in date order: k is the date's index.
    collection.features.sort((a: { properties: { datetime: string } }, b: { properties: { datetime: string } }) => (a.properties.datetime < b.properties.datetime ? -1 : 1));
    dates = collection.features.map((f: { properties: { datetime: string } }) => f.properties.datetime.slice(0, 10));
    for (const [k, item] of collection.features.entries()) {
      const dir = path.join(tmp, 'assets', item.id);
      mkdirSync(dir, { recursive: true });
      const grid = (res: number) => ({ geotransform: [X0, res, 0, Y0, 0, -res] as [number, number, number, number, number, number], epsg: 32735 });
      const band = (f: (k: number, r: number, c: number) => number, n: number) => Uint16Array.from({ length: n * n }, (_, i) => f(k, Math.floor(i / n), i % n));
      await writeGeoTiff(path.join(dir, 'B04.tif'), { window: { col: 0, row: 0, width: SIZE, height: SIZE }, dtype: 'uint16', bands: [band(red, SIZE)] }, { ...grid(10), nodata: 0 });
      await writeGeoTiff(path.join(dir, 'B08.tif'), { window: { col: 0, row: 0, width: SIZE, height: SIZE }, dtype: 'uint16', bands: [band(nir, SIZE)] }, { ...grid(10), nodata: 0 });
      await writeGeoTiff(path.join(dir, 'SCL.tif'), { window: { col: 0, row: 0, width: SIZE / 2, height: SIZE / 2 }, dtype: 'uint8', bands: [Uint8Array.from(band(scl, SIZE / 2))] }, { ...grid(20), nodata: 0 });
      for (const [key, res] of [['B04', 10], ['B08', 10], ['SCL', 20]] as const) {
        const n = (SIZE * 10) / res;
        item.assets[key] = { ...item.assets[key], href: `${base}/${item.id}/${key}.tif`, 'proj:shape': [n, n], 'proj:transform': [res, 0, X0, 0, -res, Y0], 'proj:bbox': [X0, Y0 - n * res, X0 + n * res, Y0] };
      }
    }
    itemsFile = path.join(tmp, 'items.geojson');
    writeFileSync(itemsFile, JSON.stringify(collection));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const settings = () => loadSettings(undefined, {});
  // An area inside the shrunk window: 150 m to 800 m from the tile's north-west corner.
  const toLonLat = makeTransform(crsFromEpsg(32735), WGS84);
  const corners = [toLonLat([X0 + 150, Y0 - 800]), toLonLat([X0 + 800, Y0 - 150])];
  const bbox: [number, number, number, number] = [corners[0][0], corners[0][1], corners[1][0], corners[1][1]];

  it('median of the clear observations, SCL-masked, on the 10 m grid of the tile: every cell as computed by hand', async () => {
    const out = path.join(tmp, 'median');
    const result = await compositePeriod({
      stac: itemsFile,
      query: { bbox, datetime: { start: '2020-06-01T00:00:00Z', end: '2020-07-31T23:59:59Z' } },
      crs: crsFromEpsg(32735),
      resolution: 10,
      bands: ['red', 'nir'],
      method: 'median',
      mask: 'scl',
      out,
      settings: settings(),
    });
    expect(result.items).toHaveLength(13);
    expect(result.acquisitions).toHaveLength(13);
    const { geotransform, width, height } = result.grid;
    expect((geotransform[0] - X0) % 10).toBe(0);
    const composite = await openRaster(path.join(out, 'composite.tif'));
    const count = await openRaster(path.join(out, 'clear_count.tif'));
    const [r, n] = (await composite.read()).bands as Float32Array[];
    const [clear] = (await count.read()).bands;
    expect(composite.info).toMatchObject({ width, height, bands: 2, dtype: 'float32', epsg: 32735 });
    let checked = 0;
    for (let row = 0; row < height; row++) {
      for (let col = 0; col < width; col++) {
        // The cell's place in the source's 10 m grid and its 20 m SCL cell.
        const sr = Math.round((Y0 - (geotransform[3] - row * 10)) / 10);
        const sc = Math.round((geotransform[0] + col * 10 - X0) / 10);
        const ks = dates.map((_, k) => k).filter((k) => ![0, 1, 3, 8, 9, 10].includes(scl(k, Math.floor(sr / 2), Math.floor(sc / 2))));
        const median = (f: typeof red) => {
          const v = ks.map((k) => Math.fround(f(k, sr, sc) * 0.0001)).sort((a, b) => a - b);
          return v.length % 2 ? v[v.length >> 1] : Math.fround((v[v.length / 2 - 1] + v[v.length / 2]) / 2);
        };
        const i = row * width + col;
        expect(clear[i]).toBe(ks.length);
        expect(r[i]).toBeCloseTo(median(red), 7);
        expect(n[i]).toBeCloseTo(median(nir), 7);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(4000);
    await Promise.all([composite.close(), count.close()]);
    const item = JSON.parse(readFileSync(path.join(out, 'item.json'), 'utf8'));
    expect(item.properties['satstat:sources']).toHaveLength(13);
    expect(item.properties['proj:epsg']).toBe(32735);
    expect(item.assets.composite['raster:bands'].map((b: { name: string }) => b.name)).toEqual(['red', 'nir']);
    expect(item.properties['satstat:sources'][0].assets.B04).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*\/B04\.tif$/);
    // Provenance: every asset read, with the version the server gave (its ETag).
    for (const source of item.properties['satstat:sources']) {
      expect(Object.keys(source.read)).toEqual(['B04', 'B08', 'SCL']);
      expect(source.read.B04).toMatchObject({ href: source.assets.B04, etag: expect.stringMatching(/^"\d+-\d+"$/), sha256: null });
    }
  });

  it('the same job twice gives byte-identical outputs; best pixel picks the clear date closest to the target', async () => {
    const job = (out: string, method: 'median' | 'best') =>
      compositePeriod({ stac: itemsFile, query: { bbox, datetime: { start: '2020-06-01T00:00:00Z', end: '2020-07-31T23:59:59Z' } }, crs: crsFromEpsg(32735), resolution: 10, bands: ['red'], method, mask: 'scl', targetDate: '2020-07-11', out, settings: settings() });
    await job(path.join(tmp, 'a'), 'median');
    await job(path.join(tmp, 'b'), 'median');
    for (const f of ['composite.tif', 'clear_count.tif', 'item.json']) expect(readFileSync(path.join(tmp, 'b', f))).toEqual(readFileSync(path.join(tmp, 'a', f)));
    const best = await job(path.join(tmp, 'best'), 'best');
    const raster = await openRaster(path.join(tmp, 'best', 'composite.tif'));
    const [values] = (await raster.read()).bands as Float32Array[];
    await raster.close();
    const { geotransform } = best.grid;
    const sr = Math.round((Y0 - geotransform[3]) / 10);
    const sc = Math.round((geotransform[0] - X0) / 10);
    // 2020-07-11 is cloudy everywhere: the nearest clear date is 07-06 or 07-16 (5 days either way, the less cloudy wins).
    const target = Date.parse('2020-07-11');
    const ks = dates.map((d, k) => ({ k, days: Math.abs(Date.parse(d) - target) / 86_400_000 })).filter(({ k }) => ![0, 1, 3, 8, 9, 10].includes(scl(k, Math.floor(sr / 2), Math.floor(sc / 2))));
    const nearest = Math.min(...ks.map((x) => x.days));
    const candidates = ks.filter((x) => x.days === nearest).map(({ k }) => Math.fround(red(k, sr, sc) * 0.0001));
    expect(candidates).toContain(values[0]);
  });

  it('a window composited alone equals the same cells of the whole composite, dilation and grid edges included', async () => {
    const request = { stac: itemsFile, query: { bbox, datetime: { start: '2020-06-01T00:00:00Z', end: '2020-07-31T23:59:59Z' } }, crs: crsFromEpsg(32735), resolution: 10, bands: ['red', 'nir'], method: 'median' as const, mask: 'scl' as const, dilate: 2, resampling: 'bilinear' as const };
    const out = path.join(tmp, 'dilated');
    await compositePeriod({ ...request, out, settings: settings() });
    const whole = await openRaster(path.join(out, 'composite.tif'));
    const counts = await openRaster(path.join(out, 'clear_count.tif'));
    const plan = await planComposite({ ...request, httpTimeoutMs: 10_000 });
    const assets = new AssetReaders({});
    try {
      // Windows inside, across the right edge, and reaching past the top-left corner (padded as a file is).
      for (const window of [{ col: 17, row: 9, width: 23, height: 31 }, { col: plan.grid.width - 10, row: 20, width: 25, height: 12 }, { col: -5, row: -7, width: 20, height: 20 }]) {
        const part = await compositeWindow(plan, window, (s) => assets.open(s));
        const expected = await whole.read(window, { fill: NaN });
        const expectedCount = await counts.read(window, { fill: 0 });
        expect(part.bands).toEqual(expected.bands);
        expect(part.clearCount).toEqual(Uint16Array.from(expectedCount.bands[0] as Uint16Array));
        expect(part.items.length).toBeGreaterThan(0);
      }
    } finally {
      await Promise.all([assets.close(), whole.close(), counts.close()]);
    }
  });

  it('bad input: a band no Item has, an asset host outside the allow-list, a period without a clear pixel, an Item whose grid is not its file\'s', async () => {
    const common = { stac: itemsFile, query: { bbox, datetime: { start: '2020-06-01T00:00:00Z', end: '2020-07-31T23:59:59Z' } }, resolution: 10, method: 'median' as const, mask: 'scl' as const, settings: settings() };
    await expect(compositePeriod({ ...common, bands: ['thermal'], out: path.join(tmp, 'x1') })).rejects.toThrow(/no asset for band "thermal"/);
    const guarded = settings();
    guarded.raster.allowedOrigins = ['https://example.org'];
    await expect(compositePeriod({ ...common, bands: ['red'], settings: guarded, out: path.join(tmp, 'x2') })).rejects.toThrow(/not an allowed origin|allow-list|allowed/);
    const cloudy = await compositePeriod({ ...common, query: { bbox, datetime: { start: `${dates[CLOUDY]}T00:00:00Z`, end: `${dates[CLOUDY]}T23:59:59Z` } }, bands: ['red'], out: path.join(tmp, 'x3') });
    expect(cloudy.noClearPixels).toBe(cloudy.grid.width * cloudy.grid.height);
    // An Item whose metadata describes another grid than its file's.
    const lying = JSON.parse(readFileSync(itemsFile, 'utf8'));
    lying.features[2].assets.B04['proj:shape'] = [SIZE * 2, SIZE * 2];
    lying.features[2].assets.B04['proj:bbox'] = [X0, Y0 - SIZE * 20, X0 + SIZE * 20, Y0];
    const lyingFile = path.join(tmp, 'lying.geojson');
    writeFileSync(lyingFile, JSON.stringify(lying));
    await expect(compositePeriod({ ...common, stac: lyingFile, bands: ['red'], out: path.join(tmp, 'x4') })).rejects.toThrow(/asset B04 .* is 96 x 96 px, the Item says 192 x 192: the Item's grid disagrees with its file/);
    // A grid of more cells than a composite may have is refused before anything is read (blocks keep memory bounded,
    // not the output's size).
    const [tw, ts] = toLonLat([X0 - 110_000, Y0 - 110_000]);
    const [te, tn] = toLonLat([X0 + 110_000, Y0 + 110_000]);
    await expect(compositePeriod({ ...common, query: { ...common.query, bbox: [tw, ts, te, tn] }, bands: ['red', 'nir'], out: path.join(tmp, 'x5') })).rejects.toThrow(/the analysis grid would be \d+ x \d+ cells of 10 \(more than 400000000\)/);
    for (const d of ['x1', 'x2', 'x4', 'x5']) expect(() => readFileSync(path.join(tmp, d, 'composite.tif'))).toThrow();
  });

  it('sat composite: the script contract (--items --bbox --datetime --crs --resolution --bands --method --mask --out)', async () => {
    const out = path.join(tmp, 'cli');
    // Asynchronously: the loopback server answering the child's range requests lives in this process.
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/sat.js'), 'composite', '--items', itemsFile, '--bbox', bbox.join(','), '--datetime', '2020-06-01/2020-07-31', '--crs', 'EPSG:32735', '--resolution', '10', '--bands', 'nir,red', '--method', 'median', '--mask', 'scl', '--out', out, '--json']);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ items: 13, acquisitions: 13, grid: { epsg: 32735 }, pixels_without_clear_observation: 0 });
    const composite = await openRaster(path.join(out, 'composite.tif'));
    expect(composite.info.bands).toBe(2);
    expect(Number.isNaN(composite.info.nodata)).toBe(true);
    await composite.close();
    const bad = spawn(process.execPath, [path.join(repoRoot, 'bin/sat.js'), 'composite', '--items', itemsFile, '--bbox', bbox.join(','), '--datetime', '2020-06-01/2020-07-31', '--resolution', '10', '--bands', 'red', '--mask', 'clouds', '--out', path.join(tmp, 'cli-bad')]);
    let badErr = '';
    bad.stderr.on('data', (d) => (badErr += d));
    expect(await new Promise<number | null>((resolve) => bad.on('close', resolve))).toBe(2);
    expect(badErr).toMatch(/--mask must be one of scl, qa, none/);
  });
});

describeWithSharedData('sat composite across overlapping tiles of one overpass (the 9-tile strip, 2020-06-06)', () => {
  // Tiles 35MNM and 35LNL of the strip overlap over 9.8 km (y 9090220 to 9100000 in EPSG:32735). A 960 m window of
  // that overlap is made on each tile's own grid: MNM clear everywhere, LNL cloudy (SCL 9) in the window's west half.
  const WX = 554_980;
  const WY = 9_096_000;
  const north = (r: number, c: number) => 1000 + ((r + c) % 17);
  const south = (r: number, c: number) => 2000 + ((r * 3 + c) % 13);
  let strip = '';
  let stripServer: Server;

  beforeAll(async () => {
    stripServer = createServer(serve);
    await new Promise<void>((resolve) => stripServer.listen(0, '127.0.0.1', resolve));
    const stripBase = `http://127.0.0.1:${(stripServer.address() as AddressInfo).port}`;
    const collection = JSON.parse(readFileSync(sharedPath('08_stac_items/site1-20200606-tall-strip-africa.geojson'), 'utf8'));
    collection.features = collection.features.filter((f: { id: string }) => /T35MNM|T35LNL/.test(f.id));
    for (const item of collection.features) {
      const isNorth = item.id.includes('T35MNM');
      const dir = path.join(tmp, 'assets', item.id);
      mkdirSync(dir, { recursive: true });
      const grid = (res: number) => ({ geotransform: [WX, res, 0, WY, 0, -res] as [number, number, number, number, number, number], epsg: 32735 });
      const red = Uint16Array.from({ length: SIZE * SIZE }, (_, i) => (isNorth ? north : south)(Math.floor(i / SIZE), i % SIZE));
      const sclBand = Uint8Array.from({ length: (SIZE / 2) ** 2 }, (_, i) => (!isNorth && i % (SIZE / 2) < SIZE / 4 ? 9 : 4));
      await writeGeoTiff(path.join(dir, 'B04.tif'), { window: { col: 0, row: 0, width: SIZE, height: SIZE }, dtype: 'uint16', bands: [red] }, { ...grid(10), nodata: 0 });
      await writeGeoTiff(path.join(dir, 'SCL.tif'), { window: { col: 0, row: 0, width: SIZE / 2, height: SIZE / 2 }, dtype: 'uint8', bands: [sclBand] }, { ...grid(20), nodata: 0 });
      for (const [key, res] of [['B04', 10], ['SCL', 20]] as const) {
        const n = (SIZE * 10) / res;
        item.assets[key] = { ...item.assets[key], href: `${stripBase}/${item.id}/${key}.tif`, 'proj:shape': [n, n], 'proj:transform': [res, 0, WX, 0, -res, WY], 'proj:bbox': [WX, WY - n * res, WX + n * res, WY] };
      }
    }
    strip = path.join(tmp, 'strip.geojson');
    writeFileSync(strip, JSON.stringify(collection));
  });
  afterAll(() => new Promise<void>((resolve) => stripServer.close(() => resolve())));

  it('one acquisition, two tiles: where they overlap a pixel is counted once, the first clear tile (by id) giving it', async () => {
    const toLonLat = makeTransform(crsFromEpsg(32735), WGS84);
    const [sw, ne] = [toLonLat([WX + 100, WY - 860]), toLonLat([WX + 860, WY - 100])];
    const result = await compositePeriod({
      stac: strip,
      query: { bbox: [sw[0], sw[1], ne[0], ne[1]], datetime: { start: '2020-06-06T00:00:00Z', end: '2020-06-06T23:59:59Z' } },
      crs: crsFromEpsg(32735),
      resolution: 10,
      bands: ['red'],
      method: 'median',
      mask: 'scl',
      out: path.join(tmp, 'strip-out'),
      settings: loadSettings(undefined, {}),
    });
    expect(result.items).toHaveLength(2);
    expect(result.acquisitions).toHaveLength(1);
    const composite = await openRaster(path.join(tmp, 'strip-out', 'composite.tif'));
    const count = await openRaster(path.join(tmp, 'strip-out', 'clear_count.tif'));
    const [values] = (await composite.read()).bands as Float32Array[];
    const [clear] = (await count.read()).bands;
    await Promise.all([composite.close(), count.close()]);
    const { geotransform, width, height } = result.grid;
    for (let row = 0; row < height; row++) {
      for (let col = 0; col < width; col++) {
        const sr = Math.round((WY - (geotransform[3] - row * 10)) / 10);
        const sc = Math.round((geotransform[0] + col * 10 - WX) / 10);
        const i = row * width + col;
        expect(clear[i]).toBe(1);
        // LNL sorts first and is clear in the east half; MNM fills the west half, where LNL is cloudy.
        const expected = sc >= SIZE / 2 ? south(sr, sc) : north(sr, sc);
        expect(values[i]).toBeCloseTo(Math.fround(expected * 0.0001), 7);
      }
    }
  });
});
