/** Imagery from an allow-listed http(s) host is read with range requests and gives the statistics of the local file. */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeServiceData, removeDir, serviceJob, ServiceFixture, tempDir } from '../helpers/service-fixture.js';

const dir = tempDir('url-input');
const data = path.join(dir, 'data');
let service: ServiceFixture;
let server: Server;
let ranges = 0;

beforeAll(async () => {
  await makeServiceData(data, 256);
  server = createServer((req, res) => {
    const file = path.join(data, 'scene', path.basename(req.url!));
    const size = statSync(file).size;
    const m = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
    if (!m) return void res.writeHead(200, { 'Content-Length': size }).end(readFileSync(file));
    ranges++;
    const [start, end] = [Number(m[1]), Math.min(m[2] ? Number(m[2]) : size - 1, size - 1)];
    res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': end - start + 1 });
    createReadStream(file, { start, end }).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // The allow-list names scheme, host and port: a bare '127.0.0.1' would mean https://127.0.0.1:443.
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  service = new ServiceFixture(path.join(dir, 'service'), data, { service: { allowedHosts: [origin] } });
  await service.startApi();
  service.startWorker();
});
afterAll(async () => {
  await service?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  removeDir(dir);
});

it('a job over http imagery from an allowed host matches the same job on the local file', async () => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scene.tif`;
  const [remote, local] = await Promise.all([service.submit(serviceJob({ imagery: url })), service.submit(serviceJob())]);
  const done = await service.waitFor([remote.id, local.id]);
  expect(done.map((s) => [s.state, s.error])).toEqual([['completed', null], ['completed', null]]);
  expect(ranges).toBeGreaterThan(0);
  const file = (id: string, f: string) => readFileSync(path.join(service.ctx.jobDir(id, 'out'), f), 'utf8');
  for (const f of ['statistics/regions.csv', 'statistics/sdmx.csv', 'statistics/assessment.json']) expect(file(remote.id, f), f).toBe(file(local.id, f));
  const manifest = JSON.parse(file(remote.id, 'manifest.json'));
  expect(manifest.inputs.imagery).toMatchObject({ file: url, sha256: null });
});

it('imagery on another port of the allowed host, or with another scheme, is refused at submission', async () => {
  const port = (server.address() as AddressInfo).port;
  for (const url of [`http://127.0.0.1:${port + 1}/scene.tif`, `https://127.0.0.1:${port}/scene.tif`, `http://localhost:${port}/scene.tif`]) {
    await expect(service.submit(serviceJob({ imagery: url })), url).rejects.toThrow(/submit: 400 .*is not an allowed input host for http.*scheme, host and port must match/);
  }
});
