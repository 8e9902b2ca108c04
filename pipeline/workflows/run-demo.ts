import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Settings } from '../config/settings.js';
import { logger } from '../core/logger.js';
import { loadBandRecipe } from '../preprocess/band-recipe.js';
import { openRaster } from '../raster/open-raster.js';
import { ingest } from '../stages/ingest.js';
import { prepareTiles } from '../stages/prepare-tiles.js';
import { generateScene } from '../synth/generate-scene.js';
import { makeTileGrid } from '../tiling/tile-grid.js';

export interface DemoOptions {
  outDir: string;
  size: number;
  seed: number;
  settings: Settings;
  /** Progress of each step: name and fraction done. */
  progress: (step: string, fraction: number) => void;
}

export interface DemoSummary {
  scene: string;
  size: [number, number];
  grid: { tileSize: number; halo: number; tiles: number };
  pixels: { total: number; valid: number; cloud: number; nodata: number };
  /** Mean of each prepared channel over the valid pixels of each ground-truth class. */
  classMeans: Record<string, Record<string, number>>;
}

/**
 * The in-process demo on an embedded default (no Redis, no input files): generate a synthetic scene,
 * then run the data-preparation stages (ingest → tile → preprocess) over it and summarise what they
 * produced per ground-truth class. Later stages (classify, aggregate, assess, export) join here as they land.
 */
export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  await mkdir(o.outDir, { recursive: true });
  const sceneDir = path.join(o.outDir, 'scene');
  const manifest = await generateScene(sceneDir, { width: o.size, height: o.size, seed: o.seed }, (f) => o.progress('synth', f), { force: true });
  const ctx = { settings: o.settings, logger, progress: (f: number) => o.progress('prepare', f) };
  const scene = await ingest(path.join(sceneDir, 'scene.tif'), ctx);
  const clouds = await openRaster(path.join(sceneDir, 'clouds.tif'));
  const truth = await openRaster(path.join(sceneDir, 'truth.tif'));
  try {
    const recipe = loadBandRecipe('synth-s2');
    const grid = makeTileGrid(scene.info, o.settings.tiling);
    const names = new Map(manifest.classes.map((c) => [c.id, c.name]));
    const sums = new Map<number, { n: number; sum: Float64Array }>();
    const pixels = { total: 0, valid: 0, cloud: 0, nodata: 0 };
    let channels: string[] = [];
    for await (const { tile, prepared } of prepareTiles({ scene, grid, recipe, aux: clouds }, ctx)) {
      channels = prepared.channels;
      const nc = channels.length;
      const classes = (await truth.read(tile.core)).bands[0];
      const dx = tile.core.col - tile.read.col;
      const dy = tile.core.row - tile.read.row;
      for (let y = 0; y < tile.core.height; y++) {
        for (let x = 0; x < tile.core.width; x++) {
          const i = (y + dy) * prepared.width + x + dx;
          pixels.total++;
          pixels.cloud += prepared.cloud[i];
          if (!prepared.valid[i]) continue;
          pixels.valid++;
          const cls = classes[y * tile.core.width + x];
          let acc = sums.get(cls);
          if (!acc) sums.set(cls, (acc = { n: 0, sum: new Float64Array(nc) }));
          acc.n++;
          for (let c = 0; c < nc; c++) acc.sum[c] += prepared.data[i * nc + c];
        }
      }
    }
    pixels.nodata = pixels.total - pixels.valid - pixels.cloud;
    const classMeans: DemoSummary['classMeans'] = {};
    for (const [cls, { n, sum }] of [...sums.entries()].sort((a, b) => a[0] - b[0])) {
      classMeans[names.get(cls) ?? String(cls)] = Object.fromEntries(channels.map((c, k) => [c, Number((sum[k] / n).toFixed(4))]));
    }
    const summary: DemoSummary = {
      scene: path.join(sceneDir, 'scene.tif'),
      size: [scene.info.width, scene.info.height],
      grid: { tileSize: grid.tileSize, halo: grid.halo, tiles: grid.tiles.length },
      pixels,
      classMeans,
    };
    await writeFile(path.join(o.outDir, 'preprocess-summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  } finally {
    await Promise.all([scene.close(), clouds.close(), truth.close()]);
  }
}
