/** The queued service over real Redis: jobs over the API, their results, bad input beside good jobs, security. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { resolveJobPaths, JobSpecSchema } from '../../pipeline/jobs/job-spec.js';
import { runJob } from '../../pipeline/workflows/run-job.js';
import { deflateSync } from 'node:zlib';
import { TIFF_TYPE } from '../../pipeline/raster/tiff-directory.js';
import { craftTiff, projectedGeoKeys, TAG } from '../helpers/craft-tiff.js';
import { repoRoot } from '../helpers/shared-data.js';
import { purgeExpiredJobs } from '../../pipeline/service/retention.js';
import { makeServiceData, removeDir, serviceJob, ServiceFixture, tempDir, TOKENS } from '../helpers/service-fixture.js';

const dir = tempDir('service');
const data = path.join(dir, 'data');
let service: ServiceFixture;

beforeAll(async () => {
  await makeServiceData(data);
  service = new ServiceFixture(path.join(dir, 'service'), data);
  await service.startApi();
  service.startWorker();
});
afterAll(async () => {
  await service?.close();
  removeDir(dir);
});

const STATISTICS = ['statistics/regions.csv', 'statistics/regions.json', 'statistics/regions.geojson', 'statistics/sdmx.csv', 'statistics/assessment.json', 'stac-item.json', 'prediction/classes.tif'];

describe('jobs over the API', () => {
  it('a submitted job completes through every stage with statistics identical to sat run', async () => {
    const submitted = await service.submit(serviceJob());
    expect(submitted.state).toMatch(/queued|running/);
    const [done] = await service.waitFor([submitted.id]);
    expect(done.error).toBeNull();
    expect(done.state).toBe('completed');
    expect(done.progress).toBe(1);
    expect(done.results).toEqual(expect.arrayContaining(['statistics.csv', 'sdmx.csv', 'regions.geojson', 'classes.tif', 'report.html']));

    // The same job in one process, on the same settings (tile size included).
    const spec = resolveJobPaths(JobSpecSchema.parse({ ...serviceJob(), out: path.join(dir, 'in-process') }), (p) => path.resolve(data, p));
    await runJob(spec, JSON.stringify(serviceJob()), service.settings, () => {});
    const queued = service.ctx.jobDir(submitted.id, 'out');
    for (const f of STATISTICS) expect(readFileSync(path.join(queued, f)).equals(readFileSync(path.join(dir, 'in-process', f))), f).toBe(true);

    // Downloads: by result name, with the file's type; the manifest records the stages and their cost.
    const csv = await service.fetch(`/jobs/${submitted.id}/results/statistics.csv`);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(await csv.text()).toBe(readFileSync(path.join(queued, 'statistics/regions.csv'), 'utf8'));
    const sdmx = await (await service.fetch(`/jobs/${submitted.id}/results/sdmx.csv`)).text();
    expect(sdmx.startsWith('STRUCTURE,STRUCTURE_ID,ACTION,')).toBe(true);
    const manifest = JSON.parse(await (await service.fetch(`/jobs/${submitted.id}/results/manifest.json`)).text());
    expect(Object.keys(manifest.stageSeconds)).toEqual(['ingest', 'prepare', 'classify', 'stitch', 'aggregate', 'assess', 'publish']);
    expect(manifest.cpuSeconds).toBeGreaterThan(0);
    const list = (await (await service.fetch('/jobs')).json()) as { id: string }[];
    expect(list.map((j) => j.id)).toContain(submitted.id);
  });

  it('a job with bad input fails with its reason while the jobs beside it complete', async () => {
    writeFileSync(path.join(data, 'corrupt.tif'), Buffer.from('II*\0 this is not a TIFF at all'));
    // A directory chain that loops hung a worker for good before (and cancel could not stop it).
    writeFileSync(path.join(data, 'loop.tif'), craftTiff({ width: 16, height: 8, blocks: [new Uint8Array(128)], ifdCount: 2, lastNext: (ifds) => ifds[0] }));
    // A few hundred bytes claiming 10^6 x 10^6 pixels x 13 bands planned 3.8 M tiles and took the API down before.
    const geo = [
      { tag: TAG.ModelPixelScale, type: TIFF_TYPE.DOUBLE, values: [10, 10, 0] },
      { tag: TAG.ModelTiepoint, type: TIFF_TYPE.DOUBLE, values: [0, 0, 0, 500000, 4000000, 0] },
      projectedGeoKeys(32633),
    ];
    writeFileSync(path.join(data, 'huge.tif'), craftTiff({ width: 1e6, height: 1e6, samples: 13, compression: 8, blocks: [deflateSync(new Uint8Array(13))], extra: geo }));
    const bad = await service.submit(serviceJob({ name: 'bad', imagery: 'corrupt.tif' }));
    const loop = await service.submit(serviceJob({ name: 'loop', imagery: 'loop.tif' }));
    const huge = await service.submit(serviceJob({ name: 'huge', imagery: 'huge.tif', aux: undefined }));
    const good = await Promise.all([1, 2].map((seed) => service.submit(serviceJob({ seed }))));
    const [b, l, h, ...g] = await service.waitFor([bad.id, loop.id, huge.id, ...good.map((j) => j.id)]);
    expect([h.state, h.error]).toEqual(['failed', 'huge.tif is 1000000 x 1000000 px (1000000 Mpx), more than a job may read (limits.maxSceneMegapixels: 10000)']);
    expect(b.state).toBe('failed');
    expect(b.error).toMatch(/^corrupt\.tif: /);
    expect([l.state, l.error]).toEqual(['failed', expect.stringMatching(/^loop\.tif: invalid TIFF: the directory chain loops/)]);
    expect(g.map((s) => s.state)).toEqual(['completed', 'completed']);
    // An earlier job's results are still there.
    expect((await service.fetch(`/jobs/${good[0].id}/results/statistics.csv`)).status).toBe(200);
    expect((await service.fetch(`/jobs/${bad.id}/results/statistics.csv`)).status).toBe(409);
  });

  it('a cancelled job stops and says so', async () => {
    const job = await service.submit(serviceJob({ seed: 9 }));
    const cancelled = (await (await service.fetch(`/jobs/${job.id}`, { method: "DELETE" })).json()) as { state: string };
    expect(cancelled.state).toBe('cancelled');
    const [after] = await service.waitFor([job.id]);
    expect(after.state).toBe('cancelled');
  });

  it('a finished job can be purged: its results and record go, other jobs stay', async () => {
    const [keep, purge] = await Promise.all([service.submit(serviceJob({ seed: 11 })), service.submit(serviceJob({ seed: 12 }))]);
    await service.waitFor([keep.id, purge.id]);
    expect((await service.fetch(`/jobs/${purge.id}?purge=true`, { method: 'DELETE', token: TOKENS.bob })).status).toBe(404);
    expect((await service.fetch(`/jobs/${purge.id}?purge=true`, { method: 'DELETE' })).status).toBe(204);
    expect((await service.fetch(`/jobs/${purge.id}`)).status).toBe(404);
    expect(existsSync(service.ctx.jobDir(purge.id))).toBe(false);
    expect(await service.ctx.queue('publish').getJob(`${purge.id}.publish`)).toBeUndefined();
    expect((await service.fetch(`/jobs/${keep.id}/results/statistics.csv`)).status).toBe(200);
    // The last of a burst is still queued behind the others when asked.
    const burst = await Promise.all([13, 14, 15, 16, 17, 18].map((seed) => service.submit(serviceJob({ seed }))));
    const refused = await service.fetch(`/jobs/${burst.at(-1)!.id}?purge=true`, { method: 'DELETE' });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toMatch(/is (queued|running): cancel it first/);
    await service.waitFor(burst.map((j) => j.id));
  });
});

describe('security and limits', () => {
  it('every route but /health needs a valid bearer token', async () => {
    expect((await service.fetch('/health', { token: null })).status).toBe(200);
    for (const route of ['/jobs', '/schedules', '/openapi.json', '/jobs/x']) {
      expect((await service.fetch(route, { token: null })).status, route).toBe(401);
      expect((await service.fetch(route, { token: 'not-a-valid-token-at-all' })).status, route).toBe(401);
    }
    expect((await service.fetch('/jobs', { body: serviceJob(), token: null })).status).toBe(401);
  });

  it('inputs must lie inside the data roots: traversal, absolute paths elsewhere, symlinks out and foreign hosts are refused', async () => {
    const refuse = async (job: unknown, message: RegExp) => {
      const r = await service.fetch('/jobs', { body: job });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: string }).error).toMatch(message);
    };
    await refuse(serviceJob({ imagery: '../../../../etc/passwd' }), /imagery: .* is outside the data roots/);
    await refuse(serviceJob({ model: '/etc' }), /model: \/etc is outside the data roots/);
    symlinkSync('/etc', path.join(data, 'escape'));
    await refuse(serviceJob({ regions: { file: 'escape/hostname', idField: 'code' } }), /regions.file: .* resolves \(through a symbolic link\) outside the data roots/);
    await refuse(serviceJob({ imagery: 'https://evil.example.com/scene.tif' }), /host evil.example.com is not an allowed input host/);
    await refuse(serviceJob({ aux: 'http://localhost/x.tif' }), /aux: only the imagery \(or its STAC source\) may be a URL/);
    await refuse(serviceJob({ imagery: 'nothing-here.tif' }), /does not exist in the data roots/);
    await refuse({ ...serviceJob(), out: '/tmp/anywhere' }, /Unrecognized key: "out"/);
    await refuse({ ...serviceJob(), sampleSize: 3 }, /Unrecognized key/);
  });

  it('a job belongs to its submitter; results are reachable by name only; bodies are size-limited', async () => {
    const [job] = (await (await service.fetch('/jobs')).json()) as { id: string }[];
    expect((await service.fetch(`/jobs/${job.id}`, { token: TOKENS.bob })).status).toBe(404);
    expect((await service.fetch(`/jobs/${job.id}/results/statistics.csv`, { token: TOKENS.bob })).status).toBe(404);
    expect((await service.fetch(`/jobs/${job.id}`, { method: 'DELETE', token: TOKENS.bob })).status).toBe(404);
    expect(((await (await service.fetch('/jobs', { token: TOKENS.bob })).json()) as unknown[]).length).toBe(0);
    for (const name of ['..%2F..%2Fsettings.yaml', '..%2Fmanifest.json', 'prediction%2Fclasses.tif', 'nope']) {
      expect((await service.fetch(`/jobs/${job.id}/results/${name}`)).status, name).toBe(404);
    }
    const huge = JSON.stringify({ ...serviceJob(), name: 'x'.repeat(400 * 1024) });
    expect((await service.fetch('/jobs', { raw: huge })).status).toBe(413);
  });

  it('serves its OpenAPI document, with the job schema', async () => {
    const doc = (await (await service.fetch('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown>; components: { schemas: { Job: { properties: Record<string, unknown> } } } };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/jobs', '/jobs/{id}', '/jobs/{id}/results/{name}', '/schedules', '/schedules/{id}/series']));
    expect(Object.keys(doc.components.schemas.Job.properties)).toEqual(expect.arrayContaining(['imagery', 'model', 'regions', 'reference', 'period']));
  });
});

describe('the plain commands', () => {
  const sat = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(repoRoot, 'bin/sat.js'), ...args], { env: { ...process.env, SAT_API_URL: service.url, SAT_API_TOKEN: TOKENS.alice, ...env } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (status) => resolve({ status, stdout, stderr }));
    });

  it('sat submit --wait, sat status, sat export, sat schedule', async () => {
    const jobFile = path.join(dir, 'job.yaml');
    writeFileSync(jobFile, YAML.stringify({ ...serviceJob({ seed: 5 }), out: 'ignored' }));
    const submitted = await sat(['submit', jobFile, '--wait']);
    expect(submitted.stderr).toMatch(/100%/);
    expect(submitted.status, submitted.stderr).toBe(0);
    const id = submitted.stdout.split('\n')[0];
    expect(submitted.stdout).toMatch(new RegExp(`${id} \\(synth-aoi\\): completed, 100 %`));
    const status = JSON.parse((await sat(['status', id, '--json'])).stdout);
    expect(status.state).toBe('completed');
    const out = path.join(dir, 'exported.csv');
    expect((await sat(['export', id, '--result', 'sdmx.csv', '--out', out])).status).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(path.join(service.ctx.jobDir(id, 'out'), 'statistics/sdmx.csv'), 'utf8'));
    const created = await sat(['schedule', 'create', jobFile, '--cron', '0 6 1 * *']);
    expect(created.status, created.stderr).toBe(0);
    const scheduleId = created.stdout.trim();
    expect((await sat(['schedule', 'list'])).stdout).toMatch(new RegExp(`${scheduleId} synth-aoi cron 0 6 1 \\* \\*`));
    expect((await sat(['schedule', 'delete', scheduleId])).status).toBe(0);
    const unauthorised = await sat(['status', id], { SAT_API_TOKEN: 'wrong-token-0123456789' });
    expect(unauthorised.status).not.toBe(0);
    expect(unauthorised.stderr).toMatch(/401 a valid bearer token is required/);
    const typo = await sat(['submit', path.join(dir, 'nope.yaml')]);
    expect(typo.stderr).toMatch(/cannot read the job/);
  });

  it('sat serve starts with a plain command, answers /health and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/sat.js'), 'serve', '--config', service.configFile, '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    while (!/listening on/.test(stderr)) {
      if (child.exitCode !== null) throw new Error(`sat serve did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const address = /listening on (http:\/\/\S+)/.exec(stderr)![1];
    expect(await (await fetch(`${address}/health`)).json()).toEqual({ ok: true });
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
  });
});

describe('retention', () => {
  it('finished jobs older than the retention are deleted with their results; newer and running ones stay', async () => {
    const all = (await (await service.fetch('/jobs')).json()) as { id: string; state: string; submitted: string }[];
    const finished = all.filter((j) => j.state !== 'queued' && j.state !== 'running');
    const cutoff = Math.max(...finished.map((j) => Date.parse(j.submitted))); // the newest finished job stays
    const purged = await purgeExpiredJobs(service.ctx, cutoff);
    const expected = finished.filter((j) => Date.parse(j.submitted) < cutoff).map((j) => j.id);
    expect(purged.sort()).toEqual(expected.sort());
    for (const id of expected) expect(existsSync(service.ctx.jobDir(id))).toBe(false);
    const left = ((await (await service.fetch('/jobs')).json()) as { id: string }[]).map((j) => j.id);
    expect(left).toEqual(all.filter((j) => !expected.includes(j.id)).map((j) => j.id));
  });
});
