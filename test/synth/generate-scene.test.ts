/** The synthetic scene generator: deterministic, readable by GDAL, its ground truth consistent with itself. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { area, intersect, polygon } from '@turf/turf';
import type { Polygon } from 'geojson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crsFromEpsg, WGS84 } from '../../pipeline/geo/crs.js';
import { reprojectGeometry } from '../../pipeline/geo/reproject-geometry.js';
import { loadBandRecipe } from '../../pipeline/preprocess/band-recipe.js';
import { preprocessTile } from '../../pipeline/preprocess/preprocess-tile.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { generateScene, type SceneManifest } from '../../pipeline/synth/generate-scene.js';
import { gdalinfoJson, hasGdal } from '../helpers/gdal.js';
import { repoRoot } from '../helpers/shared-data.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'sat-synth-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const dir = path.join(tmp, 'a');
let manifest: SceneManifest;

beforeAll(async () => {
  manifest = await generateScene(dir, { width: 600, height: 500, seed: 7, cloudCover: 0.05, regions: 5, tileSize: 128 });
});

describe('sat synth', () => {
  it('same seed → byte-identical files; another seed → different ones', async () => {
    const again = await generateScene(path.join(tmp, 'b'), { width: 600, height: 500, seed: 7, cloudCover: 0.05, regions: 5, tileSize: 128 });
    expect(again.files).toEqual(manifest.files);
    const other = await generateScene(path.join(tmp, 'c'), { width: 600, height: 500, seed: 8, cloudCover: 0.05, regions: 5, tileSize: 128 });
    expect(other.files['scene.tif'].sha256).not.toBe(manifest.files['scene.tif'].sha256);
  });

  it('every class occurs, the counts add up, clouds cover about the share asked for', () => {
    const counts = manifest.classPixelCounts;
    expect(Object.keys(counts).sort()).toEqual(['1', '2', '3', '4', '5']);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(600 * 500);
    expect(manifest.cloudFraction).toBeGreaterThan(0.02);
    expect(manifest.cloudFraction).toBeLessThan(0.1);
    expect(manifest.buildingCount).toBeGreaterThan(10);
  });

  it.runIf(hasGdal)('GDAL reads the rasters: georeferencing, band names, and a class histogram equal to the manifest', () => {
    const info = gdalinfoJson(path.join(dir, 'scene.tif'));
    expect(info.size).toEqual([600, 500]);
    expect(info.geoTransform).toEqual(manifest.geotransform);
    expect(info.coordinateSystem.wkt).toMatch(/ID\["EPSG",32633\]\]$/);
    expect(info.bands.map((b: { description: string }) => b.description)).toEqual(['B02', 'B03', 'B04', 'B08', 'B11', 'B12']);
    const truth = gdalinfoJson(path.join(dir, 'truth.tif'), ['-hist']);
    const buckets: number[] = truth.bands[0].histogram.buckets;
    expect(truth.bands[0].histogram.count).toBe(256);
    for (const [cls, n] of Object.entries(manifest.classPixelCounts)) expect(buckets[Number(cls)]).toBe(n);
  });

  it.runIf(hasGdal)('buildings.tif is the pixel-centre rasterisation of buildings.geojson (GDAL, after ogr2ogr to EPSG:32633)', async () => {
    const utm = path.join(tmp, 'buildings-32633.geojson');
    execFileSync('ogr2ogr', ['-t_srs', 'EPSG:32633', utm, path.join(dir, 'buildings.geojson')]);
    const raster = path.join(tmp, 'buildings-gdal.tif');
    execFileSync('gdal_rasterize', ['-q', '-burn', '1', '-ot', 'Byte', '-te', '450000', String(5100000 - 5000), String(450000 + 6000), '5100000', '-ts', '600', '500', utm, raster]);
    const reader = await openRaster(raster);
    const gdal = (await reader.read()).bands[0];
    await reader.close();
    const ours = await openRaster(path.join(dir, 'buildings.tif'));
    const mask = (await ours.read()).bands[0];
    await ours.close();
    let differ = 0;
    let ones = 0;
    for (let i = 0; i < mask.length; i++) {
      differ += mask[i] !== gdal[i] ? 1 : 0;
      ones += mask[i];
    }
    expect(ones).toBe(manifest.buildingPixelCount);
    expect(differ / ones).toBeLessThan(0.002); // footprint edges at a pixel centre may round either way after reprojection
  });

  it('the regions tile the scene: their areas add up to the footprint, and they do not overlap', () => {
    const fc = JSON.parse(readFileSync(path.join(dir, 'regions.geojson'), 'utf8'));
    expect(fc.features.map((f: { properties: { code: string } }) => f.properties.code)).toEqual(['R01', 'R02', 'R03', 'R04', 'R05']);
    const utm = crsFromEpsg(32633);
    const local = fc.features.map((f: { geometry: Polygon }) => {
      const g = reprojectGeometry(f.geometry, WGS84, utm, { maxSegmentLength: 0 }) as Polygon;
      // Shift to a local origin so turf's planar maths keeps precision.
      return polygon(g.coordinates.map((ring) => ring.map(([x, y]) => [(x - 450000) / 1e5, (y - 5095000) / 1e5])));
    });
    const planar = (p: ReturnType<typeof polygon>) => {
      const ring = p.geometry.coordinates[0];
      let s = 0;
      for (let i = 0; i < ring.length - 1; i++) s += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
      return (Math.abs(s) / 2) * 1e10;
    };
    const total = local.reduce((acc: number, p: ReturnType<typeof polygon>) => acc + planar(p), 0);
    expect(Math.abs(total - 6000 * 5000) / (6000 * 5000)).toBeLessThan(1e-6);
    for (let i = 0; i < local.length; i++) {
      for (let j = i + 1; j < local.length; j++) {
        const overlap = intersect({ type: 'FeatureCollection', features: [local[i], local[j]] });
        expect(overlap ? area(overlap) : 0).toBeLessThan(1);
      }
    }
  });

  it('spectral indices behave per class: vegetation high NDVI, water negative NDVI and positive NDWI, built-up the highest NDBI', async () => {
    const scene = await openRaster(path.join(dir, 'scene.tif'));
    const clouds = await openRaster(path.join(dir, 'clouds.tif'));
    const truthR = await openRaster(path.join(dir, 'truth.tif'));
    const tile = preprocessTile(await scene.read(), loadBandRecipe('synth-s2'), { sceneWidth: 600, sceneHeight: 500, nodata: 0, aux: (await clouds.read()).bands[0] });
    const truth = (await truthR.read()).bands[0];
    await Promise.all([scene.close(), clouds.close(), truthR.close()]);
    const mean = (cls: number, channel: string) => {
      const c = tile.channels.indexOf(channel);
      let s = 0;
      let n = 0;
      for (let i = 0; i < truth.length; i++) if (truth[i] === cls && tile.valid[i]) (s += tile.data[i * tile.channels.length + c]), n++;
      return s / n;
    };
    expect(mean(2, 'ndvi')).toBeGreaterThan(0.6);
    expect(mean(3, 'ndvi')).toBeGreaterThan(0.5);
    expect(mean(1, 'ndvi')).toBeLessThan(0);
    expect(mean(1, 'ndwi')).toBeGreaterThan(0.2);
    expect(mean(5, 'ndbi')).toBeGreaterThan(Math.max(mean(2, 'ndbi'), mean(3, 'ndbi'), mean(4, 'ndbi')));
    expect(tile.counts.cloud / tile.counts.pixels).toBeCloseTo(manifest.cloudFraction, 6);
  });

  it('the CLI refuses bad sizes and a non-empty output folder, and writes nothing', () => {
    const sat = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'bin/sat.js'), 'synth', ...args], { encoding: 'utf8' });
    const bad = sat('--size', '0', '--out', path.join(tmp, 'x'));
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/sat: error: sat synth: width must be an integer from 16 to 100000 \(got 0\)/);
    const exists = sat('--size', '64', '--out', dir);
    expect(exists.status).not.toBe(0);
    expect(exists.stderr).toMatch(/exists and is not empty \(use --force/);
    expect(sat('--size', 'big', '--out', path.join(tmp, 'y')).stderr).toMatch(/--size must be N or WxH/);
  });
});
