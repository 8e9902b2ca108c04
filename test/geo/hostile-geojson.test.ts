import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MultiPolygon, Polygon } from 'geojson';
import { afterAll, describe, expect, it } from 'vitest';
import { readInputFile } from '../../pipeline/core/read-input.js';
import { readAoi } from '../../pipeline/tiling/aoi.js';
import { readGeoJson } from '../../pipeline/geo/read-geojson.js';
import { findRingProblem } from '../../pipeline/geo/self-intersection.js';
import { loadRegions } from '../../pipeline/zonal/load-regions.js';

const dir = mkdtempSync(path.join(tmpdir(), 'sat-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const square = (x0: number, y0: number, size: number) => [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]];

function regionsFile(name: string, features: Array<{ geometry: Polygon | MultiPolygon; id?: unknown; properties?: Record<string, unknown> }>): string {
  const file = path.join(dir, name);
  const fc = { type: 'FeatureCollection', features: features.map((f) => ({ type: 'Feature', ...(f.id !== undefined && { id: f.id }), properties: f.properties ?? {}, geometry: f.geometry })) };
  writeFileSync(file, JSON.stringify(fc));
  return file;
}

const ok: Polygon = { type: 'Polygon', coordinates: [square(0, 0, 1)] };

describe('hostile region GeoJSON', () => {
  it('refuses a hole outside its shell, naming the feature', () => {
    const bad: Polygon = { type: 'Polygon', coordinates: [square(0, 0, 1), square(2, 2, 0.5)] };
    const file = regionsFile('hole-outside.geojson', [{ geometry: ok, properties: { code: 'A' } }, { geometry: bad, properties: { code: 'B' } }]);
    expect(() => loadRegions(file, 'code')).toThrow(/feature 1 \(B\) is an invalid polygon: hole 1 lies outside the shell \(near 2, 2\)/);
  });

  it('refuses a hole inside another hole', () => {
    const bad: Polygon = { type: 'Polygon', coordinates: [square(0, 0, 10), square(1, 1, 5), square(2, 2, 1)] };
    const file = regionsFile('nested-holes.geojson', [{ geometry: bad, properties: { code: 'N' } }]);
    expect(() => loadRegions(file, 'code')).toThrow(/feature 0 \(N\) is an invalid polygon: hole 2 lies inside hole 1/);
  });

  it('refuses a MultiPolygon whose parts overlap (one inside the other), in either order', () => {
    const a: MultiPolygon = { type: 'MultiPolygon', coordinates: [[square(0, 0, 10)], [square(2, 2, 3)]] };
    const b: MultiPolygon = { type: 'MultiPolygon', coordinates: [[square(2, 2, 3)], [square(0, 0, 10)]] };
    const same: MultiPolygon = { type: 'MultiPolygon', coordinates: [[square(0, 0, 1)], [square(0, 0, 1)]] };
    expect(() => loadRegions(regionsFile('overlap-a.geojson', [{ geometry: a, properties: { code: 'M' } }]), 'code')).toThrow(
      /feature 0 \(M\) is an invalid polygon: part 1 lies inside part 0 \(overlapping parts/,
    );
    expect(() => loadRegions(regionsFile('overlap-b.geojson', [{ geometry: b, properties: { code: 'M' } }]), 'code')).toThrow(/part 0 lies inside part 1/);
    expect(() => loadRegions(regionsFile('overlap-same.geojson', [{ geometry: same, properties: { code: 'S' } }]), 'code')).toThrow(/overlapping parts/);
  });

  it('accepts valid rings: holes inside, touching holes, an island inside a hole, parts apart or touching', () => {
    const valid: Array<Polygon | MultiPolygon> = [
      { type: 'Polygon', coordinates: [square(0, 0, 10), square(1, 1, 2), square(3, 1, 2)] },
      { type: 'Polygon', coordinates: [square(0, 0, 10), [[0, 0], [4, 2], [2, 4], [0, 0]]] },
      { type: 'MultiPolygon', coordinates: [[square(0, 0, 10), square(2, 2, 6)], [square(3, 3, 2)]] },
      { type: 'MultiPolygon', coordinates: [[square(0, 0, 1)], [square(1, 1, 1)], [square(5, 5, 1)]] },
    ];
    for (const g of valid) expect(findRingProblem(g), JSON.stringify(g.coordinates)).toBeNull();
  });

  it('refuses an AOI that is not a valid polygon, as it refuses such a region', () => {
    const file = path.join(dir, 'bowtie-aoi.geojson');
    writeFileSync(file, JSON.stringify({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]] } }));
    expect(() => readAoi(file)).toThrow(/bowtie-aoi\.geojson: the AOI is self-intersecting \(first crossing near 0\.5, 0\.5\); repair it first/);
  });

  it('says a file is not JSON without quoting its content', () => {
    const file = path.join(dir, 'secret.geojson');
    writeFileSync(file, 'hello, this line is confidential');
    expect(() => loadRegions(file, 'id')).toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not valid JSON \\(unexpected text\\)$`));
    writeFileSync(file, '{"type": "FeatureCollection", "features": [');
    expect(() => loadRegions(file, 'id')).toThrow(/: not valid JSON \(the text ends too early\)$/);
  });

  it('refuses an empty FeatureCollection with a clear error, not an empty region set', () => {
    const file = path.join(dir, 'empty.geojson');
    writeFileSync(file, '{"type":"FeatureCollection","features":[]}');
    expect(() => loadRegions(file, 'id')).toThrow(/empty\.geojson: no features: a regions file needs at least one Polygon or MultiPolygon region/);
  });

  it('refuses object and array ids instead of "[object Object]"', () => {
    const byFeatureId = regionsFile('object-id.geojson', [{ geometry: ok, id: { a: 1 } }]);
    expect(() => loadRegions(byFeatureId, 'id')).toThrow(/feature 0 has a non-scalar "id" \{"a":1\}; ids must be strings or numbers/);
    const byProperty = regionsFile('array-id.geojson', [{ geometry: ok, properties: { code: [1, 2] } }]);
    expect(() => loadRegions(byProperty, 'code')).toThrow(/feature 0 has a non-scalar "code" \[1,2\]/);
  });

  it('refuses /dev/urandom and a FIFO at once, without reading (or waiting on) them', () => {
    expect(() => readInputFile('/dev/urandom', { what: 'regions file' })).toThrow(/\/dev\/urandom: the regions file is a character device, not a regular file/);
    expect(() => loadRegions('/dev/urandom', 'id')).toThrow(/character device, not a regular file/);
    const fifo = path.join(dir, 'regions.fifo');
    execFileSync('mkfifo', [fifo]);
    // Nothing ever writes to it: reading it would block forever.
    expect(() => loadRegions(fifo, 'id')).toThrow(/regions\.fifo: the regions file is a FIFO \(named pipe\), not a regular file/);
    expect(() => readGeoJson(fifo)).toThrow(/FIFO/);
    expect(() => readAoi(fifo)).toThrow(/FIFO/);
    expect(() => loadRegions(dir, 'id')).toThrow(/is a directory, not a regular file/);
  });

  it('refuses a file over the size cap, naming its size and the cap', () => {
    // A sparse file larger than the default 256 MiB cap: refused from its size alone, nothing read.
    const huge = path.join(dir, 'huge.geojson');
    writeFileSync(huge, '');
    truncateSync(huge, 300 * 1024 * 1024);
    expect(() => loadRegions(huge, 'id')).toThrow(/huge\.geojson: regions file of 300 MiB \(314572800 bytes\) is larger than the limit of 256 MiB \(268435456 bytes\) \(setting limits\.regionsFileMB\)/);
    expect(() => readAoi(huge)).toThrow(/larger than the limit of 256 MiB/);
    const small = regionsFile('small.geojson', [{ geometry: ok, properties: { code: 'A' } }]);
    expect(() => loadRegions(small, 'code', { limits: { regionsFileMB: 100 / (1024 * 1024) } })).toThrow(/is larger than the limit of 100 bytes/);
  });

  it('refuses too many features, counted before parsing, naming the count and the cap', () => {
    const features = Array.from({ length: 5 }, (_, k) => ({ geometry: { type: 'Polygon', coordinates: [square(k, 0, 1)] } as Polygon, properties: { code: k } }));
    const file = regionsFile('many.geojson', features);
    expect(loadRegions(file, 'code').regions).toHaveLength(5);
    expect(() => loadRegions(file, 'code', { limits: { maxRegions: 4 } })).toThrow(/many\.geojson: 5 features are more than the limit of 4 for a regions file \(setting limits\.maxRegions\)/);
    // Pretty-printed (whitespace around the colon) counts the same.
    const pretty = path.join(dir, 'pretty.geojson');
    writeFileSync(pretty, JSON.stringify(JSON.parse(JSON.stringify({ type: 'FeatureCollection', features: features.map((f) => ({ type: 'Feature', ...f })) })), null, 2).replace(/"type": /g, '"type" :\n '));
    expect(() => loadRegions(pretty, 'code', { limits: { maxRegions: 4 } })).toThrow(/5 features are more than the limit of 4/);
  });
});
