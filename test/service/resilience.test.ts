/**
 * Nothing is lost when a worker is killed (SIGKILL) mid-classification or Redis restarts mid-run: stalled stage
 * jobs are picked up by other workers, stages are idempotent, and the statistics are those of an undisturbed run.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { JobSpecSchema, resolveJobPaths } from '../../pipeline/jobs/job-spec.js';
import { runJob } from '../../pipeline/workflows/run-job.js';
import { freePort, startRedis } from '../helpers/redis-server.js';
import { makeServiceData, removeDir, serviceJob, ServiceFixture, tempDir } from '../helpers/service-fixture.js';

const dir = tempDir('resilience');
const data = path.join(dir, 'data');
const reference = path.join(dir, 'reference');
const STATISTICS = ['statistics/regions.csv', 'statistics/sdmx.csv', 'statistics/assessment.json', 'prediction/classes.tif'];
const fixtures: ServiceFixture[] = [];
let redis: ChildProcess | null = null;

beforeAll(async () => {
  await makeServiceData(data, 384);
  // The undisturbed run, in one process, on the service's settings.
  const service = new ServiceFixture(path.join(dir, 'settings-only'), data);
  fixtures.push(service);
  const spec = resolveJobPaths(JobSpecSchema.parse({ ...serviceJob(), out: reference }), (p) => path.resolve(data, p));
  await runJob(spec, '', service.settings, () => {});
});

afterAll(async () => {
  for (const f of fixtures) await f.close().catch(() => {});
  if (redis && redis.exitCode === null) {
    redis.kill('SIGTERM');
    await new Promise((r) => redis!.once('exit', r));
  }
  removeDir(dir);
});

const sameStatistics = (service: ServiceFixture, id: string) => {
  for (const f of STATISTICS) expect(readFileSync(path.join(service.ctx.jobDir(id, 'out'), f)).equals(readFileSync(path.join(reference, f))), f).toBe(true);
};

it('a classify worker killed with SIGKILL mid-job: a new worker takes over and the job finishes with the same statistics', async () => {
  const service = new ServiceFixture(path.join(dir, 'kill'), data);
  fixtures.push(service);
  await service.startApi();
  service.startWorker('cpu');
  const doomed = service.startWorker('classify', 2);
  const job = await service.submit(serviceJob());
  // The first classify jobs stay active while the worker loads the model: kill it then.
  const classify = service.ctx.queue('classify');
  await service.until('a classify job active', async () => (await classify.getActiveCount()) > 0, 10);
  doomed.kill('SIGKILL');
  await new Promise((r) => doomed.once('exit', r));
  expect(await classify.getActiveCount()).toBeGreaterThan(0); // held by a dead worker
  service.startWorker('classify', 2);
  const [done] = await service.waitFor([job.id]);
  expect(done.error).toBeNull();
  expect(done.state).toBe('completed');
  sameStatistics(service, job.id);
});

it('a worker stopped with SIGTERM finishes the stage jobs it holds, exits cleanly, and the job completes elsewhere', async () => {
  const service = new ServiceFixture(path.join(dir, 'sigterm'), data);
  fixtures.push(service);
  await service.startApi();
  const stopping = service.startWorker('all', 2);
  const job = await service.submit(serviceJob());
  const queues = service.ctx.allQueues();
  await service.until('a stage job active', async () => (await Promise.all(queues.map((q) => q.getActiveCount()))).some((n) => n > 0), 10);
  stopping.kill('SIGTERM');
  const code = await new Promise((r) => stopping.once('exit', r));
  expect(code).toBe(0);
  // Nothing left locked by the stopped worker: no job waits for a lock to lapse.
  expect((await Promise.all(queues.map((q) => q.getActiveCount()))).every((n) => n === 0)).toBe(true);
  service.startWorker('all', 2);
  const [done] = await service.waitFor([job.id]);
  expect(done.state).toBe('completed');
  sameStatistics(service, job.id);
});

it('Redis restarted (append-only file) mid-run loses no job', async () => {
  const port = await freePort();
  const redisDir = path.join(dir, 'redis');
  mkdirSync(redisDir, { recursive: true });
  redis = await startRedis(port, redisDir);
  const service = new ServiceFixture(path.join(dir, 'restart'), data, { redisUrl: `redis://127.0.0.1:${port}` });
  fixtures.push(service);
  await service.startApi();
  service.startWorker('all', 2);
  const jobs = await Promise.all([1, 2, 3].map(() => service.submit(serviceJob())));
  // Wait until work is under way, then kill Redis outright and start it again on the same files.
  const before = await service.until('a job under way', async () => {
    const all = await Promise.all(jobs.map((j) => service.status(j.id)));
    return all.some((s) => s.progress > 0) && all;
  }, 20);
  redis.kill('SIGKILL');
  expect(before.filter((s) => s.state !== 'completed').length).toBeGreaterThan(0); // killed mid-run
  await new Promise((r) => redis!.once('exit', r));
  await new Promise((r) => setTimeout(r, 1000));
  redis = await startRedis(port, redisDir);
  const done = await service.waitFor(jobs.map((j) => j.id));
  expect(done.map((s) => [s.state, s.error])).toEqual(jobs.map(() => ['completed', null]));
  for (const j of jobs) sameStatistics(service, j.id);
});
