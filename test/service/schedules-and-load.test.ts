/** Schedules that fire repeatedly and grow a time series; a burst of 100 jobs that all complete. */
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeServiceData, removeDir, serviceJob, ServiceFixture, tempDir, TOKENS } from '../helpers/service-fixture.js';

const dir = tempDir('schedules');
const data = path.join(dir, 'data');
let service: ServiceFixture;

beforeAll(async () => {
  await makeServiceData(data, 128);
  service = new ServiceFixture(path.join(dir, 'service'), data);
  await service.startApi();
  service.startWorker('all', 4);
  service.startWorker('all', 4);
});
afterAll(async () => {
  await service?.close();
  removeDir(dir);
});

it('a schedule fires repeatedly, each run over the days before it fired, its runs grow a time series (JSON, CSV, SDMX-CSV), and deleting it stops it', async () => {
  const { period: _p, ...spec } = serviceJob();
  // A period and periodDays together are refused; each run's period is the 2 days ending on the day it fired.
  const both = await service.fetch('/schedules', { body: { spec: serviceJob(), every: 1500, periodDays: 2 } });
  expect(both.status).toBe(400);
  expect(await both.text()).toMatch(/periodDays: give the spec a period or periodDays, not both/);
  const created = await service.fetch('/schedules', { body: { spec, every: 1500, periodDays: 2 } });
  expect(created.status).toBe(201);
  const schedule = (await created.json()) as { id: string };
  expect(((await (await service.fetch('/schedules')).json()) as { id: string }[]).map((s) => s.id)).toContain(schedule.id);
  expect((await service.fetch(`/schedules/${schedule.id}/series`, { token: TOKENS.bob })).status).toBe(404);

  const series = async () => (await (await service.fetch(`/schedules/${schedule.id}/series?region=R01&indicator=area&class=forest`)).json()) as { job: string; fired: string; period: string; estimate: number | null; mapped: number }[];
  let points = await series();
  const sizes = [points.length];
  points = await service.until('3 runs in the series', async () => {
    const now = await series();
    if (now.length !== sizes.at(-1)) sizes.push(now.length);
    return now.length >= 3 && now;
  }, 250);
  expect(sizes).toEqual([...sizes].sort((a, b) => a - b)); // only ever grows
  expect(new Set(points.map((p) => p.job)).size).toBe(points.length); // one point per run
  expect(points.map((p) => p.fired)).toEqual([...points.map((p) => p.fired)].sort());
  // The 2 days ending on the day each run fired.
  const dayBefore = (fired: string) => new Date(Date.parse(fired.slice(0, 10)) - 86_400_000).toISOString().slice(0, 10);
  expect(points.every((p) => p.period === `${dayBefore(p.fired)}/${p.fired.slice(0, 10)}`)).toBe(true);
  // Same inputs each run: the same numbers.
  expect(new Set(points.map((p) => p.mapped)).size).toBe(1);

  const csv = await (await service.fetch(`/schedules/${schedule.id}/series?format=csv&region=R01`)).text();
  expect(csv.split('\r\n')[0]).toMatch(/^job,fired,period,region,indicator,class,/);
  const sdmx = (await (await service.fetch(`/schedules/${schedule.id}/series?format=sdmx&region=R01&class=forest`)).text()).trimEnd().split('\r\n');
  expect(sdmx[0]).toMatch(/^STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,LAND_COVER,STAT_MEASURE,UNIT_MEASURE,TIME_PERIOD,OBS_VALUE/);
  expect(sdmx.filter((l) => l.includes(',AREA_MAPPED,')).length).toBeGreaterThanOrEqual(3);
  expect(new Set(sdmx.slice(1).map((l) => l.split(',')[8])).size).toBeGreaterThanOrEqual(3); // one TIME_PERIOD per run

  expect((await service.fetch(`/schedules/${schedule.id}`, { method: 'DELETE' })).status).toBe(204);
  const runs = async () => (await service.ctx.redis.zcard(service.ctx.key('schedule', schedule.id, 'runs')));
  const after = await runs();
  await new Promise((r) => setTimeout(r, 3000));
  expect(await runs()).toBe(after);
  expect(((await (await service.fetch('/schedules')).json()) as unknown[]).length).toBe(0);
});

it('100 jobs submitted at once all complete', async () => {
  const submitted = await Promise.all(Array.from({ length: 100 }, (_, k) => service.submit(serviceJob({ name: `burst-${k}`, seed: k + 1, reference: undefined }))));
  expect(new Set(submitted.map((s) => s.id)).size).toBe(100);
  const done = await service.waitFor(submitted.map((s) => s.id));
  expect(done.filter((s) => s.state !== 'completed').map((s) => `${s.id}: ${s.state} ${s.error}`)).toEqual([]);
});
