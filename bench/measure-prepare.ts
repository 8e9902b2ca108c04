/**
 * One measured run of our reader, in its own process so its peak memory is its own.
 * Modes: "decode" reads every tile window of the scene (all bands, no halo): pure decoding, comparable with GDAL;
 *        "stats" computes every band's statistics in one pass over the file (what `sat info --stats` does, without the
 *        CLI's start-up);
 *        "prepare" runs tile + preprocess (the prepare stage's work) (halo, recipe, indices, masks) over the whole scene.
 * Prints one JSON line: { mode, seconds, maxRssMB, tiles, megapixels }.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Measure the product as shipped: the compiled code (`npm run bench` builds it first), whose decode threads
// start without a TypeScript loader; the sources only when there is no build.
const dist = fileURLToPath(new URL('../dist/pipeline/', import.meta.url));
const lib = (m: string) => import(existsSync(dist) ? new URL(`../dist/pipeline/${m}.js`, import.meta.url).href : `../pipeline/${m}.js`);
const { loadSettings } = (await lib('config/settings')) as typeof import('../pipeline/config/settings.js');
const { loadBandRecipe } = (await lib('preprocess/band-recipe')) as typeof import('../pipeline/preprocess/band-recipe.js');
const { computeBandStats } = (await lib('raster/band-stats')) as typeof import('../pipeline/raster/band-stats.js');
const { openRaster } = (await lib('raster/open-raster')) as typeof import('../pipeline/raster/open-raster.js');
const { prepareTile } = (await lib('preprocess/prepare-tile')) as typeof import('../pipeline/preprocess/prepare-tile.js');
const { makeTileGrid } = (await lib('tiling/tile-grid')) as typeof import('../pipeline/tiling/tile-grid.js');

const [mode, scenePath, recipePath, auxPath] = process.argv.slice(2);
const settings = loadSettings();
const started = process.hrtime.bigint();
const reader = await openRaster(scenePath, { decodeThreads: settings.raster.decodeThreads, blockCacheMB: settings.raster.blockCacheMB });
const { width, height } = reader.info;
let tiles = 0;

if (mode === 'decode') {
  const grid = makeTileGrid({ width, height }, { tileSize: settings.tiling.tileSize, halo: 0 });
  // Keep a few reads in flight so every decode thread has work, as the prepare stage does.
  const inFlight: Promise<unknown>[] = [];
  for (const tile of grid.tiles) {
    inFlight.push(reader.read(tile.core));
    if (inFlight.length >= 4) await inFlight.shift();
    tiles++;
  }
  await Promise.all(inFlight);
} else if (mode === 'stats') {
  const stats = await computeBandStats(reader);
  if (stats.every((s) => s.valid_count === 0)) throw new Error('no valid pixel: the benchmark would measure nothing');
} else if (mode === 'prepare') {
  const grid = makeTileGrid({ width, height }, settings.tiling);
  const recipe = loadBandRecipe(recipePath);
  const aux = auxPath ? await openRaster(auxPath) : undefined;
  let validPixels = 0;
  // Four tiles in flight, as `sat run` keeps several: decoding on the reader's threads while this one preprocesses.
  const inFlight: Promise<void>[] = [];
  for (const tile of grid.tiles) {
    inFlight.push(
      prepareTile({ scene: reader, aux, tile, recipe }).then(({ prepared }) => {
        validPixels += prepared.counts.valid;
        tiles++;
      }),
    );
    if (inFlight.length >= 4) await inFlight.shift();
  }
  await Promise.all(inFlight);
  await aux?.close();
  if (validPixels === 0) throw new Error('no valid pixel was prepared: the benchmark would measure nothing');
} else {
  throw new Error(`unknown mode ${mode}`);
}
await reader.close();
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const maxRssMB = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({ mode, seconds, maxRssMB, tiles, megapixels: (width * height) / 1e6 }));
