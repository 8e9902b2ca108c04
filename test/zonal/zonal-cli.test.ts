/** `sat zonal` end to end, and its refusals of bad regions. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeWithSharedData, repoRoot, sharedPath } from '../helpers/shared-data.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'sat-zonal-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const sat = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'bin/sat.js'), 'zonal', ...args], { encoding: 'utf8' });
const azores = (f: string) => sharedPath('06_zonal_stats_reference/sao_miguel_exactextractr', f);

describeWithSharedData('sat zonal', () => {
  it('JSON: one object per region in input order; CSV with an area-weighted population density', () => {
    const res = sat(azores('gpw_v411_2020_count_2020.tif'), azores('concelhos.geojson'), '--id-field', 'name');
    expect(res.status, res.stderr).toBe(0);
    const stats = JSON.parse(res.stdout);
    expect(stats.map((s: { id: string }) => s.id)).toEqual(['Lagoa', 'Nordeste', 'Ponta Delgada', 'Povoação', 'Ribeira Grande', 'Vila Franca do Campo']);
    for (const s of stats) expect(Object.keys(s)).toEqual(expect.arrayContaining(['id', 'count', 'sum', 'mean', 'min', 'max', 'std', 'region_area_m2']));
    // Ponta Delgada covers about 233 km² (Portugal's official figure).
    expect(stats[2].region_area_m2 / 1e6).toBeGreaterThan(225);
    expect(stats[2].region_area_m2 / 1e6).toBeLessThan(240);
    expect(Math.round(stats[2].sum)).toBe(66867); // README: Ponta Delgada ≈ 66 866 people (coverage rule, ~1e-3)
    const csv = sat(azores('gpw_v411_2020_density_2020.tif'), azores('concelhos.geojson'), '--id-field', 'name', '--weights', azores('gpw_v411_2020_land_area_2020.tif'), '--format', 'csv');
    expect(csv.status, csv.stderr).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('id,count,sum,mean,min,max,std,nodata,nan,region_area_m2,weighted_sum,weighted_mean');
    expect(lines).toHaveLength(7);
  });

  it('warns when no region overlaps the raster, and refuses lon/lat regions declared to be in a projected CRS', () => {
    const slovenia = sharedPath('07_admin_boundaries/slovenia_gurs/SR.geojson');
    const miss = sat(azores('gpw_v411_2020_count_2020.tif'), slovenia, '--id-field', 'SR_ID');
    expect(miss.status, miss.stderr).toBe(0);
    expect(miss.stderr).toMatch(/warning: none of the 12 regions of .*SR.geojson overlaps .*gpw_v411_2020_count_2020.tif: every count is 0/);
    const hit = sat(azores('gpw_v411_2020_count_2020.tif'), azores('concelhos.geojson'), '--id-field', 'name');
    expect(hit.stderr).not.toMatch(/warning/);
    const wrongCrs = sat(azores('gpw_v411_2020_count_2020.tif'), slovenia, '--id-field', 'SR_ID', '--regions-crs', 'EPSG:3794');
    expect(wrongCrs.status).toBe(2);
    expect(wrongCrs.stderr).toMatch(/region 1 \(x 15\.7866\.\.16\.5967, y 46\.4621\.\.46\.8767\) look like longitude\/latitude, not coordinates of the projected EPSG:3794/);
    expect(wrongCrs.stdout).toBe('');
  });

  it('categorical: per class count, area in m² (ellipsoidal cells) and fraction, fractions summing to 1', () => {
    const res = sat(azores('clc2018_v2020_20u1.tif'), azores('concelhos.geojson'), '--id-field', 'name', '--categorical', '--method', 'centroid');
    expect(res.status, res.stderr).toBe(0);
    for (const s of JSON.parse(res.stdout)) {
      const classes = Object.values(s.classes) as { count: number; area_m2: number; fraction: number }[];
      expect(classes.reduce((a, c) => a + c.fraction, 0)).toBeCloseTo(1, 9);
      // A 0.000208° cell near 37.8° N is about 18.3 m x 23.1 m.
      for (const c of classes) expect(c.area_m2 / c.count).toBeGreaterThan(400);
      for (const c of classes) expect(c.area_m2 / c.count).toBeLessThan(450);
    }
  });

  it('refuses a missing id field, duplicate ids, self-intersecting regions; regions outside the raster get count 0', () => {
    const concelhos = JSON.parse(readFileSync(azores('concelhos.geojson'), 'utf8'));
    const write = (name: string, fc: unknown) => {
      const f = path.join(tmp, name);
      writeFileSync(f, JSON.stringify(fc));
      return f;
    };
    const raster = azores('eu_dem_v11.tif');
    expect(sat(raster, azores('concelhos.geojson'), '--id-field', 'code').stderr).toMatch(/feature 0 has no "code" \(its fields: name\)/);
    const dup = write('dup.geojson', { ...concelhos, features: [concelhos.features[0], concelhos.features[0]] });
    expect(sat(raster, dup, '--id-field', 'name').stderr).toMatch(/feature 1 repeats the id "Lagoa" of feature 0/);
    const bowtie = write('bowtie.geojson', { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'x' }, geometry: { type: 'Polygon', coordinates: [[[-25.5, 37.7], [-25.4, 37.8], [-25.4, 37.7], [-25.5, 37.8], [-25.5, 37.7]]] } }] });
    const bad = sat(raster, bowtie, '--id-field', 'name');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/feature 0 \(x\) is self-intersecting/);
    const unknownCrs = write('crs.geojson', { ...concelhos, crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::999999' } } });
    const crsRes = sat(raster, unknownCrs, '--id-field', 'name');
    expect(crsRes.status).toBe(2);
    expect(crsRes.stderr).toMatch(/sat: error: unknown EPSG code 999999/);
    const far = write('far.geojson', { type: 'FeatureCollection', features: [concelhos.features[0], { type: 'Feature', properties: { name: 'Lisbon' }, geometry: { type: 'Polygon', coordinates: [[[-9.2, 38.7], [-9.1, 38.7], [-9.1, 38.8], [-9.2, 38.7]]] } }] });
    const res = sat(raster, far, '--id-field', 'name');
    expect(res.status, res.stderr).toBe(0);
    const [lagoa, lisbon] = JSON.parse(res.stdout);
    expect(lagoa.count).toBeGreaterThan(0);
    expect(lisbon).toMatchObject({ id: 'Lisbon', count: 0, mean: null });
  });
});
