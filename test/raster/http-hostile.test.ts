/**
 * Hostile http(s) imagery servers: redirects off the allow-list, other ports of an allowed host, range answers far
 * larger than asked for, full answers to range requests, bodies that trickle. Servers run here on 127.0.0.1:0 and
 * count what they were asked and what they actually sent, so memory bounds are checked without wall-clock assertions.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SatError } from '../../pipeline/core/errors.js';
import { isOriginAllowed, openHttpSource, parseAllowedOrigin } from '../../pipeline/raster/sources/http-source.js';
import { loadSettings, parseSettings } from '../../pipeline/config/settings.js';

interface TestServer {
  origin: string;
  port: number;
  /** Requests received. */
  requests: number;
  /** Body bytes handed to the socket before the client went away (or the body ended). */
  sent: number;
  close(): Promise<void>;
}

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(handler: (req: IncomingMessage, res: ServerResponse, self: TestServer) => void): Promise<TestServer> {
  let server!: Server;
  const self: TestServer = {
    origin: '',
    port: 0,
    requests: 0,
    sent: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server = createServer((req, res) => {
    self.requests++;
    handler(req, res, self);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self.port = (server.address() as AddressInfo).port;
  self.origin = `http://127.0.0.1:${self.port}`;
  servers.push(self);
  return self;
}

const MiB = 1024 * 1024;
const HUGE = 1536 * MiB; // 1.5 GiB, generated lazily: only what the client reads is ever produced

/** Streams `total` bytes with backpressure, counting them in self.sent; stops when the client goes away. */
function streamHuge(res: ServerResponse, self: TestServer, total = HUGE) {
  const chunk = Buffer.alloc(256 * 1024, 0x41);
  let closed = false;
  res.on('close', () => (closed = true));
  const pump = () => {
    while (!closed && self.sent < total) {
      self.sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (!closed) res.end();
  };
  pump();
}

/** A small well-behaved range answer (not a TIFF: openHttpSource does not parse). */
function answerRange(req: IncomingMessage, res: ServerResponse, size = 10 * MiB) {
  const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
  const [start, end] = m ? [Number(m[1]), Math.min(Number(m[2]), size - 1)] : [0, size - 1];
  res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': end - start + 1 });
  res.end(Buffer.alloc(end - start + 1, 7));
}

const fail = (p: Promise<unknown>) => p.then(() => expect.unreachable('should have failed'), (e: unknown) => e as SatError);

describe('the allow-list: parsing and matching', () => {
  it('canonicalises entries to scheme://host:port', () => {
    expect(parseAllowedOrigin('https://Example.ORG')).toBe('https://example.org:443');
    expect(parseAllowedOrigin('https://example.org/')).toBe('https://example.org:443');
    expect(parseAllowedOrigin('http://example.org')).toBe('http://example.org:80');
    expect(parseAllowedOrigin('http://127.0.0.1:8081')).toBe('http://127.0.0.1:8081');
    expect(parseAllowedOrigin('example.org')).toBe('https://example.org:443'); // a bare host means https
    expect(parseAllowedOrigin('example.org:8443')).toBe('https://example.org:8443');
    expect(parseAllowedOrigin('http://[::1]:9000')).toBe('http://[::1]:9000');
    for (const bad of ['', 'ftp://example.org', 'https://example.org/data', 'https://u:p@example.org', 'https://example.org?x=1', 'http://']) {
      expect(() => parseAllowedOrigin(bad), bad).toThrow(/allowed origin/);
    }
  });

  it('matches scheme, host and port, after URL normalisation', () => {
    const list = ['https://example.org', 'http://127.0.0.1:8081', 'tiles.example.net'];
    const yes = ['https://example.org/a.tif', 'https://EXAMPLE.org:443/a.tif', 'http://127.0.0.1:8081/x.tif', 'http://2130706433:8081/x.tif', 'https://tiles.example.net/x.tif'];
    const no = [
      'http://example.org/a.tif', // scheme
      'https://example.org:8443/a.tif', // port
      'http://127.0.0.1:6379/x.tif', // another port of an allowed host
      'http://127.0.0.1/x.tif',
      'https://127.0.0.1:8081/x.tif',
      'http://tiles.example.net/x.tif', // a bare entry is https only
      'https://example.org.evil.com/a.tif',
      'https://example.org@evil.com/a.tif', // userinfo, host evil.com
      'file:///etc/passwd',
      'not a url',
    ];
    for (const u of yes) expect(isOriginAllowed(u, list), u).toBe(true);
    for (const u of no) expect(isOriginAllowed(u, list), u).toBe(false);
    expect(isOriginAllowed('https://example.org/a.tif', [])).toBe(false);
  });

  it('settings refuse malformed entries, naming the key', () => {
    const base = loadSettings(undefined, {});
    expect(() => parseSettings({ ...base, service: { ...base.service, allowedHosts: ['https://example.org/path'] } }, 'test')).toThrow(/allowedHosts/);
    expect(() => parseSettings({ ...base, raster: { ...base.raster, allowedOrigins: ['gopher://x'] } }, 'test')).toThrow(/allowedOrigins/);
    expect(parseSettings({ ...base, service: { ...base.service, allowedHosts: ['https://example.org', 'http://127.0.0.1:8081'] } }, 'test').service.allowedHosts).toHaveLength(2);
  });
});

describe('hostile servers', () => {
  it('(a) a redirect from an allowed origin to another port is not followed: the target sees no request', async () => {
    const target = await start((req, res) => answerRange(req, res));
    const allowed = await start((req, res) => void res.writeHead(302, { Location: `${target.origin}/x.tif` }).end());
    const err = await fail(openHttpSource(`${allowed.origin}/x.tif`, { timeoutMs: 5000, allowedOrigins: [allowed.origin] }));
    expect(err).toBeInstanceOf(SatError);
    expect(err.message).toBe(`${allowed.origin}/x.tif could not be read as a GeoTIFF over http(s) (status and connection details withheld)`);
    expect(String((err.cause as Error).message)).toMatch(/redirected \(hop 1\) to http:\/\/127\.0\.0\.1:\d+, which is not an allowed origin/);
    expect(allowed.requests).toBe(1);
    expect(target.requests).toBe(0);

    // A redirect to another allowed origin is followed; without an allow-list (the CLI) any redirect is.
    const ok = await openHttpSource(`${allowed.origin}/x.tif`, { timeoutMs: 5000, allowedOrigins: [allowed.origin, target.origin] });
    expect(ok.size).toBe(10 * MiB);
    expect((await ok.read([{ offset: 5 * MiB, length: 100 }]))[0]).toHaveLength(100);
    expect((await openHttpSource(`${allowed.origin}/x.tif`, { timeoutMs: 5000 })).size).toBe(10 * MiB);
  });

  it('a redirect loop stops after a few hops', async () => {
    const loop = await start((req, res) => void res.writeHead(307, { Location: '/again' }).end());
    const err = await fail(openHttpSource(`${loop.origin}/x.tif`, { timeoutMs: 5000 }));
    expect(err.message).toMatch(/more than 5 redirects/);
    expect(loop.requests).toBe(6);
  });

  it('(b) a 206 answer far larger than the range asked for is aborted mid-stream', async () => {
    // No Content-Length (chunked): the reader must count.
    const chunked = await start((req, res, self) => {
      res.writeHead(206, { 'Content-Range': `bytes 0-65535/${HUGE}` });
      streamHuge(res, self);
    });
    const err = await fail(openHttpSource(`${chunked.origin}/x.tif`, { timeoutMs: 60_000 }));
    expect(err).toBeInstanceOf(SatError);
    expect(err.message).toMatch(/asked for 65536 bytes and the server sent more/);
    await new Promise((r) => setTimeout(r, 50)); // let the server see the close
    expect(chunked.sent).toBeLessThan(32 * MiB); // far below the 1.5 GiB body: memory stays bounded
    expect(chunked.sent).toBeGreaterThan(0);

    // A declared Content-Length over the range is refused before reading the body.
    const declared = await start((req, res, self) => {
      res.writeHead(206, { 'Content-Range': `bytes 0-65535/${HUGE}`, 'Content-Length': HUGE });
      streamHuge(res, self);
    });
    expect((await fail(openHttpSource(`${declared.origin}/x.tif`, { timeoutMs: 60_000 }))).message).toMatch(/sent more/);
    await new Promise((r) => setTimeout(r, 50));
    expect(declared.sent).toBeLessThan(32 * MiB);

    // The same for a later block read, after a well-behaved header.
    const later = await start((req, res, self) => {
      if (req.headers.range === 'bytes=0-65535') return answerRange(req, res);
      res.writeHead(206, { 'Content-Range': `bytes ${5 * MiB}-${5 * MiB + 999}/${10 * MiB}` });
      streamHuge(res, self);
    });
    const src = await openHttpSource(`${later.origin}/x.tif`, { timeoutMs: 60_000 });
    expect((await fail(src.read([{ offset: 5 * MiB, length: 1000 }]))).message).toMatch(/\(1000 bytes\) and the server sent more/);
    await new Promise((r) => setTimeout(r, 50));
    expect(later.sent).toBeLessThan(32 * MiB);
  });

  it('(c) another port of an allowed host is refused before connecting', async () => {
    const allowed = await start((req, res) => answerRange(req, res));
    const other = await start((req, res) => answerRange(req, res));
    const err = await fail(openHttpSource(`${other.origin}/x.tif`, { timeoutMs: 5000, allowedOrigins: [allowed.origin] }));
    expect(err.code).toBe('E_INPUT');
    expect(err.message).toBe(`${other.origin}/x.tif: ${other.origin} is not an allowed origin`);
    expect(other.requests).toBe(0);
    // A bare host name means https on 443: it does not allow http on any port.
    expect((await fail(openHttpSource(`${allowed.origin}/x.tif`, { timeoutMs: 5000, allowedOrigins: ['127.0.0.1'] }))).code).toBe('E_INPUT');
    expect(allowed.requests).toBe(0);
  });

  it('(d) a 200 answer with a huge full body to a range request is refused past the full-download limit', async () => {
    const chunked = await start((req, res, self) => {
      res.writeHead(200);
      streamHuge(res, self);
    });
    const err = await fail(openHttpSource(`${chunked.origin}/x.tif`, { timeoutMs: 60_000, maxFullDownloadBytes: MiB }));
    expect(err.message).toMatch(/does not support HTTP range requests and the file is larger than 1048576 bytes \(limit for a full download: 1048576 bytes\)/);
    await new Promise((r) => setTimeout(r, 50));
    expect(chunked.sent).toBeLessThan(32 * MiB);

    const declared = await start((req, res, self) => {
      res.writeHead(200, { 'Content-Length': HUGE });
      streamHuge(res, self);
    });
    expect((await fail(openHttpSource(`${declared.origin}/x.tif`, { timeoutMs: 60_000 }))).message).toMatch(
      new RegExp(`the file is ${HUGE} bytes \\(limit for a full download: ${64 * MiB} bytes\\)`),
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(declared.sent).toBeLessThan(32 * MiB);
  });

  it('a body that trickles hits the timeout (it covers the body, not only the headers)', async () => {
    const timers: NodeJS.Timeout[] = [];
    const trickle = await start((req, res) => {
      res.writeHead(206, { 'Content-Range': `bytes 0-65535/${10 * MiB}`, 'Content-Length': 65536 });
      const t = setInterval(() => res.write('x'), 20);
      timers.push(t);
      res.on('close', () => clearInterval(t));
    });
    try {
      const err = await fail(openHttpSource(`${trickle.origin}/x.tif`, { timeoutMs: 300 }));
      expect(err.message).toMatch(/no complete answer within 300 ms/);
    } finally {
      timers.forEach(clearInterval);
    }
  });

  it('with an allow-list, failures do not reveal what answered; without one (the CLI) they do', async () => {
    const missing = await start((req, res) => void res.writeHead(404).end('not here'));
    const withheld = await fail(openHttpSource(`${missing.origin}/x.tif`, { timeoutMs: 5000, allowedOrigins: [missing.origin] }));
    expect(withheld.message).toBe(`${missing.origin}/x.tif could not be read as a GeoTIFF over http(s) (status and connection details withheld)`);
    expect(withheld.message).not.toMatch(/404/);

    // A closed port of an allowed origin fails with the very same message.
    const closed = await start(() => {});
    const closedOrigin = closed.origin;
    await servers.pop()!.close();
    const refused = await fail(openHttpSource(`${closedOrigin}/x.tif`, { timeoutMs: 5000, allowedOrigins: [closedOrigin] }));
    expect(refused.message).toBe(`${closedOrigin}/x.tif could not be read as a GeoTIFF over http(s) (status and connection details withheld)`);

    expect((await fail(openHttpSource(`${missing.origin}/x.tif`, { timeoutMs: 5000 }))).message).toMatch(/HTTP 404/);
  });
});
