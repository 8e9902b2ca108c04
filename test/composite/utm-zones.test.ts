/**
 * A mosaic across UTM zones: one overpass, two tiles in two zones (33N and 34N, either side of 18°E), composited onto
 * one grid in the western zone. Each tile holds one value, so every cell's expected value is known exactly: the first
 * tile by id where the cell's centre falls inside it (in its own CRS), else the other, else no data.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadSettings } from '../../pipeline/config/settings.js';
import { crsFromEpsg, makeTransform, WGS84 } from '../../pipeline/geo/crs.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { writeGeoTiff } from '../../pipeline/raster/write-geotiff.js';
import { compositePeriod } from '../../pipeline/workflows/composite-period.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'sat-zones-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A tile on a 10 m grid of `epsg` covering the lon/lat box, holding one stored value, as a one-asset Item. */
async function tile(id: string, epsg: number, box: [number, number, number, number], value: number) {
  const toGrid = makeTransform(WGS84, crsFromEpsg(epsg));
  const corners = [[box[0], box[1]], [box[2], box[1]], [box[2], box[3]], [box[0], box[3]]].map((p) => toGrid(p as [number, number]));
  const x0 = Math.floor(Math.min(...corners.map((c) => c[0])) / 10) * 10;
  const y0 = Math.ceil(Math.max(...corners.map((c) => c[1])) / 10) * 10;
  const width = Math.ceil((Math.max(...corners.map((c) => c[0])) - x0) / 10);
  const height = Math.ceil((y0 - Math.min(...corners.map((c) => c[1]))) / 10);
  const href = path.join(tmp, `${id}.tif`);
  await writeGeoTiff(href, { window: { col: 0, row: 0, width, height }, dtype: 'uint16', bands: [new Uint16Array(width * height).fill(value)] }, { geotransform: [x0, 10, 0, y0, 0, -10], epsg, nodata: 0 });
  const item = {
    type: 'Feature',
    stac_version: '1.0.0',
    id,
    collection: 'sentinel-2-l2a',
    geometry: { type: 'Polygon', coordinates: [[[box[0], box[1]], [box[2], box[1]], [box[2], box[3]], [box[0], box[3]], [box[0], box[1]]]] },
    bbox: box,
    properties: { datetime: '2021-07-01T10:00:00Z', platform: 'Sentinel-2A', 'proj:epsg': epsg },
    assets: { B04: { href, 'proj:shape': [height, width], 'proj:transform': [10, 0, x0, 0, -10, y0] } },
    links: [],
  };
  return { item, epsg, x0, y0, width, height };
}

it('one overpass across the 33N/34N border: each cell from the tile its centre falls in, the overlap counted once', async () => {
  const west = await tile('A-T33', 32633, [17.96, 45.99, 18.012, 46.03], 1000);
  const east = await tile('B-T34', 32634, [17.995, 45.99, 18.05, 46.03], 2000);
  const items = path.join(tmp, 'items.json');
  writeFileSync(items, JSON.stringify({ type: 'FeatureCollection', features: [east.item, west.item] }));
  const out = path.join(tmp, 'out');
  const result = await compositePeriod({ stac: items, query: { bbox: [17.97, 46.0, 18.04, 46.02], datetime: { start: '2021-07-01T00:00:00Z', end: '2021-07-01T23:59:59Z' } }, crs: crsFromEpsg(32633), resolution: 10, bands: ['red'], method: 'median', mask: 'none', out, settings: loadSettings(undefined, {}) });
  expect(result.acquisitions).toEqual([{ key: '2021-07-01|Sentinel-2A', items: ['A-T33', 'B-T34'] }]);
  const raster = await openRaster(path.join(out, 'composite.tif'));
  const counts = await openRaster(path.join(out, 'clear_count.tif'));
  const [red] = (await raster.read()).bands as Float32Array[];
  const [count] = (await counts.read()).bands;
  await Promise.all([raster.close(), counts.close()]);
  const { geotransform: gt, width, height } = result.grid;
  const to34 = makeTransform(crsFromEpsg(32633), crsFromEpsg(32634));
  const inside = (t: typeof west, x: number, y: number) => x >= t.x0 && x < t.x0 + t.width * 10 && y <= t.y0 && y > t.y0 - t.height * 10;
  const seen = { west: 0, east: 0, none: 0 };
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      const x = gt[0] + (col + 0.5) * 10;
      const y = gt[3] - (row + 0.5) * 10;
      const [ex, ey] = to34([x, y]);
      const i = row * width + col;
      if (inside(west, x, y)) {
        expect(red[i]).toBe(Math.fround(0.1));
        seen.west++;
      } else if (inside(east, ex, ey)) {
        expect(red[i]).toBe(Math.fround(0.2));
        seen.east++;
      } else {
        expect(red[i]).toBeNaN();
        seen.none++;
      }
      expect(count[i]).toBe(Number.isNaN(red[i]) ? 0 : 1);
    }
  }
  // Both zones contribute.
  expect(seen.west).toBeGreaterThan(width * height * 0.3);
  expect(seen.east).toBeGreaterThan(width * height * 0.3);
});
