import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Feature, FeatureCollection, Polygon } from 'geojson';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { formatSignificant, renderChoropleth } from '../../pipeline/export/choropleth.js';
import { renderErrorMatrixPng, renderHtmlReport, type ReportInput } from '../../pipeline/export/html-report.js';
import { renderTrueColour } from '../../pipeline/export/true-colour.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { createGeoTiffWriter } from '../../pipeline/raster/write-geotiff.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sat-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function decode(png: Buffer) {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const px = (x: number, y: number) => {
    const i = (y * info.width + x) * info.channels;
    return Array.from(data.subarray(i, i + info.channels));
  };
  return { data, info, px };
}

const hex = (c: string) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));

function rect(id: string, lon0: number, lat0: number, lon1: number, lat1: number): Feature<Polygon> {
  return {
    type: 'Feature',
    properties: { code: id },
    geometry: { type: 'Polygon', coordinates: [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]] },
  };
}

describe('choropleth', () => {
  // Three 1° x 1° squares side by side at 50–51° N.
  const regions: FeatureCollection<Polygon> = {
    type: 'FeatureCollection',
    features: [rect('A', 10, 50, 11, 51), rect('B', 11, 50, 12, 51), rect('C', 12, 50, 13, 51)],
  };
  const values = new Map<string, number | null>([
    ['A', 1],
    ['B', 5],
    ['C', null],
  ]);

  it('fits the width, keeps the aspect (cos of mean latitude) and fills regions with their class colour', async () => {
    const png = await renderChoropleth(regions, 'code', values, { width: 800, title: 'Cropland <2015> & "more"', unit: 'ha' });
    const { info, px } = await decode(png);
    expect(info.width).toBe(800);
    // Layout: title band 40 px, map 800 - 210 (legend) - 3 * 10 (padding) = 560 px wide starting at x = 10, 10 px below.
    const mapWidth = 560;
    const kx = Math.cos((50.5 * Math.PI) / 180);
    const s = mapWidth / (3 * kx);
    expect(Math.abs(info.height - (40 + s + 10))).toBeLessThanOrEqual(1.5);
    const centre = (lon: number, lat: number): [number, number] => [Math.round(10 + (lon - 10) * kx * s), Math.round(40 + (51 - lat) * s)];
    expect(px(...centre(10.5, 50.5)).slice(0, 3)).toEqual(hex('#ffffcc')); // 1 = min: lowest class
    expect(px(...centre(11.5, 50.5)).slice(0, 3)).toEqual(hex('#006837')); // 5 = max: highest class
    expect(px(...centre(12.5, 50.5)).slice(0, 3)).toEqual(hex('#dddddd')); // null: not published
    // Outline between A and B is dark.
    const [xb, yb] = centre(11, 50.5);
    const edge = [xb - 1, xb, xb + 1].map((x) => px(x, yb)[0]);
    expect(Math.min(...edge)).toBeLessThan(160);
  });

  it('is deterministic and puts middle values in middle classes', async () => {
    const v2 = new Map<string, number | null>([
      ['A', 0],
      ['B', 100],
      ['C', 50],
    ]);
    const a = await renderChoropleth(regions, 'code', v2, { title: 'T', unit: '%' });
    const b = await renderChoropleth(regions, 'code', v2, { title: 'T', unit: '%' });
    expect(a.equals(b)).toBe(true);
    const { info, px } = await decode(a);
    expect(info.width).toBe(800);
    const kx = Math.cos((50.5 * Math.PI) / 180);
    const s = 560 / (3 * kx);
    expect(px(Math.round(10 + 2.5 * kx * s), Math.round(40 + 0.5 * s)).slice(0, 3)).toEqual(hex('#78c679'));
  });

  it('formats numbers with at most 3 significant digits', () => {
    expect(formatSignificant(1.8)).toBe('1.8');
    expect(formatSignificant(12345)).toBe('12300');
    expect(formatSignificant(0.000123456)).toBe('0.000123');
    expect(formatSignificant(-2.5)).toBe('-2.5');
    expect(formatSignificant(0)).toBe('0');
  });
});

