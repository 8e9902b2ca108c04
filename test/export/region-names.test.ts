import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { regionsGeoJson } from '../../pipeline/export/regions-geojson.js';
import { WGS84 } from '../../pipeline/geo/crs.js';
import { parseJobSpec } from '../../pipeline/jobs/job-spec.js';
import { loadRegions, regionsInCrs } from '../../pipeline/zonal/load-regions.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sat-region-names-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const square = (x: number) => ({ type: 'Polygon', coordinates: [[[x, 46], [x + 0.1, 46], [x + 0.1, 46.1], [x, 46.1], [x, 46]]] });

function regionsFile(properties: Record<string, unknown>[]): string {
  const file = path.join(tmp, `regions-${Math.random().toString(36).slice(2)}.geojson`);
  writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features: properties.map((p, i) => ({ type: 'Feature', properties: p, geometry: square(14 + i / 10) })) }));
  return file;
}

describe('region names', () => {
  it('come from the field the job names, through to the regions GeoJSON', () => {
    const spec = parseJobSpec('{name: j, imagery: a.tif, model: m, regions: {file: r.geojson, idField: SR_ID, nameField: SR_UIME}, period: "2015-07-11", out: o}', 'test');
    expect(spec.regions).toEqual({ file: 'r.geojson', idField: 'SR_ID', nameField: 'SR_UIME', method: 'exact' });
    const file = regionsFile([
      { SR_ID: 1, SR_UIME: 'Pomurska' },
      { SR_ID: 8, SR_UIME: 'Osrednjeslovenska' },
    ]);
    const set = loadRegions(file, spec.regions.idField, { nameField: spec.regions.nameField });
    expect(set.regions.map((r) => [r.id, r.name])).toEqual([
      [1, 'Pomurska'],
      [8, 'Osrednjeslovenska'],
    ]);
    const geojson = regionsGeoJson(regionsInCrs(set, WGS84), []);
    expect(geojson.features.map((f) => f.properties)).toEqual([
      { id: 1, name: 'Pomurska' },
      { id: 8, name: 'Osrednjeslovenska' },
    ]);
    // Without a name field: ids only, as before.
    expect(regionsGeoJson(regionsInCrs(loadRegions(file, 'SR_ID'), WGS84), []).features.map((f) => f.properties)).toEqual([{ id: 1 }, { id: 8 }]);
  });

  it('a region without a name is refused, naming the feature and the fields it has', () => {
    const file = regionsFile([{ SR_ID: 1, SR_UIME: 'Pomurska' }, { SR_ID: 2, NAME: 'Podravska' }]);
    expect(() => loadRegions(file, 'SR_ID', { nameField: 'SR_UIME' })).toThrow(`${file}: feature 1 (2) has no name in "SR_UIME" (its fields: SR_ID, NAME)`);
  });
});
