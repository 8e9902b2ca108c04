/**
 * The stages of a job together (JOB_STAGES): each leaves its output in the job's folder, and running any of them
 * again — a retried or stalled queue job — changes nothing; a publish interrupted after its manifest completes.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../pipeline/config/settings.js';
import { JOB_LAYOUT } from '../../pipeline/jobs/job-dir.js';
import { readJobSpec } from '../../pipeline/jobs/job-spec.js';
import { openJob, type Job } from '../../pipeline/jobs/open-job.js';
import { JOB_STAGES } from '../../pipeline/stages/index.js';
import { publish } from '../../pipeline/stages/publish.js';
import { generateScene } from '../../pipeline/synth/generate-scene.js';
import { runStages } from '../../pipeline/workflows/run-stages.js';
import { testStageContext } from '../helpers/stage-context.js';
import { writeTestModel } from '../helpers/test-model.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'sat-stages-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const base = loadSettings();
const settings = { ...base, tiling: { ...base.tiling, tileSize: 64, halo: 0 }, model: { ...base.model, backend: 'wasm' as const, inferenceThreads: 1, batchSize: 2 } };

/** Every file under `dir` with its modification time and bytes. */
function snapshot(dir: string): Map<string, { mtime: number; bytes: Buffer }> {
  const files = new Map<string, { mtime: number; bytes: Buffer }>();
  for (const f of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!f.isFile()) continue;
    const file = path.join(f.parentPath, f.name);
    files.set(path.relative(dir, file), { mtime: statSync(file).mtimeMs, bytes: readFileSync(file) });
  }
  return files;
}

let spec: ReturnType<typeof readJobSpec>;
const open = (work: string, out: string): Job => openJob(spec.spec, spec.text, { work, out }, settings);

beforeAll(async () => {
  await generateScene(path.join(tmp, 'scene'), { width: 150, height: 130, seed: 5, cloudCover: 0.05, regions: 3 });
  await writeTestModel(path.join(tmp, 'model'), 'landcover');
  writeFileSync(
    path.join(tmp, 'job.yaml'),
    `name: stages\nimagery: scene/scene.tif\naux: scene/clouds.tif\nmodel: model\nregions: { file: scene/regions.geojson, idField: code }\nreference: { raster: scene/truth.tif, sampleSize: 60, minPerStratum: 5 }\nperiod: '2020-06-01'\nout: out\n`,
  );
  spec = readJobSpec(path.join(tmp, 'job.yaml'));
});

describe('the stages of a job', () => {
  it('are listed in pipeline order, tile stages between ingest and stitch', () => {
    expect(JOB_STAGES.map((s) => `${s.name}/${s.per}`)).toEqual(['ingest/job', 'prepare/tile', 'classify/tile', 'stitch/job', 'aggregate/job', 'assess/job', 'publish/job']);
    expect(JOB_STAGES.reduce((a, s) => a + s.weight, 0)).toBeCloseTo(1, 9);
  });

  it('each leaves its output in the folder; running one again changes nothing', async () => {
    const work = path.join(tmp, 'work');
    const job = open(work, work); // published in place: the folder stays where the stages can run again
    const ctx = testStageContext(settings);
    try {
      const after = new Map<string, ReturnType<typeof snapshot>>();
      for (const stage of JOB_STAGES) {
        // Hand-overs go when the job is published; keep a copy to run the earlier stages again.
        if (stage.name === 'publish') cpSync(work, path.join(tmp, 'before-publish'), { recursive: true });
        const tiles = stage.per === 'tile' ? job.plan().tiles : [];
        if (stage.per === 'tile') for (const t of tiles) await stage.run(job, t, ctx);
        else await stage.run(job, ctx);
        after.set(stage.name, snapshot(work));
      }
      expect(existsIn(work, JOB_LAYOUT.manifest)).toBe(true);
      expect(readdirSync(work).sort()).toEqual(['manifest.json', 'prediction', 'report.html', 'stac-item.json', 'statistics', 'true-colour.png']);

      // Again, stage by stage, on the folder as it was before publication.
      const again = open(path.join(tmp, 'before-publish'), path.join(tmp, 'before-publish'));
      const dir = again.dir.root;
      for (const stage of JOB_STAGES.slice(0, -1)) {
        const before = snapshot(dir);
        if (stage.per === 'tile') for (const t of again.plan().tiles) await stage.run(again, t, ctx);
        else await stage.run(again, ctx);
        expect(snapshot(dir), stage.name).toEqual(before);
      }
      await again.close();
    } finally {
      await job.close();
      await ctx.classifiers.close();
    }
  });

  it('a publish interrupted after writing its manifest only moves the folder into place', async () => {
    const work = path.join(tmp, 'interrupted');
    const out = path.join(tmp, 'published');
    const job = open(work, out);
    await runStages(JOB_STAGES.slice(0, -1), job, settings, () => {});
    const ctx = testStageContext(settings);
    // The first publish runs in place (its out is its own folder), as one killed before the move would leave it.
    const inPlace = open(work, work);
    await publish.run(inPlace, ctx);
    await inPlace.close();
    const manifest = readFileSync(path.join(work, JOB_LAYOUT.manifest), 'utf8');
    await publish.run(job, ctx);
    await job.close();
    expect(readFileSync(path.join(out, JOB_LAYOUT.manifest), 'utf8')).toBe(manifest);
    expect(existsIn(tmp, 'interrupted')).toBe(false);
  });
});

function existsIn(dir: string, file: string): boolean {
  try {
    statSync(path.join(dir, file));
    return true;
  } catch {
    return false;
  }
}