describe('true colour', () => {
  const width = 20;
  const height = 10;
  const NODATA = 65535;

  async function scene(): Promise<string> {
    const file = path.join(tmp, `scene-${Math.random().toString(36).slice(2)}.tif`);
    const bands = [0, 1, 2].map(() => new Uint16Array(width * height));
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        const i = r * width + c;
        bands[0][i] = 1000 + 100 * c + r; // red increases to the right
        bands[1][i] = 3000 - 100 * c - r; // green decreases to the right
        bands[2][i] = 500 + 50 * r; // blue increases downwards
      }
    }
    for (const b of bands) b[0] = NODATA; // (0, 0) is nodata
    for (const b of bands) b[width * height - 1] = 0; // last pixel all zero: fill, not data
    const writer = await createGeoTiffWriter(file, {
      width,
      height,
      bands: 3,
      dtype: 'uint16',
      geotransform: [500000, 10, 0, 4000000, 0, -10],
      epsg: 32633,
      nodata: NODATA,
      tileSize: 16,
    });
    for (let tr = 0; tr < writer.tilesDown; tr++) {
      for (let tc = 0; tc < writer.tilesAcross; tc++) {
        const c0 = tc * 16;
        const r0 = tr * 16;
        const w = Math.min(16, width - c0);
        const h = Math.min(16, height - r0);
        const tile = bands.map((b) => {
          const out = new Uint16Array(w * h);
          for (let r = 0; r < h; r++) out.set(b.subarray((r0 + r) * width + c0, (r0 + r) * width + c0 + w), r * w);
          return out;
        });
        await writer.writeTile(tc, tr, tile);
      }
    }
    await writer.close();
    return file;
  }

  it('stretches each band 2–98 % to 0–255 and makes nodata transparent', async () => {
    const reader = await openRaster(await scene());
    try {
      const png = await renderTrueColour(reader, [1, 2, 3]);
      const { info, data, px } = await decode(png);
      expect([info.width, info.height, info.channels]).toEqual([width, height, 4]);
      expect(px(0, 0)[3]).toBe(0); // nodata
      expect(px(width - 1, height - 1)[3]).toBe(0); // all-zero fill
      for (let k = 0; k < 3; k++) {
        let min = 255;
        let max = 0;
        for (let i = 0; i < width * height; i++) {
          if (data[i * 4 + 3] === 0) continue;
          min = Math.min(min, data[i * 4 + k]);
          max = Math.max(max, data[i * 4 + k]);
        }
        expect([min, max]).toEqual([0, 255]);
      }
      // Gradients survive: red rises and green falls to the right, blue rises downwards.
      expect(px(15, 5)[0]).toBeGreaterThan(px(5, 5)[0]);
      expect(px(15, 5)[1]).toBeLessThan(px(5, 5)[1]);
      expect(px(5, 8)[2]).toBeGreaterThan(px(5, 2)[2]);
      expect(px(5, 5)[3]).toBe(255);
      // Deterministic.
      expect((await renderTrueColour(reader, [1, 2, 3])).equals(png)).toBe(true);
    } finally {
      await reader.close();
    }
  });

  it('limits the long side to maxSide and honours the band order', async () => {
    const reader = await openRaster(await scene());
    try {
      const png = await renderTrueColour(reader, [3, 2, 1], { maxSide: 10 });
      const { info, px } = await decode(png);
      expect([info.width, info.height]).toEqual([10, 5]);
      // Nearest sampling at the centres: preview (x, y) shows source (2x + 1, 2y + 1).
      expect(px(0, 0)[3]).toBe(255); // source (1, 1), valid
      expect(px(9, 4)[3]).toBe(0); // source (19, 9), all zero
      // Red shows band 3 (rising downwards), blue band 1 (rising to the right).
      expect(px(3, 4)[0]).toBeGreaterThan(px(3, 0)[0]);
      expect(px(8, 2)[2]).toBeGreaterThan(px(1, 2)[2]);
    } finally {
      await reader.close();
    }
  });
});

