/** `sat search` end to end: the JSON contract, the table over a loopback STAC API, and the errors' exit codes. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { describeWithSharedData, repoRoot, sharedPath } from '../helpers/shared-data.js';
import { startStacApi, type TestServer } from './stac-server.js';

const STACK = sharedPath('08_stac_items', 'site2-2020_jun_jul-35MNM.geojson');
const LANDSAT = sharedPath('08_stac_items', 'LC08_L2SP_028030_20200114_20200824_02_T1_SR.json');

/** Runs `sat` without blocking this process (a loopback server here must keep answering). */
async function sat(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(repoRoot, 'bin/sat.js'), ...args], { encoding: 'utf8' });
    return { status: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { status: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const servers: TestServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describeWithSharedData('sat search', () => {
  it('prints the matching Items and their band sources as JSON', async () => {
    const { status, stdout, stderr } = await sat('search', '--stac', STACK, '--datetime', '2020-06-01/2020-07-31', '--max-cloud', '5', '--bands', 'red,nir,scl', '--json');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const out = JSON.parse(stdout);
    const expected = JSON.parse(readFileSync(STACK, 'utf8')).features.filter((f: any) => f.properties['eo:cloud_cover'] < 5);
    expect(out.kind).toBe('item-collection');
    expect(out.items.map((i: any) => i.id).sort()).toEqual(expected.map((f: any) => f.id).sort());
    const first = out.items[0];
    expect(first).toMatchObject({ id: 'S2B_MSIL2A_20200606T080609_R078_T35MNM_20200826T094900', collection: 'sentinel-2-l2a', cloud_cover: 0.973945, platform: 'Sentinel-2B', epsg: 32735 });
    expect(first.bands.red).toMatchObject({ asset: 'B04', nodata: 0, scale: 0.0001, offset: 0, resolution: 10, geotransform: [499980, 10, 0, 9200020, 0, -10], shape: [10980, 10980] });
    expect(first.bands.nir.asset).toBe('B08');
    expect(first.bands.scl).toMatchObject({ asset: 'SCL', categorical: true, resolution: 20 });
  });

  it('lists a STAC API search as a table, the AOI given as GeoJSON', async () => {
    const server = await startStacApi(JSON.parse(readFileSync(sharedPath('08_stac_items', 'site1-20200606-tall-strip-africa.geojson'), 'utf8')).features, { cloudFilter: 'query' });
    servers.push(server);
    const dir = mkdtempSync(path.join(tmpdir(), 'sat-search-'));
    try {
      const aoi = path.join(dir, 'aoi.geojson');
      writeFileSync(aoi, JSON.stringify({ type: 'Polygon', coordinates: [[[27.4, -8.2], [27.5, -8.2], [27.5, -8.16], [27.4, -8.16], [27.4, -8.2]]] }));
      const { status, stdout } = await sat('search', '--stac', `${server.origin}/`, '--aoi', aoi, '--datetime', '2020-06-06', '--bands', 'red,swir16', '--limit', '5');
      expect(status).toBe(0);
      const lines = stdout.trim().split('\n');
      // The test API ignores `intersects` (it answers all 9 tiles in 2 pages of 5): the client's own check keeps 2.
      expect(lines[0]).toBe(`2 item(s) from ${server.origin}/ [STAC API ${server.origin}/search (2 page(s), cloud filter: query)]`);
      expect(lines[1].split(/\s{2,}/)).toEqual(['id', 'datetime', 'cloud %', 'platform', 'epsg', 'assets']);
      expect(lines.slice(2).map((l) => l.split(/\s{2,}/))).toEqual([
        ['S2B_MSIL2A_20200606T080609_R078_T35LNL_20201027T072719', '2020-06-06T08:06:09.024000Z', '0.96', 'Sentinel-2B', '32735', 'red=B04 swir16=B11'],
        ['S2B_MSIL2A_20200606T080609_R078_T35MNM_20200826T094900', '2020-06-06T08:06:09.024000Z', '0.97', 'Sentinel-2B', '32735', 'red=B04 swir16=B11'],
      ]);
      expect(server.requests.find((r) => r.url === '/search')?.body).toMatchObject({ intersects: { type: 'Polygon' }, datetime: '2020-06-06T00:00:00.000Z/2020-06-06T23:59:59.999Z', limit: 5 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with a clear error and no output: no items, a missing band, conflicting flags', async () => {
    const none = await sat('search', '--stac', STACK, '--datetime', '2020-06-01/2020-07-31', '--max-cloud', '0.001');
    expect([none.status, none.stdout]).toEqual([1, '']);
    expect(none.stderr).toContain(`sat: error: ${STACK}: no items found (datetime 2020-06-01T00:00:00.000Z/2020-07-31T23:59:59.999Z, cloud cover < 0.001 %)`);
    const band = await sat('search', '--stac', LANDSAT, '--datetime', '2020-01-01/2020-01-31', '--bands', 'red,scl');
    expect([band.status, band.stdout]).toEqual([1, '']);
    expect(band.stderr).toContain('sat: error: item LC08_L2SP_028030_20200114_20200824_02_T1_SR: no asset for band "scl"');
    const both = await sat('search', '--stac', LANDSAT, '--datetime', '2020-01-01/2020-01-31', '--bbox', '1,2,3,4', '--aoi', 'x.geojson');
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('--aoi and --bbox are alternatives: give one');
  });
});
