/** The streaming tile + preprocess stages over a whole synthetic scene. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../pipeline/config/settings.js';
import { logger } from '../../pipeline/core/logger.js';
import { loadBandRecipe } from '../../pipeline/preprocess/band-recipe.js';
import { preprocessTile } from '../../pipeline/preprocess/preprocess-tile.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { ingest } from '../../pipeline/stages/ingest.js';
import { prepareTiles } from '../../pipeline/stages/prepare-tiles.js';
import { generateScene } from '../../pipeline/synth/generate-scene.js';
import { makeTileGrid } from '../../pipeline/tiling/tile-grid.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'sat-prepare-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const dir = path.join(tmp, 'scene');
const settings = loadSettings();
const progress: number[] = [];
const ctx = { settings, logger, progress: (f: number) => progress.push(f) };

beforeAll(async () => {
  await generateScene(dir, { width: 700, height: 450, seed: 3, tileSize: 128, cloudCover: 0.05 });
});

describe('prepare tiles (tile + preprocess stages)', () => {
  it('streams every tile of the grid in order; the cores together equal preprocessing the whole scene at once', async () => {
    const scene = await ingest(path.join(dir, 'scene.tif'), ctx);
    const aux = await openRaster(path.join(dir, 'clouds.tif'));
    const recipe = loadBandRecipe('synth-s2');
    const grid = makeTileGrid(scene.info, { tileSize: 200, halo: 16 });
    const whole = preprocessTile(await scene.read(), recipe, { sceneWidth: 700, sceneHeight: 450, nodata: 0, aux: (await aux.read()).bands[0] });
    const nc = whole.channels.length;
    const ids: string[] = [];
    let valid = 0;
    for await (const { tile, prepared } of prepareTiles({ scene, grid, recipe, aux }, ctx)) {
      ids.push(tile.id);
      expect([prepared.width, prepared.height]).toEqual([232, 232]);
      const h = grid.halo;
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
      if (tile.col === 0 && tile.row === 0) expect(prepared.counts.outside).toBe(232 * 232 - 216 * 216);
    }
    expect(ids).toEqual(grid.tiles.map((t) => t.id));
    expect(valid).toBe(whole.counts.valid);
    expect(progress[progress.length - 1]).toBe(1);
    await Promise.all([scene.close(), aux.close()]);
  });

  it('a recipe needing more bands than the scene has fails before reading, naming both', async () => {
    const scene = await ingest(path.join(dir, 'scene.tif'), ctx);
    const recipe = loadBandRecipe({ name: 'too-many', bands: [{ name: 'x', source: 9 }] });
    const run = async () => {
      for await (const _ of prepareTiles({ scene, grid: makeTileGrid(scene.info, { tileSize: 256, halo: 0 }), recipe }, ctx)) void _;
    };
    await expect(run()).rejects.toThrow(/band recipe 'too-many' needs band\(s\) 9 but .*scene\.tif has 6 band\(s\)/);
    await scene.close();
  });

  it('ingest refuses imagery without georeferencing', async () => {
    const { writeGeoTiff } = await import('../../pipeline/raster/write-geotiff.js');
    const file = path.join(tmp, 'no-crs.tif');
    await writeGeoTiff(file, { window: { col: 0, row: 0, width: 32, height: 32 }, dtype: 'uint8', bands: [new Uint8Array(1024)] }, { geotransform: [0, 1, 0, 0, 0, -1], tileSize: 16 });
    await expect(ingest(file, ctx)).rejects.toThrow(/no-crs\.tif: has no coordinate reference system/);
  });
});
