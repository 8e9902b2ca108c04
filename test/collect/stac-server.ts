/**
 * A small STAC API on loopback for tests: a landing page, /conformance and /search over a fixed list of real Items,
 * with paging through `next` links (POST links carrying a token body with merge, or GET links), and the server-side
 * filters a real API has (bbox on Item bboxes, datetime, collections, and a cloud limit only when the conformance
 * classes it was started with say it understands one). It is written without the code under test, so that a client
 * that sent the wrong request would see a wrong answer. It records every request it received.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ApiOptions {
  /** Which cloud filters the API understands and declares: CQL2 JSON `filter`, the Query extension's `query`, none. */
  cloudFilter: 'cql2-json' | 'query' | 'none';
  /** Offer only GET search (and GET next links). */
  getOnly?: boolean;
  /** Declare conformance only through a `conformance` link, not in the landing page. */
  conformanceLink?: boolean;
  /** Largest page the server returns whatever the client asks. */
  maxPageSize?: number;
}

export interface Recorded {
  method: string;
  url: string;
  body: Record<string, unknown> | null;
}

export interface TestServer {
  origin: string;
  requests: Recorded[];
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string, self: TestServer) => void;

/** A loopback server whose requests (with their JSON bodies) are recorded; `handler` answers them. */
export async function startServer(handler: Handler): Promise<TestServer> {
  let server!: Server;
  const self: TestServer = {
    origin: '',
    requests: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> | null = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = null;
      }
      self.requests.push({ method: req.method ?? '', url: req.url ?? '', body });
      handler(req, res, text, self);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return self;
}

const json = (res: ServerResponse, value: unknown, status = 200) => {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
};

type Item = { id: string; collection?: string; bbox?: number[]; properties: Record<string, unknown> };

/** The server-side filter: plain comparisons on Item bboxes and properties, independent of the client's code. */
function serverMatches(item: Item, params: Record<string, unknown>, options: ApiOptions): boolean {
  const bbox = params.bbox as number[] | undefined;
  if (bbox && item.bbox) {
    const [w, s, e, n] = item.bbox;
    if (w > bbox[2] || e < bbox[0] || s > bbox[3] || n < bbox[1]) return false;
  }
  if (typeof params.datetime === 'string') {
    const [a, b] = params.datetime.split('/');
    const t = Date.parse(item.properties.datetime as string);
    if (a !== '..' && t < Date.parse(a)) return false;
    if (b !== '..' && t > Date.parse(b)) return false;
  }
  const collections = params.collections as string[] | undefined;
  if (collections && !collections.includes(item.collection ?? '')) return false;
  const cloud = item.properties['eo:cloud_cover'] as number;
  if (options.cloudFilter === 'query') {
    const lt = (params.query as Record<string, { lt?: number }> | undefined)?.['eo:cloud_cover']?.lt;
    if (lt !== undefined && !(cloud < lt)) return false;
  }
  if (options.cloudFilter === 'cql2-json' && params.filter) {
    const f = params.filter as { op: string; args: [{ property: string }, number] };
    if (f.op !== '<' || f.args[0].property !== 'eo:cloud_cover') throw new Error(`test server: unexpected filter ${JSON.stringify(f)}`);
    if (!(cloud < f.args[1])) return false;
  }
  return true;
}

/** GET search parameters as the POST body's shapes. */
function paramsFromQuery(url: URL): Record<string, unknown> {
  const p: Record<string, unknown> = {};
  for (const [k, v] of url.searchParams) {
    if (k === 'bbox') p.bbox = v.split(',').map(Number);
    else if (k === 'collections') p.collections = v.split(',');
    else if (k === 'limit') p.limit = Number(v);
    else if (k === 'query' || k === 'filter' || k === 'intersects') p[k] = JSON.parse(v);
    else p[k] = v;
  }
  return p;
}

/** A STAC API over `items`. */
export async function startStacApi(items: Item[], options: ApiOptions): Promise<TestServer> {
  const conformsTo = [
    'https://api.stacspec.org/v1.0.0/core',
    'https://api.stacspec.org/v1.0.0/item-search',
    ...(options.cloudFilter === 'query' ? ['https://api.stacspec.org/v1.0.0-rc.1/item-search#query'] : []),
    ...(options.cloudFilter === 'cql2-json'
      ? ['https://api.stacspec.org/v1.0.0-rc.2/item-search#filter', 'http://www.opengis.net/spec/cql2/1.0/conf/cql2-json', 'http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2']
      : []),
  ];
  return startServer((req, res, _text, self) => {
    const url = new URL(req.url ?? '/', self.origin);
    if (url.pathname === '/' && req.method === 'GET') {
      return json(res, {
        type: 'Catalog',
        id: 'test-api',
        stac_version: '1.0.0',
        description: 'test',
        ...(!options.conformanceLink && { conformsTo }),
        links: [
          { rel: 'self', href: `${self.origin}/` },
          ...(options.conformanceLink ? [{ rel: 'conformance', href: '/conformance' }] : []),
          ...(options.getOnly ? [{ rel: 'search', href: `${self.origin}/search`, method: 'GET' }] : [
            { rel: 'search', href: `${self.origin}/search`, method: 'GET' },
            { rel: 'search', href: `${self.origin}/search`, method: 'POST' },
          ]),
        ],
      });
    }
    if (url.pathname === '/conformance') return json(res, { conformsTo });
    // An API's Collection (no search link of its own) and its OGC API - Features items endpoint.
    const collection = /^\/collections\/([^/]+)(\/items)?$/.exec(url.pathname);
    if (collection && !collection[2]) {
      return json(res, { type: 'Collection', id: collection[1], stac_version: '1.0.0', description: 'c', license: 'x', extent: {}, links: [{ rel: 'items', href: `${self.origin}${url.pathname}/items` }, { rel: 'root', href: `${self.origin}/` }] });
    }
    if (!collection && (url.pathname !== '/search' || (options.getOnly && req.method !== 'GET'))) return json(res, { code: 'NotFound' }, 404);
    const params = req.method === 'POST' ? (self.requests.at(-1)?.body ?? {}) : paramsFromQuery(url);
    if (collection) params.collections = [collection[1]];
    const matching = items.filter((item) => serverMatches(item, params, options));
    const limit = Math.min(Number(params.limit ?? 10), options.maxPageSize ?? Infinity);
    const from = Number(String(params.token ?? 'page-0').slice(5));
    const page = matching.slice(from, from + limit);
    const links: unknown[] = [];
    if (from + limit < matching.length) {
      const token = `page-${from + limit}`;
      if (req.method === 'POST') links.push({ rel: 'next', href: `${self.origin}/search`, method: 'POST', body: { token }, merge: true });
      else {
        const next = new URL(url);
        next.searchParams.set('token', token);
        links.push({ rel: 'next', href: next.href, method: 'GET' });
      }
    }
    json(res, { type: 'FeatureCollection', features: page, links, numberMatched: matching.length });
  });
}
