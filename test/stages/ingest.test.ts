/** Stage "ingest": every check of the inputs once, and a tile plan later stages rely on. */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../pipeline/config/settings.js';
import { readJobPlan } from '../../pipeline/jobs/job-plan.js';
import { PredictionJob, type PredictionInputs } from '../../pipeline/jobs/open-job.js';
import { writeGeoTiff } from '../../pipeline/raster/write-geotiff.js';
import { ingest } from '../../pipeline/stages/ingest.js';
import { generateScene } from '../../pipeline/synth/generate-scene.js';
import { testStageContext } from '../helpers/stage-context.js';
import { writeTestModel } from '../helpers/test-model.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'sat-ingest-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const scene = (f: string) => path.join(tmp, 'scene', f);
const base = loadSettings();
const settings = { ...base, tiling: { ...base.tiling, tileSize: 128, halo: 0 } };
const ctx = testStageContext(settings);
let n = 0;

beforeAll(async () => {
  await generateScene(path.join(tmp, 'scene'), { width: 300, height: 200, seed: 3, tileSize: 64, cloudCover: 0.05, regions: 2 });
  await writeTestModel(path.join(tmp, 'model'), 'landcover');
});

async function ingested(inputs: Partial<PredictionInputs>): Promise<PredictionJob> {
  const work = path.join(tmp, `job${n++}`);
  const job = PredictionJob.open({ imagery: scene('scene.tif'), aux: scene('clouds.tif'), model: path.join(tmp, 'model'), ...inputs }, { work, out: work }, settings);
  try {
    await ingest.run(job, ctx);
  } finally {
    await job.close();
  }
  return job;
}

describe('ingest', () => {
  it('fixes the plan: the checked scene and every tile of the grid, with the halo the model needs', async () => {
    const job = await ingested({});
    const plan = readJobPlan(job.dir);
    expect(plan.scene.geotransform).toHaveLength(6);
    expect(plan.scene.proj4).toMatch(/\+proj=utm/);
    expect([plan.scene.width, plan.scene.height, plan.tileSize]).toEqual([300, 200, 128]);
    expect(plan.halo).toBeGreaterThanOrEqual(job.metadata.input.halo);
    expect(plan.tiles).toEqual(['r0000c0000', 'r0000c0001', 'r0000c0002', 'r0001c0000', 'r0001c0001', 'r0001c0002']);
  });

  it('keeps the plan a first run fixed when it runs again (a retried queue job), whatever the settings now', async () => {
    const job = await ingested({});
    const before = statSync(job.dir.plan).mtimeMs;
    const text = readFileSync(job.dir.plan, 'utf8');
    const again = PredictionJob.open(job.inputs, { work: job.dir.root, out: job.dir.root }, settings);
    await ingest.run(again, { ...ctx, settings: { ...settings, tiling: { ...settings.tiling, tileSize: 64, halo: 0 } } });
    await again.close();
    expect(readFileSync(job.dir.plan, 'utf8')).toBe(text);
    expect(statSync(job.dir.plan).mtimeMs).toBe(before);
  });

  it('keeps only the tiles an AOI touches', async () => {
    // A small square in the scene's upper-left tile, in the scene's CRS.
    const plan = readJobPlan((await ingested({})).dir);
    const [x0, dx, , y0, , dy] = plan.scene.geotransform;
    const [ax, ay] = [x0 + 10 * dx, y0 + 10 * dy];
    const aoi = path.join(tmp, 'aoi.geojson');
    const ring = [[ax, ay], [ax + 20 * dx, ay], [ax + 20 * dx, ay + 20 * dy], [ax, ay + 20 * dy], [ax, ay]];
    writeFileSync(aoi, JSON.stringify({ type: 'Feature', crs: { type: 'name', properties: { name: `EPSG:${plan.scene.epsg}` } }, properties: {}, geometry: { type: 'Polygon', coordinates: [ring] } }));
    expect(readJobPlan((await ingested({ aoi })).dir).tiles).toEqual(['r0000c0000']);
  });

  it('refuses imagery without the bands the recipe reads, naming both', async () => {
    await expect(ingested({ imagery: scene('truth.tif') })).rejects.toThrow(/band recipe 'synth-s2' needs band\(s\) 2, 3, 4, 5, 6 but .*truth\.tif has 1 band\(s\)/);
  });

  it('refuses a missing or misfitting auxiliary mask', async () => {
    await expect(ingested({ aux: undefined })).rejects.toThrow(/takes its cloud mask from an auxiliary raster, but none was given/);
    const small = path.join(tmp, 'small-mask.tif');
    await writeGeoTiff(small, { window: { col: 0, row: 0, width: 32, height: 32 }, dtype: 'uint8', bands: [new Uint8Array(1024)] }, { geotransform: [0, 1, 0, 0, 0, -1], epsg: 32633, tileSize: 16 });
    await expect(ingested({ aux: small })).rejects.toThrow(/small-mask\.tif is 32 x 32, the imagery 300 x 200: not the same grid/);
  });

  it('refuses a scene larger than a job may read, or a plan with too many tiles, with the numbers', async () => {
    const small = (limits: object) => ({ ...ctx, settings: { ...settings, limits: { ...settings.limits, ...limits } } });
    const open = () => PredictionJob.open({ imagery: scene('scene.tif'), aux: scene('clouds.tif'), model: path.join(tmp, 'model') }, { work: path.join(tmp, `job${n++}`), out: path.join(tmp, 'unused') }, settings);
    const job = open();
    await expect(ingest.run(job, small({ maxSceneMegapixels: 0.05 }))).rejects.toThrow(/scene\.tif is 300 x 200 px \(0 Mpx\), more than a job may read \(limits\.maxSceneMegapixels: 0\.05\)/);
    await expect(ingest.run(job, small({ maxTiles: 5 }))).rejects.toThrow(/scene\.tif needs 6 tiles of 128 px, more than one job may have \(limits\.maxTiles: 5\)/);
    expect(existsSync(job.dir.plan)).toBe(false);
    await job.close();
  });

  it('refuses imagery without georeferencing', async () => {
    const file = path.join(tmp, 'no-crs.tif');
    await writeGeoTiff(file, { window: { col: 0, row: 0, width: 32, height: 32 }, dtype: 'uint8', bands: [new Uint8Array(1024)] }, { geotransform: [0, 1, 0, 0, 0, -1], tileSize: 16 });
    await expect(ingested({ imagery: file })).rejects.toThrow(/no-crs\.tif: has no coordinate reference system/);
  });
});
