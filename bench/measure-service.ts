/**
 * Service throughput, beside its reference: the same small-AOI job run in one process (`sat run`'s runJob), one
 * after another. Measures API submissions per second (no worker running: the cost of validating, recording and
 * queueing a job) and completed jobs per minute with 1 and 2 worker processes (`sat worker`, all queues).
 * Uses its own key prefix on REDIS_URL (default 127.0.0.1:6379) and deletes it afterwards. Prints one JSON line.
 */
import path from 'node:path';
import { JobSpecSchema, resolveJobPaths } from '../pipeline/jobs/job-spec.js';
import { runJob } from '../pipeline/workflows/run-job.js';
import { makeServiceData, removeDir, serviceJob, ServiceFixture, tempDir } from '../test/helpers/service-fixture.js';

const JOBS = Number(process.env.BENCH_SERVICE_JOBS ?? 40);
const dir = tempDir('bench-service');
const data = path.join(dir, 'data');
await makeServiceData(data, 128);
const job = (k: number) => serviceJob({ name: `bench-${k}`, seed: k + 1 });

const result: Record<string, number> = {};
const reference = new ServiceFixture(path.join(dir, 'reference'), data);
try {
  // Reference: in-process, sequential.
  const started = performance.now();
  for (let k = 0; k < 10; k++) {
    const spec = resolveJobPaths(JobSpecSchema.parse({ ...job(k), out: path.join(dir, 'in-process', String(k)) }), (p) => path.resolve(data, p));
    await runJob(spec, '', reference.settings, () => {});
  }
  result.inProcessJobsPerMinute = (10 / (performance.now() - started)) * 60_000;
} finally {
  await reference.close();
}

for (const workers of [0, 1, 2]) {
  const service = new ServiceFixture(path.join(dir, `service-${workers}`), data);
  try {
    await service.startApi();
    if (workers === 0) {
      const n = 200;
      const started = performance.now();
      await Promise.all(Array.from({ length: n }, (_, k) => service.submit(job(k))));
      result.submissionsPerSecond = n / ((performance.now() - started) / 1000);
      continue;
    }
    for (let w = 0; w < workers; w++) service.startWorker('all', 4);
    // Warm up (workers load the model once), then measure a burst.
    await service.waitFor([(await service.submit(job(999))).id]);
    const started = performance.now();
    const ids = (await Promise.all(Array.from({ length: JOBS }, (_, k) => service.submit(job(k))))).map((s) => s.id);
    const done = await service.waitFor(ids);
    if (done.some((s) => s.state !== 'completed')) throw new Error(`jobs failed: ${done.filter((s) => s.state !== 'completed').map((s) => s.error).join('; ')}`);
    result[`jobsPerMinute${workers}Worker${workers > 1 ? 's' : ''}`] = (JOBS / (performance.now() - started)) * 60_000;
  } finally {
    await service.close();
  }
}
removeDir(dir);
console.log(JSON.stringify(result));
