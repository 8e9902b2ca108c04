/**
 * The API's perimeter: tokens, result names, finished jobs, pages of jobs, schedule limits, response headers,
 * failure reasons without server paths, and answers (503) while Redis is down. No worker runs here: jobs stay queued.
 */
import type { ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, renameSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTokenList } from '../../pipeline/config/settings.js';
import { publicReason } from '../../pipeline/service/job-status.js';
import type { ServiceContext } from '../../pipeline/service/service-context.js';
import { freePort, startRedis } from '../helpers/redis-server.js';
import { makeServiceData, removeDir, serviceJob, ServiceFixture, tempDir, TOKENS } from '../helpers/service-fixture.js';

const dir = tempDir('perimeter');
const data = path.join(dir, 'data');
const CAROL = 'Y2Fyb2wtdG9rZW4tMTIzNDU2Nzg5MA==';
let service: ServiceFixture;
let redis: ChildProcess | null = null;
const fixtures: ServiceFixture[] = [];

beforeAll(async () => {
  await makeServiceData(data, 128);
  service = new ServiceFixture(path.join(dir, 'service'), data, { service: { minScheduleIntervalMs: 60_000, maxSchedulesPerOwner: 2, tokens: { ...TOKENS, carol: CAROL } } });
  fixtures.push(service);
  await service.startApi();
});
afterAll(async () => {
  for (const f of fixtures) await f.close();
  redis?.kill('SIGKILL');
  removeDir(dir);
});

describe('tokens', () => {
  it('a token is everything after the first "=" of SAT_API_TOKENS, and only the whole token is accepted', async () => {
    expect(parseTokenList(`alice=abc==,bob=x=y=z, carol=${CAROL}`)).toEqual({ alice: 'abc==', bob: 'x=y=z', carol: CAROL });
    expect(() => parseTokenList('just-a-token')).toThrow(/each entry is name=token/);
    expect((await service.fetch('/jobs', { token: CAROL })).status).toBe(200);
    expect((await service.fetch('/jobs', { token: CAROL.slice(0, 16) })).status).toBe(401);
    expect((await service.fetch('/jobs', { token: `${CAROL}x` })).status).toBe(401);
  });
});

