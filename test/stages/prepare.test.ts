/** Stage "prepare": a tile's window made analysis-ready, handed to classify as a file. */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../pipeline/config/settings.js';
import { readPreparedTile } from '../../pipeline/jobs/tile-artifacts.js';
import { PredictionJob } from '../../pipeline/jobs/open-job.js';
import { preprocessTile } from '../../pipeline/preprocess/preprocess-tile.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { ingest } from '../../pipeline/stages/ingest.js';
import { prepare } from '../../pipeline/stages/prepare.js';
import { generateScene } from '../../pipeline/synth/generate-scene.js';
import { testStageContext } from '../helpers/stage-context.js';
import { writeTestModel } from '../helpers/test-model.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'sat-prepare-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const dir = path.join(tmp, 'scene');
const base = loadSettings();
const settings = { ...base, tiling: { ...base.tiling, tileSize: 208, halo: 16 } };
const ctx = testStageContext(settings);

beforeAll(async () => {
  await generateScene(dir, { width: 700, height: 450, seed: 3, tileSize: 128, cloudCover: 0.05 });
  await writeTestModel(path.join(tmp, 'model'), 'landcover');
});

describe('prepare', () => {
  it('prepares every tile of the plan; the cores together equal preprocessing the whole scene at once; a second run does nothing', async () => {
    const work = path.join(tmp, 'job');
    const job = PredictionJob.open({ imagery: path.join(dir, 'scene.tif'), aux: path.join(dir, 'clouds.tif'), model: path.join(tmp, 'model') }, { work, out: work }, settings);
    await ingest.run(job, ctx);
    const plan = job.plan();
    const h = plan.halo;
    const side = plan.tileSize + 2 * h;
    const scene = await openRaster(path.join(dir, 'scene.tif'));
    const aux = await openRaster(path.join(dir, 'clouds.tif'));
    const whole = preprocessTile(await scene.read(), job.metadata.recipe, { sceneWidth: 700, sceneHeight: 450, nodata: 0, aux: (await aux.read()).bands[0] });
    await Promise.all([scene.close(), aux.close()]);
    const nc = whole.channels.length;
    let valid = 0;
    for (const id of plan.tiles) {
      await prepare.run(job, id, ctx);
      const { tile, prepared } = await readPreparedTile(job.dir, id);
      expect(tile.id).toBe(id);
      expect([prepared.width, prepared.height]).toEqual([side, side]);
      for (let y = 0; y < tile.core.height; y++) {
        for (let x = 0; x < tile.core.width; x++) {
          const i = (y + h) * prepared.width + (x + h);
          const j = (tile.core.row + y) * 700 + tile.core.col + x;
          expect(prepared.valid[i]).toBe(whole.valid[j]);
          if (x % 37 === 0) expect(Array.from(prepared.data.subarray(i * nc, (i + 1) * nc))).toEqual(Array.from(whole.data.subarray(j * nc, (j + 1) * nc)));
          valid += prepared.valid[i];
        }
      }
      // Halo pixels past the scene edge are 'outside'.
      if (tile.col === 0 && tile.row === 0) expect(prepared.counts.outside).toBe(side * side - (side - h) * (side - h));
    }
    expect(valid).toBe(whole.counts.valid);
    const first = job.dir.tile(plan.tiles[0], 'prepared');
    const before = statSync(first).mtimeMs;
    await prepare.run(job, plan.tiles[0], ctx);
    expect(statSync(first).mtimeMs).toBe(before);
    await job.close();
  });
});
