/**
 * The workers' processors called directly (no Worker, no flow running): stage by stage they publish what `sat run`
 * publishes, and they turn bad input, cancelled and unknown jobs into failures BullMQ does not retry.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UnrecoverableError, type Job as BullJob } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobSpecSchema, resolveJobPaths } from '../../pipeline/jobs/job-spec.js';
import { jobStore } from '../../pipeline/service/job-store.js';
import { submitJob } from '../../pipeline/service/submit-job.js';
import { JOB_STAGES } from '../../pipeline/stages/index.js';
import { runJob } from '../../pipeline/workflows/run-job.js';
import { createProcessors } from '../../workers/processors.js';
import { makeServiceData, removeDir, serviceJob, ServiceFixture, tempDir } from '../helpers/service-fixture.js';
import { readJobPlan } from '../../pipeline/jobs/job-plan.js';
import { JobDir } from '../../pipeline/jobs/job-dir.js';

const dir = tempDir('processors');
const data = path.join(dir, 'data');
let service: ServiceFixture;
let processors: ReturnType<typeof createProcessors>;

beforeAll(async () => {
  await makeServiceData(data, 192);
  service = new ServiceFixture(path.join(dir, 'service'), data);
  processors = createProcessors(service.ctx);
});
afterAll(async () => {
  await processors?.close();
  await service?.close();
  removeDir(dir);
});

/** What a processor reads of a BullMQ job. */
const bullJob = (data: object) => ({ data, opts: {}, timestamp: Date.now(), updateProgress: async () => {} }) as unknown as BullJob;
const run = (queue: string, data: object) => (processors.processors as Record<string, (j: BullJob) => Promise<unknown>>)[queue](bullJob(data));

describe('stage processors', () => {
  it('run stage by stage, they publish the statistics sat run publishes', async () => {
    const { id } = await submitJob(service.ctx, 'alice', serviceJob());
    for (const stage of JOB_STAGES) {
      if (stage.per === 'tile') for (const tile of readJobPlan(new JobDir(service.ctx.jobDir(id, 'work'))).tiles) await run(stage.name, { jobId: id, tile });
      else await run(stage.name, { jobId: id });
    }
    const spec = resolveJobPaths(JobSpecSchema.parse({ ...serviceJob(), out: path.join(dir, 'in-process') }), (p) => path.resolve(data, p));
    await runJob(spec, JSON.stringify(serviceJob()), service.settings, () => {});
    for (const f of ['statistics/regions.csv', 'statistics/sdmx.csv', 'statistics/assessment.json', 'stac-item.json', 'prediction/classes.tif']) {
      expect(readFileSync(path.join(service.ctx.jobDir(id, 'out'), f)).equals(readFileSync(path.join(dir, 'in-process', f))), f).toBe(true);
    }
    // Every stage recorded its CPU seconds; a stage of a published job does nothing.
    expect(Object.keys(await jobStore.cpuSeconds(service.ctx, id)).sort()).toEqual(JOB_STAGES.map((s) => s.name).sort());
    await expect(run('aggregate', { jobId: id })).resolves.toBeUndefined();
  });

  it('bad input fails at once with its reason; cancelled and unknown jobs are not retried', async () => {
    const bad = await submitJob(service.ctx, 'alice', serviceJob({ imagery: 'scene/truth.tif' }));
    const failure = run('ingest', { jobId: bad.id });
    await expect(failure).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(failure).rejects.toThrow(/needs band\(s\) 2, 3, 4, 5, 6 but scene\/truth\.tif has 1 band|needs band\(s\) 2, 3, 4, 5, 6 but .*truth\.tif has 1 band/);

    const cancelled = await submitJob(service.ctx, 'alice', serviceJob());
    await jobStore.markCancelled(service.ctx, cancelled.id);
    await expect(run('ingest', { jobId: cancelled.id })).rejects.toThrow(UnrecoverableError);
    await expect(run('prepare', { jobId: 'no-such-job', tile: 'r0000c0000' })).rejects.toThrow(/job no-such-job is not known to the service/);
  });
});