describe('jobs', () => {
  it('result names that are Object properties are unknown results (404), not errors', async () => {
    const job = await service.submit(serviceJob());
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      const res = await service.fetch(`/jobs/${job.id}/results/${name}`);
      expect(res.status, name).toBe(404);
      expect(((await res.json()) as { error: string }).error).toMatch(new RegExp(`no result named ${name.replace(/_/g, '_')}`));
    }
  });

  it('cancelling a job that is no longer queued or running is refused; it stays as it was', async () => {
    const job = await service.submit(serviceJob({ seed: 2 }));
    expect(((await (await service.fetch(`/jobs/${job.id}`, { method: 'DELETE' })).json()) as { state: string }).state).toBe('cancelled');
    const again = await service.fetch(`/jobs/${job.id}`, { method: 'DELETE' });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: string }).error).toMatch(/is cancelled: nothing to cancel \(\?purge=true deletes it\)/);
  });

  it('lists jobs a page at a time, newest first, with the total and a link to the next page', async () => {
    const other = new ServiceFixture(path.join(dir, 'pages'), data);
    fixtures.push(other);
    await other.startApi();
    const ids: string[] = [];
    for (const seed of [1, 2, 3]) ids.push((await other.submit(serviceJob({ seed }))).id);
    const first = await other.fetch('/jobs?limit=2');
    expect(first.headers.get('x-total-count')).toBe('3');
    expect(first.headers.get('link')).toBe('</jobs?offset=2&limit=2>; rel="next"');
    expect(((await first.json()) as { id: string }[]).map((j) => j.id)).toEqual([ids[2], ids[1]]);
    const last = await other.fetch('/jobs?offset=2&limit=2');
    expect(last.headers.get('link')).toBeNull();
    expect(((await last.json()) as { id: string }[]).map((j) => j.id)).toEqual([ids[0]]);
    expect((await other.fetch('/jobs?offset=-1')).status).toBe(400);
  });

  it('failure reasons name inputs as the user wrote them, never server paths or file contents', () => {
    const ctx = { dataRoots: [data], artifactsDir: path.join(dir, 'service', 'artifacts') } as unknown as ServiceContext;
    expect(publicReason(ctx, `${data}/scene/corrupt.tif: not a TIFF`)).toBe('scene/corrupt.tif: not a TIFF');
    expect(publicReason(ctx, `${data}: is a directory`)).toBe('(data root): is a directory');
    expect(publicReason(ctx, `${ctx.artifactsDir}/jobs/x/work/stages/plan.json has no tile plan`)).toBe('plan.json has no tile plan');
    expect(publicReason(ctx, 'cannot open /etc/secret/file.json')).toBe('cannot open file.json');
  });

  it('a model folder whose files lead out of the data roots (symbolic links) is refused', async () => {
    const outside = path.join(dir, 'outside');
    mkdirSync(outside, { recursive: true });
    cpSync(path.join(data, 'model'), path.join(data, 'linked-model'), { recursive: true });
    renameSync(path.join(data, 'linked-model', 'weights.bin'), path.join(outside, 'weights.bin'));
    symlinkSync(path.join(outside, 'weights.bin'), path.join(data, 'linked-model', 'weights.bin'));
    const res = await service.fetch('/jobs', { body: serviceJob({ model: 'linked-model' }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('model: linked-model/weights.bin resolves (through a symbolic link) outside the data roots');
  });
});

describe('schedules', () => {
  it('are refused when they would run more often than the service allows, or one token has too many', async () => {
    const spec = serviceJob();
    const create = (body: object) => service.fetch('/schedules', { body: { spec, ...body } });
    for (const body of [{ cron: '*/10 * * * * *' }, { cron: '* * * * * *' }, { every: 30_000 }]) {
      const res = await create(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/less than the 60 s this service allows \(service\.minScheduleIntervalMs\)/);
    }
    expect(((await (await create({ cron: 'every day' })).json()) as { error: string }).error).toMatch(/cron 'every day'/);
    expect((await create({ cron: '0 3 * * *' })).status).toBe(201);
    expect((await create({ every: 3_600_000 })).status).toBe(201);
    const third = await create({ every: 3_600_000 });
    expect(third.status).toBe(400);
    expect(((await third.json()) as { error: string }).error).toMatch(/you have 2 schedules, the most one token may have/);
  });
});

describe('headers', () => {
  it('no sniffing, no caching of authenticated answers, and results (the HTML report) may run nothing', async () => {
    const res = await service.fetch('/jobs');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const job = await service.submit(serviceJob({ seed: 5 }));
    const report = await service.fetch(`/jobs/${job.id}/results/report.html`);
    expect(report.headers.get('content-security-policy')).toMatch(/default-src 'none'.*sandbox/);
  });
});

describe('Redis down', () => {
  it('the API answers 503 instead of hanging, and recovers when Redis is back', async () => {
    const port = await freePort();
    const redisDir = path.join(dir, 'redis');
    mkdirSync(redisDir, { recursive: true });
    redis = await startRedis(port, redisDir);
    const down = new ServiceFixture(path.join(dir, 'down'), data, { redisUrl: `redis://127.0.0.1:${port}` });
    fixtures.push(down);
    await down.startApi();
    const job = await down.submit(serviceJob());
    redis.kill('SIGKILL');
    await new Promise((r) => redis!.once('exit', r));
    const health = await down.fetch('/health', { token: null });
    expect([health.status, await health.json()]).toEqual([503, { ok: false }]);
    for (const route of ['/jobs', `/jobs/${job.id}`]) {
      const res = await down.fetch(route);
      expect(res.status, route).toBe(503);
      expect(((await res.json()) as { error: string }).error).toMatch(/Redis\) is unavailable/);
    }
    expect((await down.fetch('/jobs', { body: serviceJob() })).status).toBe(503);
    redis = await startRedis(port, redisDir);
    await down.until('the API back', async () => (await down.fetch('/health', { token: null })).status === 200, 100);
    const back = await down.until('the job store back', async () => {
      const res = await down.fetch(`/jobs/${job.id}`);
      return res.status === 200 && ((await res.json()) as { state: string });
    }, 100);
    expect(back.state).toBe('queued');
  });
});
