/**
 * Searching a STAC API on loopback, served from the real ItemCollections of ../shared/data/08_stac_items: filters
 * (bbox, datetime, collections, cloud cover through CQL2, the Query extension, or on the client when the API has
 * neither), paging through POST and GET next links with every Item returned once, the item cap, and the answers a
 * catalogue should not give (garbage, silence, redirects off the allow-list, broken paging).
 */
import { readFileSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { collectItems, type CollectOptions } from '../../pipeline/collect/collect-items.js';
import type { SearchQuery } from '../../pipeline/collect/search-query.js';
import { describeWithSharedData, sharedPath } from '../helpers/shared-data.js';
import { satFailure } from '../helpers/sat-failure.js';
import { startServer, startStacApi, type ApiOptions, type TestServer } from './stac-server.js';

const load = (name: string) => JSON.parse(readFileSync(sharedPath('08_stac_items', name), 'utf8'));

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function api(file: string, options: ApiOptions): Promise<TestServer> {
  const server = await startStacApi(load(file).features, options);
  servers.push(server);
  return server;
}

async function server(handler: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const s = await startServer(handler);
  servers.push(s);
  return s;
}

const base: CollectOptions = { maxItems: 1000, timeoutMs: 30_000, maxBytes: 16 * 1024 * 1024, pageSize: 2 };
const STACK = 'site2-2020_jun_jul-35MNM.geojson';
const STRIP = 'site1-20200606-tall-strip-africa.geojson';

/** The 13-date stack's Items with cloud cover below 5 %, computed from the file, not from the code under test. */
function clearDates(limit: number): string[] {
  return load(STACK)
    .features.filter((f: any) => f.properties['eo:cloud_cover'] < limit)
    .map((f: any) => f.id)
    .sort((a: string, b: string) => a.slice(11, 26).localeCompare(b.slice(11, 26)));
}

describeWithSharedData('STAC API search on loopback', () => {
  for (const cloudFilter of ['cql2-json', 'query', 'none'] as const) {
    it(`finds the clear dates of the 13-date stack, paging 2 by 2 (cloud filter: ${cloudFilter})`, async () => {
      const s = await api(STACK, { cloudFilter });
      const query: SearchQuery = { datetime: { start: '2020-06-01T00:00:00.000Z', end: '2020-07-31T23:59:59.999Z' }, maxCloud: 5, collections: ['sentinel-2-l2a'] };
      const found = await collectItems(`${s.origin}/`, query, base);
      const expected = clearDates(5);
      expect(expected).toHaveLength(9);
      expect(found.kind).toBe('api');
      expect(found.api?.cloudFilter).toBe(cloudFilter);
      expect(found.items.map((l) => l.item.id)).toEqual(expected);
      expect(found.truncated).toBe(false);
      const searches = s.requests.filter((r) => r.url.startsWith('/search'));
      // The server filtered when it could (9 items → 5 pages), else sent all 13 (7 pages) for the client to filter.
      expect(searches).toHaveLength(cloudFilter === 'none' ? 7 : 5);
      for (const r of searches) {
        expect(r.method).toBe('POST');
        expect(r.body?.datetime).toBe('2020-06-01T00:00:00.000Z/2020-07-31T23:59:59.999Z');
        expect(r.body?.collections).toEqual(['sentinel-2-l2a']);
        expect(r.body?.limit).toBe(2);
        if (cloudFilter === 'cql2-json') expect(r.body?.filter).toEqual({ op: '<', args: [{ property: 'eo:cloud_cover' }, 5] });
        if (cloudFilter === 'query') expect(r.body?.query).toEqual({ 'eo:cloud_cover': { lt: 5 } });
        if (cloudFilter === 'none') expect(r.body).not.toHaveProperty('query');
      }
      // Merged next bodies: every page after the first carries the token and keeps the query.
      expect(searches.slice(1).every((r) => typeof r.body?.token === 'string')).toBe(true);
    });
  }

  it('pages through GET next links on a GET-only API with conformance behind a link', async () => {
    const s = await api(STACK, { cloudFilter: 'query', getOnly: true, conformanceLink: true });
    const found = await collectItems(`${s.origin}/`, { datetime: { start: '2020-06-01T00:00:00.000Z', end: '2020-06-30T23:59:59.999Z' }, maxCloud: 5 }, base);
    const june = clearDates(5).filter((id) => id.includes('202006'));
    expect(found.items.map((l) => l.item.id)).toEqual(june);
    expect(june).toHaveLength(4);
    expect(found.api?.method).toBe('GET');
    expect(s.requests.some((r) => r.url === '/conformance')).toBe(true);
    const searches = s.requests.filter((r) => r.url.startsWith('/search'));
    expect(searches.every((r) => r.method === 'GET')).toBe(true);
    expect(new URL(searches[0].url, s.origin).searchParams.get('query')).toBe(JSON.stringify({ 'eo:cloud_cover': { lt: 5 } }));
  });

  it("reads an API Collection through its items endpoint, filtering on the client what that endpoint cannot", async () => {
    const s = await api(STACK, { cloudFilter: 'cql2-json' });
    const query: SearchQuery = { datetime: { start: '2020-06-01T00:00:00.000Z', end: '2020-07-31T23:59:59.999Z' }, maxCloud: 5 };
    const found = await collectItems(`${s.origin}/collections/sentinel-2-l2a`, query, base);
    expect(found.kind).toBe('api-collection');
    expect(found.items.map((l) => l.item.id)).toEqual(clearDates(5));
    const pages = s.requests.filter((r) => r.url.includes('/items'));
    expect(pages).toHaveLength(7);
    expect(new URL(pages[0].url, s.origin).searchParams.get('datetime')).toBe('2020-06-01T00:00:00.000Z/2020-07-31T23:59:59.999Z');
    await expect(collectItems(`${s.origin}/collections/landsat-c2-l2`, {}, base)).rejects.toThrow(`${s.origin}/collections/landsat-c2-l2: no items found (no filter)`);
  });

  it('returns every Item once when a server sends pages that repeat Items', async () => {
    const items = load(STACK).features;
    // Pages of 5 that step by 3: Items at page edges come twice, as when a catalogue's order shifts while paging.
    const s = await server((req, res, _t, self) => {
      const from = Number(new URL(req.url ?? '/', self.origin).searchParams.get('from') ?? 0);
      const links = from + 3 < items.length ? [{ rel: 'next', href: `/items?from=${from + 3}` }] : [];
      res.writeHead(200, { 'Content-Type': 'application/geo+json' });
      res.end(JSON.stringify({ type: 'FeatureCollection', features: items.slice(from, from + 5), links }));
    });
    const found = await collectItems(`${s.origin}/items`, {}, base);
    expect(found.kind).toBe('item-collection');
    expect(found.items).toHaveLength(13);
    expect(new Set(found.items.map((l) => l.item.id)).size).toBe(13);
  });

  it('finds the strip tiles a bbox touches, by the Items footprints', async () => {
    const s = await api(STRIP, { cloudFilter: 'cql2-json' });
    // Inside tile 35LNL only; then across the overlap of 35MNM and 35LNL (tiles overlap by about 10 km).
    const inside = await collectItems(`${s.origin}/`, { bbox: [27.4, -8.6, 27.5, -8.5] }, base);
    expect(inside.items.map((l) => l.item.id)).toEqual(['S2B_MSIL2A_20200606T080609_R078_T35LNL_20201027T072719']);
    const overlap = await collectItems(`${s.origin}/`, { bbox: [27.4, -8.2, 27.5, -8.16] }, base);
    expect(overlap.items.map((l) => l.item.id).sort()).toEqual(['S2B_MSIL2A_20200606T080609_R078_T35LNL_20201027T072719', 'S2B_MSIL2A_20200606T080609_R078_T35MNM_20200826T094900']);
    expect(s.requests.filter((r) => r.url === '/search').every((r) => Array.isArray(r.body?.bbox))).toBe(true);
    // The whole strip, and the AOI as `intersects` (a polygon inside 35LNH only).
    const all = await collectItems(`${s.origin}/`, { bbox: [27.3, -15, 27.6, -7.7] }, base);
    expect(all.items).toHaveLength(9);
    const aoi = { type: 'Polygon' as const, coordinates: [[[27.4, -11.5], [27.5, -11.5], [27.5, -11.4], [27.4, -11.4], [27.4, -11.5]]] };
    const byAoi = await collectItems(`${s.origin}/`, { intersects: aoi }, base);
    expect(byAoi.items.map((l) => l.item.id)).toEqual(['S2B_MSIL2A_20200606T080609_R078_T35LNH_20201027T072716']);
    expect(s.requests.at(-1)?.body?.intersects).toEqual(aoi);
  });

  it('stops at the item cap and says more may match', async () => {
    const s = await api(STACK, { cloudFilter: 'query' });
    const found = await collectItems(`${s.origin}/`, {}, { ...base, maxItems: 5, pageSize: 2 });
    expect(found.items).toHaveLength(5);
    expect(found.truncated).toBe(true);
    expect(s.requests.filter((r) => r.url === '/search')).toHaveLength(3);
    const all = await collectItems(`${s.origin}/`, {}, { ...base, maxItems: 13, pageSize: 5 });
    expect(all.items).toHaveLength(13);
    expect(all.truncated).toBe(false);
  });

  it('says so when no Item matches', async () => {
    const s = await api(STACK, { cloudFilter: 'cql2-json' });
    const err = await satFailure(collectItems(`${s.origin}/`, { datetime: { start: '2021-01-01T00:00:00.000Z', end: null }, maxCloud: 1 }, base));
    expect(err.code).toBe('E_NOT_FOUND');
    expect(err.message).toBe(`${s.origin}/: no items found (datetime 2021-01-01T00:00:00.000Z/.., cloud cover < 1 %)`);
  });
});

describeWithSharedData('bad STAC catalogues', () => {
  it('refuses garbage and JSON that is not STAC, naming the document', async () => {
    const s = await server((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(req.url === '/json' ? '{"hello": "world"}' : req.url === '/page' ? '{"type":"FeatureCollection","features":[{"type":"Feature","id":"x"}]}' : '<html>Service Unavailable</html>');
    });
    const garbage = await satFailure(collectItems(`${s.origin}/`, {}, base));
    expect(garbage.code).toBe('E_FORMAT');
    expect(garbage.message).toBe(`${s.origin}/: not JSON (unexpected text), so not a STAC document`);
    const notStac = await satFailure(collectItems(`${s.origin}/json`, {}, base));
    expect(notStac.message).toBe(`${s.origin}/json: not a STAC document (no "type"; expected an Item, ItemCollection, Catalog, Collection or STAC API landing page)`);
    const badItem = await satFailure(collectItems(`${s.origin}/page`, {}, base));
    expect(badItem.message).toMatch(new RegExp(`^${s.origin}/page \\(features\\[0\\]\\): not a STAC Item \\(geometry: .*properties: .*assets: `));
  });

  it('gives up on a catalogue that never answers after the configured timeout', async () => {
    const s = await server(() => {
      /* never answers */
    });
    const err = await satFailure(collectItems(`${s.origin}/`, {}, { ...base, timeoutMs: 200 }));
    expect(err.code).toBe('E_NOT_FOUND');
    expect(err.message).toBe(`${s.origin}/: no complete answer within 200 ms`);
  });

  it('gives up on a body that trickles past the timeout, and on one past the size cap', async () => {
    const s = await server((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      if (req.url === '/big') return void res.end(JSON.stringify({ type: 'FeatureCollection', features: [], pad: 'x'.repeat(4096) }));
      res.write('{"type": "FeatureCollection", "features": [');
      // ... and nothing more: headers came in time, the body never ends.
    });
    const slow = await satFailure(collectItems(`${s.origin}/`, {}, { ...base, timeoutMs: 200 }));
    expect(slow.message).toBe(`${s.origin}/: no complete answer within 200 ms`);
    const big = await satFailure(collectItems(`${s.origin}/big`, {}, { ...base, maxBytes: 1024 }));
    expect(big.code).toBe('E_LIMIT');
    expect(big.message).toBe(`${s.origin}/big: the STAC document is larger than the limit of 1 KiB (1024 bytes)`);
  });

  it('refuses origins off the allow-list, at the start and at any redirect hop, before connecting', async () => {
    const elsewhere = await api(STACK, { cloudFilter: 'none' });
    const s = await server((req, res) => {
      res.writeHead(302, { Location: req.url === '/away' ? `${elsewhere.origin}/` : '/away' });
      res.end();
    });
    const allowedOrigins = [s.origin];
    const redirected = await satFailure(collectItems(`${s.origin}/`, {}, { ...base, allowedOrigins }));
    expect(redirected.code).toBe('E_INPUT');
    expect(redirected.message).toBe(`${s.origin}/: redirected (hop 2) to ${elsewhere.origin}, which is not an allowed origin`);
    const direct = await satFailure(collectItems(`${elsewhere.origin}/`, {}, { ...base, allowedOrigins }));
    expect(direct.message).toBe(`${elsewhere.origin}/: ${elsewhere.origin} is not an allowed origin`);
    expect(elsewhere.requests).toHaveLength(0);
    // Allowed, the same redirect chain is followed to the catalogue.
    const followed = await collectItems(`${s.origin}/`, {}, { ...base, allowedOrigins: [s.origin, elsewhere.origin] });
    expect(followed.items).toHaveLength(13);
  });

  it('refuses a next link that leads off the allow-list', async () => {
    const elsewhere = await api(STACK, { cloudFilter: 'none' });
    const items = load(STACK).features;
    const s = await server((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ type: 'FeatureCollection', features: items.slice(0, 2), links: [{ rel: 'next', href: `${elsewhere.origin}/search?token=page-2` }] }));
    });
    const err = await satFailure(collectItems(`${s.origin}/items`, {}, { ...base, allowedOrigins: [s.origin] }));
    expect(err.message).toBe(`${elsewhere.origin}/search?token=page-2: ${elsewhere.origin} is not an allowed origin`);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('refuses a remote document that links to local files', async () => {
    const s = await server((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ type: 'Catalog', id: 'c', description: 'c', links: [{ rel: 'child', href: 'file:///etc/passwd' }] }));
    });
    const err = await satFailure(collectItems(`${s.origin}/catalog.json`, {}, base));
    expect(err.code).toBe('E_INPUT');
    expect(err.message).toBe(`${s.origin}/catalog.json: links to a local file (file:///etc/passwd), which a remote STAC document may not`);
  });

  it('stops paging that loops back to a page already read', async () => {
    const items = load(STACK).features;
    const s = await server((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ type: 'FeatureCollection', features: items.slice(0, 2), links: [{ rel: 'next', href: '/search', method: 'POST', body: { token: 'same' } }] }));
    });
    const err = await satFailure(collectItems(`${s.origin}/search`, {}, base));
    expect(err.code).toBe('E_FORMAT');
    expect(err.message).toBe(`${s.origin}/search: page 2's next link asks for a page already read; the catalogue's paging is broken`);
  });

  it('names an unreachable catalogue, and withholds connection details under an allow-list', async () => {
    const s = await server(() => {});
    const origin = s.origin;
    await s.close();
    servers.splice(servers.indexOf(s), 1);
    const open = await satFailure(collectItems(`${origin}/`, {}, base));
    expect(open.message).toBe(`${origin}/: cannot reach the server (ECONNREFUSED)`);
    const listed = await satFailure(collectItems(`${origin}/`, {}, { ...base, allowedOrigins: [origin] }));
    expect(listed.message).toBe(`${origin}/: cannot reach the server (connection details withheld)`);
  });
});
