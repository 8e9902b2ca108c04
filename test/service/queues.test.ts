/** The service's queues and flows, built from the stage list (no Redis needed). */
import type { FlowJob } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { parseQueueList, QUEUE_GROUPS, QUEUES, stageFlow, stageJobs } from '../../pipeline/service/queues.js';
import { JOB_STAGES } from '../../pipeline/stages/index.js';

/** The flow as nested "queue:id" strings, children sorted. */
function shape(node: FlowJob): unknown {
  return { [`${node.queueName}:${node.opts?.jobId}`]: (node.children ?? []).map(shape) };
}

describe('service queues', () => {
  it('one queue per stage, in pipeline order, and one where schedules fire; GPU workers take the model stages', () => {
    expect(QUEUES).toEqual([...JOB_STAGES.map((s) => s.name), 'schedules']);
    expect(QUEUE_GROUPS.model).toEqual(['classify']);
    expect(QUEUE_GROUPS.cpu).toEqual(['ingest', 'prepare', 'stitch', 'aggregate', 'assess', 'publish', 'schedules']);
    expect(parseQueueList('cpu,classify')).toEqual([...QUEUE_GROUPS.cpu, 'classify']);
    expect(parseQueueList('all')).toEqual([...QUEUES]);
    expect(() => parseQueueList('export')).toThrow(/unknown queue\(s\) export: choose from ingest, prepare, classify, stitch, aggregate, assess, publish, schedules or the groups all, model, cpu/);
  });

  it('the flow after ingest: publish ← assess ← aggregate ← stitch ← classify(tile) ← prepare(tile), children failing their parents', () => {
    const flow = stageFlow('j1', ['r0000c0000', 'r0000c0001'], 3, 100);
    const tile = (t: string) => ({ [`classify:j1.classify.${t}`]: [{ [`prepare:j1.prepare.${t}`]: [] }] });
    expect(shape(flow)).toEqual({
      'publish:j1.publish': [{ 'assess:j1.assess': [{ 'aggregate:j1.aggregate': [{ 'stitch:j1.stitch': [tile('r0000c0000'), tile('r0000c0001')] }] }] }],
    });
    expect(flow.children![0].opts).toMatchObject({ failParentOnFailure: true, attempts: 3 });
    expect(flow.children![0].children![0].children![0].children![1].children![0].data).toEqual({ jobId: 'j1', tile: 'r0000c0001' });
  });

  it("lists a job's stage jobs with the ids the flow gives them", () => {
    const jobs = stageJobs('j1', ['r0000c0000']);
    expect(jobs.map((j) => [j.stage.name, j.ids])).toEqual([
      ['ingest', ['j1.ingest']],
      ['prepare', ['j1.prepare.r0000c0000']],
      ['classify', ['j1.classify.r0000c0000']],
      ['stitch', ['j1.stitch']],
      ['aggregate', ['j1.aggregate']],
      ['assess', ['j1.assess']],
      ['publish', ['j1.publish']],
    ]);
  });
});