describe('HTML report', () => {
  const tinyPng = () => sharp({ create: { width: 4, height: 3, channels: 3, background: '#336699' } }).png().toBuffer();

  async function input(): Promise<ReportInput> {
    return {
      title: 'Job <script>alert("x")</script> & co',
      period: '2015-07-11',
      trueColour: await tinyPng(),
      classMap: {
        png: await tinyPng(),
        classes: [
          { id: 1, name: 'Forest', colour: '#1a9850' },
          { id: 2, name: 'Crop <land>', colour: 'red;background-image:url(http://x)' },
        ],
      },
      choropleth: { png: await tinyPng(), caption: 'Forest area by region' },
      errorMatrix: {
        classes: ['Forest', 'Crop <land>'],
        proportions: [
          [0.6123, 0.0321],
          [0.0456, 0.31],
        ],
        counts: [
          [87, 5],
          [7, 64],
        ],
      },
      accuracy: {
        overall: { estimate: 0.9223, halfWidth: 0.0311 },
        classes: [
          { name: 'Forest', mappedHa: 64_400, estimateHa: 65_790.25, halfWidthHa: 2_100.5, users: 0.931, usersHalfWidth: 0.04, producers: 0.925, producersHalfWidth: 0.05 },
          { name: 'Crop <land>', mappedHa: 35_600, estimateHa: 34_209.75, halfWidthHa: null, users: 0.872, usersHalfWidth: null, producers: null, producersHalfWidth: null },
        ],
      },
      table: {
        columns: ['REF_AREA', 'LAND_COVER', 'INDICATOR', 'VALUE'],
        rows: Array.from({ length: 205 }, (_, i) => [`R${i}`, i % 2 ? 'FOREST' : 'CROP', 'AREA_ADJ', i === 3 ? null : 1000 + i / 3]),
      },
      notes: ['Grade D values are suppressed & shown empty.'],
      provenance: { model: 'lc-cnn-2.3.1', inputs: ['<s2>.tif'], seed: 42 },
    };
  }

  it('escapes user text, embeds pictures, shows the error matrix and limits the table', async () => {
    const html = await renderHtmlReport(await input());
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).not.toContain('<script>');
    expect(html).toContain('Job &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    expect(html).toContain('Crop &lt;land&gt;');
    // PNGs as data URIs: 3 pictures + the error-matrix heatmap; nothing external.
    const uris = html.match(/data:image\/png;base64,[A-Za-z0-9+/=]+/g) ?? [];
    expect(uris.length).toBe(4);
    expect(html).not.toMatch(/(?:src|href)="(?!data:)/);
    expect(html).not.toContain('url(http');
    // Error matrix cells and counts.
    for (const v of ['0.6123', '0.0321', '0.0456', '0.3100', 'n=87', 'n=64']) expect(html).toContain(v);
    expect(html).toMatch(/class="diag"/);
    // Accuracy.
    expect(html).toContain('92.2 % ± 3.1');
    expect(html).toContain('65,790.3 ± 2,100.5');
    // Table: 200 rows shown, 5 counted.
    expect(html).toContain('R199');
    expect(html).not.toContain('R200');
    expect(html).toContain('5 more rows not shown');
    // Provenance as JSON.
    expect(html).toContain('&quot;model&quot;: &quot;lc-cnn-2.3.1&quot;');
    expect(html).toContain('&lt;s2&gt;.tif');
  });

  it('gives identical HTML for the same input and handles missing parts', async () => {
    const a = await renderHtmlReport(await input());
    const b = await renderHtmlReport(await input());
    expect(a).toBe(b);
    const bare = await renderHtmlReport({ ...(await input()), trueColour: null, choropleth: null, errorMatrix: null, accuracy: null, notes: [], table: { columns: ['X'], rows: [] } });
    expect(bare).toContain('No error matrix.');
    expect((bare.match(/data:image\/png;base64,/g) ?? []).length).toBe(1);
  });

  it('renders the error matrix as a PNG heatmap', async () => {
    const png = await renderErrorMatrixPng((await input()).errorMatrix!);
    const { info } = await decode(png);
    expect(info.width).toBeGreaterThan(100);
    expect(info.height).toBeGreaterThan(100);
    expect((await renderErrorMatrixPng((await input()).errorMatrix!)).equals(png)).toBe(true);
  });
});
