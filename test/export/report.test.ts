import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Feature, FeatureCollection, Polygon } from 'geojson';
import { chromium, type Browser } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_QUALITY_RULES } from '../../pipeline/assess/quality-grade.js';
import { choroplethSvg, formatSignificant, NOT_MEASURED_COLOUR, renderChoropleth, SUPPRESSED_COLOUR, type ChoroplethValue } from '../../pipeline/export/choropleth.js';
import { ClassQuicklook, CLOUD_COLOUR } from '../../pipeline/export/class-quicklook.js';
import { renderHtmlReport, type ReportInput } from '../../pipeline/export/html-report.js';
import { tableTotals } from '../../pipeline/export/table-totals.js';
import { renderTrueColour } from '../../pipeline/export/true-colour.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { createGeoTiffWriter } from '../../pipeline/raster/write-geotiff.js';
import type { StatisticsRow } from '../../pipeline/statistics/region-statistics.js';

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
  // Four 1° x 1° squares side by side at 50–51° N.
  const regions: FeatureCollection<Polygon> = {
    type: 'FeatureCollection',
    features: [rect('A', 10, 50, 11, 51), rect('B', 11, 50, 12, 51), rect('C', 12, 50, 13, 51), rect('D', 13, 50, 14, 51)],
  };
  const values = new Map<string, ChoroplethValue>([
    ['A', { value: 1, status: 'E' }],
    ['B', { value: 5, status: 'U' }],
    ['C', { value: null, status: 'Q' }],
    ['D', { value: null, status: 'none' }],
  ]);
  // Layout: title band 44 px, map 900 - 270 (legend) - 3 * 12 (padding) = 594 px wide starting at x = 12.
  const kx = Math.cos((50.5 * Math.PI) / 180);
  const s = 594 / (4 * kx);
  const centre = (lon: number, lat: number): [number, number] => [Math.round(12 + (lon - 10) * kx * s), Math.round(44 + (51 - lat) * s)];

  it('fills estimated regions with their class colour, hatches low-reliability ones, greys suppressed ones and marks unmeasured ones', async () => {
    const png = await renderChoropleth(regions, 'code', values, { title: 'Cropland <2015> & "more"', unit: '%' });
    const { info, px } = await decode(png);
    expect(info.width).toBe(900);
    expect(Math.abs(info.height - (44 + s + 12))).toBeLessThanOrEqual(1.5);
    expect(px(...centre(10.5, 50.5)).slice(0, 3)).toEqual(hex('#ffffcc')); // 1 = min: lowest class, E: plain
    expect(px(...centre(12.5, 50.5)).slice(0, 3)).toEqual(hex(SUPPRESSED_COLOUR)); // Q
    expect(px(...centre(13.5, 50.5)).slice(0, 3)).toEqual(hex(NOT_MEASURED_COLOUR)); // no classified pixel
    // U: the highest class's colour with dark hatching across it.
    const [bx, by] = centre(11.5, 50.5);
    const line = Array.from({ length: 24 }, (_, i) => px(bx - 12 + i, by).slice(0, 3));
    const plain = hex('#006837');
    expect(line.some((p) => p.every((v, k) => v === plain[k]))).toBe(true);
    expect(line.some((p) => p[0] + p[1] + p[2] < (plain[0] + plain[1] + plain[2]) * 0.75)).toBe(true);
    // Outline between A and B is dark.
    const [xb, yb] = centre(11, 50.3);
    expect(Math.min(...[xb - 1, xb, xb + 1].map((x) => px(x, yb)[0]))).toBeLessThan(160);
  });

  it('has a legible legend of the classes and of every mark shown, and rings a footprint too small to see', async () => {
    const footprint = [[10.499, 50.499], [10.501, 50.499], [10.501, 50.501], [10.499, 50.501], [10.499, 50.499]];
    const svg = choroplethSvg(regions, 'code', values, { title: 'T', unit: '%', footprint });
    const [title, ...labels] = [...svg.matchAll(/<text [^>]*font-size="(\d+)"[^>]*>([^<]*)<\/text>/g)].map((m) => ({ size: Number(m[1]), text: m[2] }));
    expect(title.text).toBe('T');
    expect(labels.map((l) => l.text)).toEqual(['1 – 1.8 %', '1.8 – 2.6 %', '2.6 – 3.4 %', '3.4 – 4.2 %', '4.2 – 5 %', 'hatched: low reliability (U)', 'suppressed (Q)', 'no classified pixel', 'the scene']);
    // Drawn at the size it is shown (the report does not scale it down): 15 px text.
    for (const l of labels) expect(l.size).toBeGreaterThanOrEqual(14);
    const { px } = await decode(await renderChoropleth(regions, 'code', values, { title: 'T', unit: '%', footprint }));
    const [cx, cy] = centre(10.5, 50.5);
    const ring = [8, 9, 10, 11, 12].map((d) => px(cx + d, cy));
    expect(ring.some(([r, g]) => r > 170 && g < 110)).toBe(true);
    // Only the marks that occur are explained.
    const plain = choroplethSvg(regions, 'code', new Map([['A', { value: 1, status: 'E' }]] as [string, ChoroplethValue][]), { title: 'T', unit: '%' });
    expect(plain).not.toContain('low reliability');
    expect(plain).not.toContain('suppressed');
    expect(plain).toContain('no classified pixel'); // B, C, D have no row
  });

  it('draws an area taller than wide narrower instead of taller than a screen', async () => {
    const tall: FeatureCollection<Polygon> = { type: 'FeatureCollection', features: [rect('A', 10, 50, 11, 51)] };
    const { info } = await decode(await renderChoropleth(tall, 'code', values, { title: 'T', unit: '%' }));
    // 480 px of map (1° of latitude), cos(50.5°) as wide, then the legend.
    expect(info.height).toBe(44 + 480 + 12);
    expect(Math.abs(info.width - (480 * kx + 270 + 36))).toBeLessThanOrEqual(1);
  });

  it('is deterministic and puts middle values in middle classes', async () => {
    const v2 = new Map<string, ChoroplethValue>([
      ['A', { value: 0, status: 'E' }],
      ['B', { value: 100, status: 'E' }],
      ['C', { value: 50, status: 'E' }],
      ['D', { value: 50, status: 'E' }],
    ]);
    const a = await renderChoropleth(regions, 'code', v2, { title: 'T', unit: '%' });
    const b = await renderChoropleth(regions, 'code', v2, { title: 'T', unit: '%' });
    expect(a.equals(b)).toBe(true);
    const { px } = await decode(a);
    expect(px(...centre(12.5, 50.5)).slice(0, 3)).toEqual(hex('#78c679'));
  });

  it('formats numbers with at most 3 significant digits', () => {
    expect(formatSignificant(1.8)).toBe('1.8');
    expect(formatSignificant(12345)).toBe('12300');
    expect(formatSignificant(0.000123456)).toBe('0.000123');
    expect(formatSignificant(-2.5)).toBe('-2.5');
    expect(formatSignificant(0)).toBe('0');
  });
});

