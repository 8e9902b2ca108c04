/**
 * One measured zonal-statistics run in its own process (so its peak memory is its own):
 * exact coverage of every region over a raster, as `sat zonal` does. Prints one JSON line:
 * { seconds, maxRssMB, regions, cells } where cells is the number of raster cells inside the regions' windows.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/pipeline/', import.meta.url));
const lib = (m: string) => import(existsSync(dist) ? new URL(`../dist/pipeline/${m}.js`, import.meta.url).href : `../pipeline/${m}.js`);
const { openRaster } = (await lib('raster/open-raster')) as typeof import('../pipeline/raster/open-raster.js');
const { loadRegions, regionsInCrs } = (await lib('zonal/load-regions')) as typeof import('../pipeline/zonal/load-regions.js');
const { zonalStatistics } = (await lib('zonal/zonal-statistics')) as typeof import('../pipeline/zonal/zonal-statistics.js');
const { pixelRings, ringsWindow } = (await lib('zonal/pixel-rings')) as typeof import('../pipeline/zonal/pixel-rings.js');

const [rasterPath, regionsPath, idField] = process.argv.slice(2);
const started = process.hrtime.bigint();
const raster = await openRaster(rasterPath);
const { info } = raster;
const set = loadRegions(regionsPath, idField);
const zones = regionsInCrs(set, { epsg: info.epsg, proj4: info.proj4! });
const stats = await zonalStatistics(raster, zones, { method: 'exact' });
await raster.close();
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
let cells = 0;
for (const z of zones) {
  const w = ringsWindow(pixelRings(z.geometry, info.geotransform!), info.width, info.height);
  if (w) cells += w.width * w.height;
}
if (!stats.some((s) => s.count > 0)) throw new Error('no region overlapped the raster: the benchmark would measure nothing');
console.log(JSON.stringify({ seconds, maxRssMB: process.resourceUsage().maxRSS / 1024, regions: zones.length, cells }));
