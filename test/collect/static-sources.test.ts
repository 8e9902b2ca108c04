/**
 * STAC sources without a search API: ItemCollection files (the 9-tile strip, the 13-date stack), a single Item, and a
 * static catalogue built here from those real Items (root → collections → sub-catalogue → Items, relative links),
 * read from disk and over loopback HTTP. Plus the query flags' parsing.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectItems, type CollectOptions } from '../../pipeline/collect/collect-items.js';
import { loadCollectionTables } from '../../pipeline/collect/collection-tables.js';
import { parseBbox } from '../../pipeline/collect/parse-bbox.js';
import { parseDatetimeRange } from '../../pipeline/collect/parse-datetime-range.js';
import { resolveBandSource } from '../../pipeline/collect/resolve-band-source.js';
import { describeWithSharedData, sharedPath } from '../helpers/shared-data.js';
import { satFailure } from '../helpers/sat-failure.js';
import { startServer, type TestServer } from './stac-server.js';

const STACK = sharedPath('08_stac_items', 'site2-2020_jun_jul-35MNM.geojson');
const STRIP = sharedPath('08_stac_items', 'site1-20200606-tall-strip-africa.geojson');
const LANDSAT = sharedPath('08_stac_items', 'LC08_L2SP_028030_20200114_20200824_02_T1_SR.json');
const load = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const base: CollectOptions = { maxItems: 1000, timeoutMs: 30_000, maxBytes: 16 * 1024 * 1024 };

describeWithSharedData('ItemCollection files and single Items', () => {
  it('reads the 9-tile strip and the 13-date stack whole, ordered by date then id', async () => {
    const strip = await collectItems(STRIP, {}, base);
    expect(strip.kind).toBe('item-collection');
    expect(strip.items.map((l) => l.item.id)).toEqual(load(STRIP).features.map((f: any) => f.id).sort());
    const stack = await collectItems(STACK, {}, base);
    expect(stack.items.map((l) => l.item.properties.datetime)).toEqual(load(STACK).features.map((f: any) => f.properties.datetime).sort());
    expect(stack.items.every((l) => l.location === STACK)).toBe(true);
  });

  it('filters by datetime (whole days), cloud cover and collection', async () => {
    const july = await collectItems(STACK, { datetime: parseDatetimeRange('2020-07-01/2020-07-31') }, base);
    expect(july.items.map((l) => l.item.id.slice(11, 19))).toEqual(['20200701', '20200706', '20200711', '20200716', '20200721', '20200726', '20200731']);
    const clearJuly = await collectItems(STACK, { datetime: parseDatetimeRange('2020-07-01/..'), maxCloud: 1 }, base);
    expect(clearJuly.items.map((l) => l.item.id.slice(11, 19))).toEqual(['20200706', '20200716', '20200721', '20200726', '20200731']);
    const one = await collectItems(STACK, { datetime: parseDatetimeRange('2020-06-16') }, base);
    expect(one.items.map((l) => l.item.id)).toEqual(['S2B_MSIL2A_20200616T080609_R078_T35MNM_20201027T073925']);
    const other = await satFailure(collectItems(STACK, { collections: ['landsat-c2-l2'] }, base));
    expect(other.message).toBe(`${STACK}: no items found (collections landsat-c2-l2)`);
  });

  it('reads a single Item document', async () => {
    const found = await collectItems(LANDSAT, { bbox: [-96, 43, -95, 44] }, base);
    expect(found.kind).toBe('item');
    expect(found.items.map((l) => l.item.id)).toEqual(['LC08_L2SP_028030_20200114_20200824_02_T1_SR']);
    await expect(collectItems(LANDSAT, { bbox: [10, 43, 11, 44] }, base)).rejects.toThrow(/no items found \(bbox 10,43,11,44\)/);
  });

  it('refuses what is not a readable STAC file, naming it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'stac-bad-'));
    try {
      expect((await satFailure(collectItems(path.join(dir, 'none.json'), {}, base))).message).toBe(`${path.join(dir, 'none.json')}: no such file`);
      expect((await satFailure(collectItems(dir, {}, base))).message).toBe(`${dir}: the STAC document is a directory, not a regular file`);
      expect((await satFailure(collectItems('s3://bucket/catalog.json', {}, base))).message).toBe('s3://bucket/catalog.json: s3:// STAC documents are not supported (a file or an http(s) URL)');
      const bad = path.join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ type: 'FeatureCollection', features: [{ ...load(LANDSAT), properties: { datetime: 'yesterday' } }] }));
      expect((await satFailure(collectItems(bad, {}, base))).message).toBe(`${bad} (features[0]): not a STAC Item (properties.datetime: not a date-time ("yesterday"))`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeWithSharedData('a static catalogue of real Items', () => {
  let dir: string;
  let server: TestServer;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'stac-static-'));
    const write = (rel: string, value: unknown) => {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), JSON.stringify(value));
    };
    const stack = load(STACK).features;
    // Item documents beside their (relative) imagery, as a static catalogue published with its COGs has them.
    for (const item of stack) write(`sentinel-2/items/${item.id}.json`, { ...item, assets: { ...item.assets, B04: { ...item.assets.B04, href: `./${item.id}_B04.tif` } } });
    write('landsat/2020/LC08.json', load(LANDSAT));
    write('catalog.json', {
      type: 'Catalog',
      id: 'root',
      stac_version: '1.0.0',
      description: 'test',
      links: [
        { rel: 'root', href: './catalog.json' },
        { rel: 'child', href: './sentinel-2/collection.json' },
        { rel: 'child', href: './landsat/catalog.json' },
      ],
    });
    write('sentinel-2/collection.json', {
      ...load(sharedPath('08_stac_items', 'sentinel-2-l2a.collection.json')),
      // Every Item once, one linked twice, and links back up that must not be walked again.
      links: [
        { rel: 'root', href: '../catalog.json' },
        { rel: 'parent', href: '../catalog.json' },
        ...stack.map((item: any) => ({ rel: 'item', href: `./items/${item.id}.json` })),
        { rel: 'item', href: `./items/${stack[0].id}.json` },
        { rel: 'child', href: '../catalog.json' },
      ],
    });
    write('landsat/catalog.json', { type: 'Catalog', id: 'landsat', description: 'l', links: [{ rel: 'child', href: '2020/catalog.json' }] });
    write('landsat/2020/catalog.json', { type: 'Catalog', id: 'landsat-2020', description: 'l', links: [{ rel: 'item', href: 'LC08.json' }] });
    server = await startServer((req, res) => {
      const file = path.join(dir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
      try {
        if (!statSync(file).isFile()) throw new Error('not a file');
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(readFileSync(file));
      } catch {
        res.writeHead(404);
        res.end();
      }
    });
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('walks child and item links once each, from disk and over HTTP', async () => {
    const fromDisk = await collectItems(path.join(dir, 'catalog.json'), {}, base);
    expect(fromDisk.kind).toBe('catalog');
    expect(fromDisk.items).toHaveLength(14);
    const overHttp = await collectItems(`${server.origin}/catalog.json`, {}, base);
    expect(overHttp.items.map((l) => l.item.id)).toEqual(fromDisk.items.map((l) => l.item.id));
    // Every document read once: 4 catalogues, 13 + 1 Items.
    expect(server.requests).toHaveLength(18);
    const tables = loadCollectionTables();
    const stackItem = fromDisk.items.find((l) => l.item.id.startsWith('S2B_MSIL2A_20200606'))!;
    expect(resolveBandSource(stackItem, 'red', tables).href).toBe(path.join(dir, 'sentinel-2/items/S2B_MSIL2A_20200606T080609_R078_T35MNM_20200826T094900_B04.tif'));
    const httpItem = overHttp.items.find((l) => l.item.id === stackItem.item.id)!;
    expect(resolveBandSource(httpItem, 'red', tables).href).toBe(`${server.origin}/sentinel-2/items/S2B_MSIL2A_20200606T080609_R078_T35MNM_20200826T094900_B04.tif`);
  });

  it('filters what it walks, and stops at the item cap', async () => {
    const clear = await collectItems(path.join(dir, 'catalog.json'), { maxCloud: 5, collections: ['sentinel-2-l2a'] }, base);
    expect(clear.items).toHaveLength(9);
    const capped = await collectItems(path.join(dir, 'catalog.json'), {}, { ...base, maxItems: 3, concurrency: 2 });
    expect(capped.items).toHaveLength(3);
    expect(capped.truncated).toBe(true);
  });

  it('refuses catalogues deeper or larger than allowed, and names a child that is not STAC', async () => {
    const root = path.join(dir, 'catalog.json');
    const deep = await satFailure(collectItems(root, {}, { ...base, maxDepth: 1 }));
    expect(deep.code).toBe('E_LIMIT');
    expect(deep.message).toBe(`${root}: the catalogue nests deeper than 1 levels (at ${path.join(dir, 'landsat/2020/catalog.json')})`);
    const large = await satFailure(collectItems(root, {}, { ...base, maxDocuments: 10 }));
    expect(large.message).toBe(`${root}: the catalogue has more than 10 documents; search a STAC API or a smaller catalogue`);
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, JSON.stringify({ type: 'Catalog', id: 'b', description: 'b', links: [{ rel: 'child', href: './landsat/2020/LC08.json' }] }));
    const err = await satFailure(collectItems(broken, {}, base));
    expect(err.message).toMatch(new RegExp(`^${path.join(dir, 'landsat/2020/LC08.json')}: not a STAC Catalog or Collection \\(type: `));
    expect(readdirSync(dir)).toContain('broken.json');
  });
});

describe('query flags', () => {
  it('parses periods: whole days, instants, open ends', () => {
    expect(parseDatetimeRange('2020-06-01/2020-07-31')).toEqual({ start: '2020-06-01T00:00:00.000Z', end: '2020-07-31T23:59:59.999Z' });
    expect(parseDatetimeRange('2020-06-01T10:00:00+02:00/..')).toEqual({ start: '2020-06-01T08:00:00.000Z', end: null });
    expect(parseDatetimeRange('/2020-06-01')).toEqual({ start: null, end: '2020-06-01T23:59:59.999Z' });
    expect(() => parseDatetimeRange('2020-07-31/2020-06-01')).toThrow('--datetime "2020-07-31/2020-06-01": the start is after the end');
    expect(() => parseDatetimeRange('2020-02-30/2020-03-01')).toThrow('"2020-02-30" is not a valid date');
    expect(() => parseDatetimeRange('June 2020')).toThrow('"June 2020" is not a date (YYYY-MM-DD) or an RFC 3339 date-time');
    expect(() => parseDatetimeRange('../..')).toThrow('both ends are open');
  });

  it('parses boxes and refuses impossible ones', () => {
    expect(parseBbox('27.3, -15, 27.6,-7.7')).toEqual([27.3, -15, 27.6, -7.7]);
    expect(() => parseBbox('1,2,3')).toThrow('expected four numbers W,S,E,N');
    expect(() => parseBbox('10,50,5,51')).toThrow('west (10) must be less than east (5)');
    expect(() => parseBbox('10,95,11,96')).toThrow('latitudes in -90..90');
  });
});
