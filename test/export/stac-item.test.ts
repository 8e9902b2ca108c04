import proj4 from 'proj4';
import { describe, expect, it } from 'vitest';
import { stacItem, type StacItemInput } from '../../pipeline/export/stac-item.js';

const UTM33 = '+proj=utm +zone=33 +datum=WGS84 +units=m +no_defs';
const SHA = 'ab'.repeat(32);

function input(overrides: Partial<StacItemInput> = {}): StacItemInput {
  return {
    id: 'run-2015-07-11',
    period: { start: '2015-07-11', end: '2015-07-11' },
    grid: { width: 1024, height: 1024, geotransform: [450000, 10, 0, 5100000, 0, -10], epsg: 32633, proj4: UTM33 },
    assets: [
      {
        key: 'classes',
        href: 'prediction/classes.tif',
        type: 'image/tiff; application=geotiff; profile=cloud-optimized',
        title: 'Class map',
        roles: ['data'],
        sha256: SHA,
        bytes: 123456,
        classes: [
          { id: 1, name: 'water', colour: '#1f78b4' },
          { id: 2, name: 'urban', colour: '#e31a1c' },
        ],
        nodata: 0,
        dataType: 'uint8',
      },
      {
        key: 'confidence',
        href: 'prediction/confidence.tif',
        type: 'image/tiff; application=geotiff; profile=cloud-optimized',
        title: 'Confidence',
        roles: ['data'],
        nodata: NaN,
        dataType: 'float32',
      },
      { key: 'quicklook', href: 'quicklook.png', type: 'image/png', title: 'Quicklook', roles: ['overview'] },
    ],
    properties: { 'processing:software': { satstat: '0.1.0' } },
    ...overrides,
  };
}

describe('STAC Item', () => {
  const item = stacItem(input());
  const ring = item.geometry.coordinates[0];

  it('has a footprint whose corners match proj4 and a bbox around it', () => {
    const toLonLat = proj4(UTM33, 'EPSG:4326');
    const corners = [
      [450000, 5100000],
      [460240, 5100000],
      [460240, 5089760],
      [450000, 5089760],
    ].map((p) => toLonLat.forward(p));
    for (const [lon, lat] of corners) {
      const nearest = Math.min(...ring.map(([x, y]) => Math.max(Math.abs(x - lon), Math.abs(y - lat))));
      expect(nearest).toBeLessThan(1e-6);
    }
    expect(ring.length).toBe(65);
    const [minLon, minLat, maxLon, maxLat] = item.bbox;
    for (const [x, y] of ring) {
      expect(x >= minLon && x <= maxLon && y >= minLat && y <= maxLat).toBe(true);
    }
    expect(minLon).toBe(Math.min(...ring.map((p) => p[0])));
    expect(maxLat).toBe(Math.max(...ring.map((p) => p[1])));
  });

  it('is a closed, counter-clockwise ring with 7-decimal coordinates', () => {
    expect(ring[0]).toEqual(ring[ring.length - 1]);
    let area2 = 0;
    for (let i = 0; i < ring.length - 1; i++) area2 += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
    expect(area2).toBeGreaterThan(0);
    for (const p of ring) for (const v of p) expect(Math.abs(v * 1e7 - Math.round(v * 1e7))).toBeLessThan(1e-6);
  });

  it('writes the core and projection fields', () => {
    expect(item.type).toBe('Feature');
    expect(item.stac_version).toBe('1.0.0');
    expect(item.id).toBe('run-2015-07-11');
    expect(item.links).toEqual([]);
    expect(item.properties).toMatchObject({
      datetime: null,
      start_datetime: '2015-07-11T00:00:00Z',
      end_datetime: '2015-07-11T23:59:59Z',
      'proj:code': 'EPSG:32633',
      'proj:shape': [1024, 1024],
      'proj:transform': [10, 0, 450000, 0, -10, 5100000],
      'proj:bbox': [450000, 5089760, 460240, 5100000],
      'processing:software': { satstat: '0.1.0' },
    });
    expect(item.stac_extensions).toEqual([
      'https://stac-extensions.github.io/projection/v2.0.0/schema.json',
      'https://stac-extensions.github.io/classification/v2.0.0/schema.json',
      'https://stac-extensions.github.io/file/v2.1.0/schema.json',
      'https://stac-extensions.github.io/raster/v1.1.0/schema.json',
    ]);
    const noCrs = stacItem(input({ grid: { ...input().grid, epsg: null }, assets: [input().assets[2]] }));
    expect(noCrs.properties['proj:code']).toBeNull();
    expect(noCrs.stac_extensions).toEqual(['https://stac-extensions.github.io/projection/v2.0.0/schema.json']);
  });

  it('writes the file, classification and raster fields of the assets', () => {
    expect(Object.keys(item.assets)).toEqual(['classes', 'confidence', 'quicklook']);
    const classes = item.assets.classes;
    expect(classes.href).toBe('prediction/classes.tif');
    expect(classes.roles).toEqual(['data']);
    expect(classes['file:checksum']).toBe('1220' + SHA);
    expect(classes['file:size']).toBe(123456);
    expect(classes['classification:classes']).toEqual([
      { value: 1, name: 'water', color_hint: '1F78B4' },
      { value: 2, name: 'urban', color_hint: 'E31A1C' },
    ]);
    expect(classes['raster:bands']).toEqual([{ nodata: 0, data_type: 'uint8' }]);
    expect(item.assets.confidence['raster:bands']).toEqual([{ nodata: 'nan', data_type: 'float32' }]);
    expect(JSON.stringify(item.assets.confidence)).toContain('"nodata":"nan"');
    expect(item.assets.quicklook).toEqual({ href: 'quicklook.png', type: 'image/png', title: 'Quicklook', roles: ['overview'] });
  });

  it('is deterministic: the same input gives the same JSON', () => {
    expect(JSON.stringify(stacItem(input()))).toBe(JSON.stringify(item));
  });

  it('takes a year as the period', () => {
    const year = stacItem(input({ period: { start: '2015-01-01', end: '2015-12-31' } }));
    expect(year.properties.start_datetime).toBe('2015-01-01T00:00:00Z');
    expect(year.properties.end_datetime).toBe('2015-12-31T23:59:59Z');
  });

  it('rejects a bad period, naming it', () => {
    expect(() => stacItem(input({ period: { start: '2015-13-01', end: '2015-12-31' } }))).toThrow(/2015-13-01/);
    expect(() => stacItem(input({ period: { start: '2015-02-30', end: '2015-12-31' } }))).toThrow(/2015-02-30/);
    expect(() => stacItem(input({ period: { start: '2015-07-12', end: '2015-07-11' } }))).toThrow(/2015-07-12.*after.*2015-07-11/);
    try {
      stacItem(input({ period: { start: '2015-7-1', end: '2015-07-11' } }));
      expect.unreachable();
    } catch (err) {
      expect((err as { code?: string }).code).toBe('E_INPUT');
      expect((err as Error).message).toContain('2015-7-1');
    }
  });
});