describe('class quicklook', () => {
  it('shows classes in their colours, clouds in the cloud colour, other masked pixels transparent', async () => {
    const q = new ClassQuicklook(4, 2, 255);
    // Row-major 4 x 2: pixel 1 is cloud, pixel 2 nodata without cloud.
    q.add({ col: 0, row: 0, width: 4, height: 2 }, Uint8Array.from([1, 255, 255, 2, 1, 1, 255, 2]), (i) => i === 1);
    const file = path.join(tmp, 'quicklook.png');
    await q.writePng(file, [
      { id: 1, colour: '#1a9850' },
      { id: 2, colour: '#d73027' },
    ]);
    const { px } = await decode(await sharp(file).toBuffer());
    expect(px(0, 0)).toEqual([...hex('#1a9850'), 255]);
    expect(px(1, 0)).toEqual([...hex(CLOUD_COLOUR), 255]);
    expect(px(2, 0)[3]).toBe(0);
    expect(px(3, 0)).toEqual([...hex('#d73027'), 255]);
    expect(px(2, 1)[3]).toBe(0);
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

/** A row of the statistics table; what a test does not set is a plausible published estimate. */
function row(o: Partial<StatisticsRow> & Pick<StatisticsRow, 'region' | 'class_name'>): StatisticsRow {
  return {
    indicator: 'area',
    class: 1,
    unit: 'ha',
    mapped: 100,
    estimate: 100,
    se: 2,
    ci_lower: 96.08,
    ci_upper: 103.92,
    cv: 0.02,
    region_area_ha: 1000,
    valid_share: 1,
    cloud_share: 0,
    sample_size: 150,
    method: 'region-strata',
    grade: 'A',
    obs_status: 'E',
    suppressed: false,
    flags: '',
    ...o,
  };
}

describe('table totals', () => {
  const national = (classes: [string, number, number, number][]) => ({
    sampleSize: 300,
    classes: new Map(classes.map(([name, mappedHa, estimate, se]) => [name, { mappedHa, area: { estimate, se, lower: estimate - 1.96 * se, upper: estimate + 1.96 * se } }])),
  });

  it('sums the mapped values and takes the national estimate where it covers the same area, graded like a cell', () => {
    const rows = [
      row({ region: 'R1', class_name: 'forest', mapped: 100.25, region_area_ha: 1000, valid_share: 1 }),
      row({ region: 'R2', class_name: 'forest', mapped: 300.5, region_area_ha: 3000, valid_share: 0.5, cloud_share: 0.5 }),
      row({ region: 'R1', class_name: 'water', class: 2, mapped: 10 }),
      row({ region: 'R2', class_name: 'water', class: 2, mapped: 20, region_area_ha: 3000, valid_share: 0.5, cloud_share: 0.5 }),
    ];
    const [forest, water] = tableTotals(rows, national([['forest', 400.75, 410, 4], ['water', 30, 28, 9]]), DEFAULT_QUALITY_RULES);
    expect(forest).toMatchObject({ indicator: 'area', class_name: 'forest', mapped: 400.75, estimate: { estimate: 410, se: 4 }, grade: 'A', obs_status: 'E', sample_size: 300 });
    // Valid share of all regions: (1000 + 1500) / 4000 = 62.5 %; cloud (area-weighted over the regions reached) 37.5 %: no U.
    expect(forest.flags).toBe('');
    // CV 9 / 28 = 32 %: grade D, suppressed like a region's cell would be.
    expect(water).toMatchObject({ mapped: 30, estimate: null, why: 'suppressed', grade: 'D', obs_status: 'Q' });
    expect(water.flags).toMatch(/CV 32\.1 %/);
  });

  it('gives no area estimate when the map reaches beyond the regions, and marks thin coverage U', () => {
    const rows = [row({ region: 'R1', class_name: 'forest', mapped: 100, valid_share: 0.001 }), row({ region: 'R2', class_name: 'forest', mapped: 0, valid_share: 0 })];
    const [beyond] = tableTotals(rows, national([['forest', 250, 260, 3]]), DEFAULT_QUALITY_RULES);
    expect(beyond.estimate).toBeNull();
    expect(beyond.why).toMatch(/beyond the regions/);
    const [thin] = tableTotals(rows, national([['forest', 100.00004, 101, 1]]), DEFAULT_QUALITY_RULES);
    expect(thin).toMatchObject({ estimate: { estimate: 101 }, grade: 'A', obs_status: 'U' });
    expect(thin.flags).toMatch(/valid pixels/);
    expect(tableTotals(rows, null, DEFAULT_QUALITY_RULES)[0]).toMatchObject({ mapped: 100, estimate: null, why: 'no reference data', grade: '' });
  });

  it('adds building counts with their bounds (one precision and recall: perfectly correlated errors)', () => {
    const count = (region: string, mapped: number, estimate: number | null) =>
      row({ region, class_name: 'building', indicator: 'building_count', unit: 'count', method: 'precision-recall', mapped, estimate, se: estimate && estimate * 0.05, ci_lower: estimate && estimate * 0.902, ci_upper: estimate && estimate * 1.098, sample_size: 40 });
    const [total] = tableTotals([count('R1', 10, 12), count('R2', 30, 36)], null, DEFAULT_QUALITY_RULES);
    expect(total).toMatchObject({ indicator: 'building_count', mapped: 40, grade: 'B', obs_status: 'E', sample_size: 40 });
    expect(total.estimate!.estimate).toBeCloseTo(48, 9);
    expect(total.estimate!.se).toBeCloseTo(2.4, 9);
    expect([total.estimate!.lower, total.estimate!.upper].map((v) => Number(v!.toFixed(6)))).toEqual([43.296, 52.704]);
    expect(tableTotals([count('R1', 10, 12), count('R2', 30, null)], null, DEFAULT_QUALITY_RULES)[0]).toMatchObject({ estimate: null, why: 'not every region has a corrected count' });
  });
});

/** The report opened in Chromium at a 1280 px wide window (the browser statisticians read it in). */
const CHROMIUM = process.env.SAT_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
if (!haveChromium) console.warn(`HTML report layout tests skipped: no ${CHROMIUM}`);

describe('HTML report', () => {
  const tinyPng = () => sharp({ create: { width: 4, height: 3, channels: 3, background: '#336699' } }).png().toBuffer();
  const SE0 = 'no classification error in the sample: an SE of 0 understates the uncertainty';
  const rows: StatisticsRow[] = [
    row({ region: 'R01', class_name: 'forest', mapped: 298.0429, estimate: 298.0429, se: 0, ci_lower: 298.0429, ci_upper: 298.0429, cv: 0, region_area_ha: 1054.1671, valid_share: 0.965877, cloud_share: 0.034123, sample_size: 159, flags: SE0 }),
    row({ region: 'R01', class_name: 'cropland', class: 3, mapped: 362.7184, estimate: 350.1, se: 60.2, ci_lower: 232.108, ci_upper: 468.092, cv: 0.171951, grade: 'C', obs_status: 'U', region_area_ha: 1054.1671, valid_share: 0.965877, cloud_share: 0.034123, sample_size: 12, flags: 'sample of 12' }),
    row({ region: 'R01', class_name: 'grassland', class: 4, mapped: 0.75, estimate: null, se: null, ci_lower: null, ci_upper: null, cv: null, grade: 'D', obs_status: 'Q', suppressed: true, region_area_ha: 1054.1671, valid_share: 0.965877, cloud_share: 0.034123, sample_size: 12, flags: 'CV 139.1 %; sample of 12' }),
    row({ region: 'R02', class_name: 'forest', mapped: 288.686, estimate: 288.686, se: 0, ci_lower: 288.686, ci_upper: 288.686, cv: 0, region_area_ha: 2427.37, valid_share: 0.947416, cloud_share: 0.052584, flags: SE0 }),
    row({ region: 'R02', class_name: 'cropland', class: 3, mapped: 1048.4712, estimate: 1034.4, se: 9.9178, ci_lower: 1014.96, ci_upper: 1053.84, cv: 0.009588, region_area_ha: 2427.37, valid_share: 0.947416, cloud_share: 0.052584, method: 'region-strata-partly-domain', flags: 'this class had under 2 sample points in the region: pooled sample used' }),
    row({ region: 'R02', class_name: 'grassland', class: 4, mapped: 793.052, estimate: 807.125, se: 9.9178, ci_lower: 787.687, ci_upper: 826.564, cv: 0.012288, region_area_ha: 2427.37, valid_share: 0.947416, cloud_share: 0.052584 }),
    // R03 lies outside the scene, R04 under cloud: nothing classified.
    ...['forest', 'cropland', 'grassland'].map((c, k) => row({ region: 'R03', class_name: c, class: k + 1, mapped: 0, estimate: null, se: null, ci_lower: null, ci_upper: null, cv: null, grade: 'D', obs_status: 'Q', suppressed: true, region_area_ha: 5000, valid_share: 0, cloud_share: 0, sample_size: 0, flags: 'no classified pixel in the region; valid pixels 0 %' })),
    ...['forest', 'cropland', 'grassland'].map((c, k) => row({ region: 'R04', class_name: c, class: k + 1, mapped: 0, estimate: null, se: null, ci_lower: null, ci_upper: null, cv: null, grade: 'D', obs_status: 'Q', suppressed: true, region_area_ha: 800, valid_share: 0, cloud_share: 1, sample_size: 0, flags: 'no classified pixel in the region; valid pixels 0 %; cloud 100 %' })),
  ];
  const national = {
    sampleSize: 163,
    classes: new Map([
      ['forest', { mappedHa: 586.7289, area: { estimate: 586.7289, se: 0, lower: 586.7289, upper: 586.7289 } }],
      ['cropland', { mappedHa: 1411.1896, area: { estimate: 1384.5, se: 61.01, lower: 1264.9, upper: 1504.1 } }],
      ['grassland', { mappedHa: 793.802, area: { estimate: 808.2, se: 10.1, lower: 788.4, upper: 828 } }],
    ]),
  };

  async function input(): Promise<ReportInput> {
    return {
      title: 'Job <script>alert("x")</script> & co',
      period: '2015-07-11',
      confidence: 0.95,
      trueColour: await tinyPng(),
      classMap: {
        png: await tinyPng(),
        classes: [
          { id: 1, name: 'forest', colour: '#1a9850' },
          { id: 2, name: 'Crop <land>', colour: 'red;background-image:url(http://x)' },
        ],
        cloudColour: CLOUD_COLOUR,
      },
      choropleth: { png: await tinyPng(), caption: 'forest: error-adjusted share of each region (%)' },
      errorMatrix: {
        classes: ['forest', 'Crop <land>'],
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
        sampleSize: 163,
        overall: { estimate: 0.9223, se: 0.0159, lower: 0.8912, upper: 0.9534 },
        classes: [
          { name: 'forest', mappedHa: 64_400, area: { estimate: 65_790.25, se: 1071.7, lower: 63_689.75, upper: 67_890.75 }, users: { estimate: 0.931, se: 0.02, lower: 0.891, upper: 0.971 }, producers: { estimate: 0.925, se: null, lower: null, upper: null } },
          { name: 'Crop <land>', mappedHa: 35_600, area: { estimate: 34_209.75, se: null, lower: null, upper: null }, users: null, producers: null },
        ],
      },
      modelAccuracy: { overall: 0.9418, pixels: 3145 },
      statistics: {
        rows,
        regionNames: new Map([
          ['R01', 'Ljubljana <centre>'],
          ['R02', 'Pomurska'],
          ['R03', 'Koroška'],
          ['R04', 'Goriška'],
        ]),
        totals: tableTotals(rows, national, DEFAULT_QUALITY_RULES),
      },
      notes: ['Grade D values are suppressed & shown empty.'],
      provenance: { model: 'lc-cnn-2.3.1', inputs: ['<s2>.tif'], seed: 42 },
    };
  }

  it('escapes user text, embeds its pictures and nothing external, and is deterministic', async () => {
    const html = renderHtmlReport(await input());
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toContain('<script>');
    expect(html).toContain('Job &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    expect(html).toContain('Ljubljana &lt;centre&gt;');
    // True colour, class map, choropleth: the error matrix is a table, shown once.
    expect((html.match(/data:image\/png;base64,[A-Za-z0-9+/=]+/g) ?? []).length).toBe(3);
    expect(html).not.toMatch(/(?:src|href)="(?!data:)/);
    expect(html).not.toContain('url(http');
    expect(html).toContain('&quot;model&quot;: &quot;lc-cnn-2.3.1&quot;');
    expect(renderHtmlReport(await input())).toBe(html);
    const bare = renderHtmlReport({ ...(await input()), trueColour: null, choropleth: null, errorMatrix: null, accuracy: null, modelAccuracy: null, notes: [], statistics: { rows: [], regionNames: new Map(), totals: [] } });
    expect(bare).toContain('No error matrix.');
    expect(bare).toContain('No accuracy assessment');
    expect((bare.match(/data:image\/png;base64,/g) ?? []).length).toBe(1);
  });

  describe.runIf(haveChromium)('as read in a browser', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    });
    afterAll(async () => browser?.close());

    async function open(report: ReportInput) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 2000 } });
      await page.setContent(renderHtmlReport(report));
      return page;
    }
    const texts = (page: Awaited<ReturnType<typeof open>>, selector: string) => page.$$eval(selector, (els) => els.map((e) => (e.textContent ?? '').trim()));

    it('fits the regional table in a 1280 px window with rows one line high', async () => {
      const page = await open(await input());
      const layout = await page.$eval('table.statistics', (table) => ({
        pageWidth: table.ownerDocument.documentElement.scrollWidth,
        tableRight: table.getBoundingClientRect().right,
        rowHeights: [...table.querySelectorAll('tbody.region tr')].map((r) => r.getBoundingClientRect().height),
      }));
      expect(layout.pageWidth).toBeLessThanOrEqual(1280);
      expect(layout.tableRight).toBeLessThanOrEqual(1280);
      expect(layout.rowHeights).toHaveLength(6);
      for (const h of layout.rowHeights) expect(h).toBeLessThan(40);
      await page.close();
    });

    it('lists regions without a classified pixel apart, names regions and formats numbers', async () => {
      const page = await open(await input());
      expect(await page.$$eval('table.statistics tbody.region', (els) => els.map((e) => e.getAttribute('data-region')))).toEqual(['R01', 'R02']);
      expect(await texts(page, '#untouched-regions li')).toEqual(['Koroška (id R03)', 'Goriška (id R04), cloud 100 %']);
      expect(await texts(page, '#untouched-regions summary')).toEqual([expect.stringMatching(/^2 regions without a classified pixel/)]);
      expect(await texts(page, 'tbody[data-region="R01"] th.region strong')).toEqual(['Ljubljana <centre>']);
      expect(await texts(page, 'tbody[data-region="R01"] th.region .meta')).toEqual(['id R01', '1,054.2 ha · valid 96.6 % · cloud 3.4 %']);
      const cells = await page.$$eval('tbody[data-region="R02"] tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())));
      // Class, mapped, estimate, CI, CV, n, method, grade, status, flags.
      expect(cells[1]).toEqual(['cropland', '1,048.5', '1,034.4', '1,015.0 – 1,053.8', '0.96 %', '150', 'region + pooled', 'A', 'E', expect.stringMatching(/^[a-z]$/)]);
      const r01 = await page.$$eval('tbody[data-region="R01"] tr', (trs) => trs.map((tr) => ({ status: tr.className, cells: [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim()) })));
      expect(r01[2]).toEqual({ status: 'status-Q', cells: ['grassland', '0.75', '–', '–', '–', '12', 'region', 'D', 'Q', expect.any(String)] });
      expect(r01[1].status).toBe('status-U');
      expect(r01[0].cells.slice(1, 5)).toEqual(['298.0', '298.0', '298.0 – 298.0', '0 %']);
      await page.close();
    });

    it('shows flags as letters explained once, with the full text on hover', async () => {
      const page = await open(await input());
      const legend = await page.$$eval('dl.flag-legend dt', (dts) => dts.map((dt) => [dt.textContent, (dt.nextElementSibling?.textContent ?? '').trim()]));
      const explained = new Map(legend.map(([k, v]) => [k, v]));
      // Flags that differ only in their numbers share a letter; the letter's title is the row's own text.
      expect([...explained.values()]).toEqual(expect.arrayContaining([expect.stringContaining('SE of 0'), 'sample of 12', 'CV 139.1 %', expect.stringContaining('pooled sample')]));
      const q = await page.$$eval('tbody[data-region="R01"] tr.status-Q td.flags abbr', (as) => as.map((a) => [a.textContent, a.getAttribute('title')]));
      expect(q.map(([, title]) => title)).toEqual(['CV 139.1 %', 'sample of 12']);
      for (const [code, title] of q) expect(explained.get(code!)).toBe(title);
      // Regions left out of the table leave their flags out of the legend.
      expect([...explained.values()].some((t) => t.includes('no classified pixel'))).toBe(false);
      await page.close();
    });

    it('closes the table with a graded total over all regions', async () => {
      const page = await open(await input());
      const total = await page.$$eval('tbody.total tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())));
      expect(await texts(page, 'tbody.total th.region .meta')).toEqual(['all 4 regions', '9,281.5 ha · valid 35.7 %']);
      expect(total[0].slice(0, 5)).toEqual(['forest', '586.7', '586.7', '586.7 – 586.7', '0 %']);
      expect(total[1].slice(0, 5)).toEqual(['cropland', '1,411.2', '1,384.5', '1,264.9 – 1,504.1', '4.4 %']);
      // The total's valid share is 35.7 %: under 50 %, so low reliability, like a region's.
      expect(total[1].slice(7, 9)).toEqual(['A', 'U']);
      await page.close();
    });

    it('states the confidence level, tells the map\'s accuracy from the model\'s, shows clouds in the legend and the error matrix once', async () => {
      const page = await open(await input());
      expect(await texts(page, '#confidence-level')).toEqual(['95 %']);
      expect(await texts(page, 'table.statistics thead th')).toContain('95 % CI');
      expect(await texts(page, 'table.accuracy thead th')).toContain('95 % CI (ha)');
      const [map] = await texts(page, '#map-accuracy');
      expect(map).toMatch(/this map, estimated from the reference sample \(163 points.*92\.2 %.*95 % CI 89\.1 – 95\.3 %/);
      const [model] = await texts(page, '#model-accuracy');
      expect(model).toMatch(/94\.2 % of 3,145 held-out pixels of its training scene/);
      const cloud = await page.$eval('.legend li.cloud', (li) => ({ text: li.textContent, colour: li.ownerDocument.defaultView!.getComputedStyle(li.querySelector('.swatch')!).backgroundColor }));
      expect(cloud).toEqual({ text: 'cloud (not classified)', colour: `rgb(${hex(CLOUD_COLOUR).join(', ')})` });
      expect(await page.$$eval('table.matrix', (t) => t.length)).toBe(1);
      expect(await page.$$eval('img', (imgs) => imgs.map((i) => i.getAttribute('alt')))).toEqual(['True-colour preview', 'Class map', 'forest: error-adjusted share of each region (%)']);
      await page.close();
    });
  });
});
