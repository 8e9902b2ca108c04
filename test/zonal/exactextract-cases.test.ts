/** Exact coverage-weighted statistics against the expected values of exactextract's test suite (06/exactextract_expected.json). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Polygon } from 'geojson';
import { afterAll, expect, it } from 'vitest';
import { exactCoverage } from '../../pipeline/zonal/exact-coverage.js';
import { pixelRings } from '../../pipeline/zonal/pixel-rings.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { zonalStatistics, zoneCells, type ZonalOptions } from '../../pipeline/zonal/zonal-statistics.js';
import { hasGdal } from '../helpers/gdal.js';
import { inlineRaster } from '../helpers/inline-raster.js';
import { describeWithSharedData, hasSharedData, sharedPath } from '../helpers/shared-data.js';

interface Case {
  id: string;
  raster: string | { rows_top_to_bottom: number[][] | string; nodata?: number };
  weights?: { rows_top_to_bottom: number[][] };
  polygon_bbox_xmin_ymin_xmax_ymax?: number[];
  polygons?: Record<string, number[]>;
  expected: Record<string, any>;
}

const tmp = mkdtempSync(path.join(tmpdir(), 'sat-exactextract-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const data = hasSharedData ? JSON.parse(readFileSync(sharedPath('06_zonal_stats_reference/exactextract_expected.json'), 'utf8')) : { cases: [], rasters: {} };
const byId = (id: string): Case => data.cases.find((c: Case) => c.id === id);
const box = ([a, b, c, d]: number[]): Polygon => ({ type: 'Polygon', coordinates: [[[a, b], [c, b], [c, d], [a, d], [a, b]]] });

/** The named rasters of the JSON, including the one given by a definition (r10_nodata_lower_left). */
function rasterRows(name: string): { rows: number[][]; nodata?: number } {
  const r = data.rasters[name];
  if (r.rows_top_to_bottom) return { rows: r.rows_top_to_bottom, nodata: r.nodata };
  // "values 1..100 row-major; rows 6-9 x cols 0-3 set to -999"
  const rows = Array.from({ length: 10 }, (_, i) => Array.from({ length: 10 }, (_, j) => (i >= 6 && j <= 3 ? -999 : i * 10 + j + 1)));
  return { rows, nodata: r.nodata };
}

async function stats(c: Case, raster: string | { rows: number[][]; nodata?: number } = c.raster as string, polygon = c.polygon_bbox_xmin_ymin_xmax_ymax!, options: Partial<ZonalOptions> = {}) {
  const { rows, nodata } = typeof raster === 'string' ? rasterRows(raster) : raster;
  const reader = await inlineRaster(rows, { nodata });
  const weights = c.weights ? await inlineRaster(c.weights.rows_top_to_bottom) : undefined;
  const [s] = await zonalStatistics(reader, [{ id: 1, geometry: box(polygon) }], { method: 'exact', weights, categorical: true, detail: true, ...options });
  await reader.close();
  await weights?.close();
  return s;
}

describeWithSharedData('exactextract test-suite facts', () => {
  it('basic_square: coverage fractions, count, mean, min, max, population stdev', async () => {
    const c = byId('basic_square');
    const coverage = exactCoverage(pixelRings(box(c.polygon_bbox_xmin_ymin_xmax_ymax!), [0, 1, 0, 3, 0, -1]), { col: 0, row: 0, width: 3, height: 3 });
    expect(Array.from(coverage)).toEqual(c.expected.coverage);
    const s = await stats(c);
    expect(s.count).toBe(c.expected.count);
    expect(s.mean).toBe(c.expected.mean);
    expect(s.sum).toBe(c.expected.sum_implied);
    expect([s.min, s.max]).toEqual([c.expected.min, c.expected.max]);
    expect(s.std).toBeCloseTo(c.expected.stdev, 9);
    expect(s.median).toBe(c.expected.median);
    expect(s.quantiles).toEqual({ '0.25': c.expected['quantile_0.25'], '0.75': c.expected['quantile_0.75'] });
    expect([s.majority, s.minority, s.variety]).toEqual([c.expected.majority, c.expected.minority, c.expected.variety]);
  });

  it('coverage_weight=none, min_coverage_frac and their combination (all touched, equal weight)', async () => {
    const none = byId('ignore_coverage_fraction');
    const a = await stats(none, 'r3', none.polygon_bbox_xmin_ymin_xmax_ymax, { coverageWeight: 'none' });
    expect([a.count, a.mean]).toEqual([none.expected.count, none.expected.mean]);
    const min = byId('min_coverage_fraction_0.49');
    expect((await stats(min, 'r3', min.polygon_bbox_xmin_ymin_xmax_ymax, { minCoverage: 0.49 })).count).toBe(min.expected.count);
    const all = byId('all_touched_equal_weight');
    expect((await stats(all, 'r3', all.polygon_bbox_xmin_ymin_xmax_ymax, { coverageWeight: 'none' })).sum).toBe(all.expected.sum);
  });

  it('default_value stands in for nodata', async () => {
    const c = byId('default_value_substitution');
    const plain = await stats(c);
    expect([plain.count, plain.sum, plain.mean]).toEqual([c.expected.count, c.expected.sum, c.expected.mean]);
    expect((await stats(c, c.raster as string, c.polygon_bbox_xmin_ymin_xmax_ymax, { defaultValue: 0 })).count).toBe(c.expected['count(default_value=0)']);
    const d = await stats(c, c.raster as string, c.polygon_bbox_xmin_ymin_xmax_ymax, { defaultValue: 123 });
    expect([d.sum, d.mean]).toEqual([c.expected['sum(default_value=123)'], c.expected['mean(default_value=123)']]);
  });

  it('all nodata: no mean, no variety, no mode', async () => {
    const c = byId('all_nodata');
    const s = await stats(c, { rows: [[-999, -999, -999], [-999, -999, -999], [-999, -999, -999]], nodata: -999 }, c.polygon_bbox_xmin_ymin_xmax_ymax);
    expect(s.mean).toBeNull();
    expect(s.variety).toBe(c.expected.variety);
    expect(s.majority).toBe(c.expected.mode);
  });

  it('basic_square cell by cell: values, coverage, centres, cell ids, where the min and max are', async () => {
    const c = byId('basic_square');
    const reader = await inlineRaster(data.rasters.r3.rows_top_to_bottom);
    const cells = await zoneCells(reader, { id: 1, geometry: box(c.polygon_bbox_xmin_ymin_xmax_ymax!) }, { method: 'exact' });
    await reader.close();
    for (const k of ['value', 'coverage', 'center_x', 'center_y', 'cell_id'] as const) {
      expect(cells.map((x) => x[k]), k).toEqual(c.expected[k === 'value' ? 'values' : k]);
    }
    const min = cells.reduce((a, b) => (b.value < a.value ? b : a));
    const max = cells.reduce((a, b) => (b.value > a.value ? b : a));
    expect([min.center_x, min.center_y, max.center_x, max.center_y]).toEqual([c.expected.min_center_x, c.expected.min_center_y, c.expected.max_center_x, c.expected.max_center_y]);
  });

  it.runIf(hasGdal)('band scale and offset apply after nodata is taken out (nodata_scale_offset)', async () => {
    const c = byId('nodata_scale_offset');
    const raster = c.raster as { rows_top_to_bottom: number[][]; nodata: number; scale: number; offset: number };
    const plain = await inlineRaster(raster.rows_top_to_bottom, { nodata: raster.nodata });
    const scaledFile = path.join(tmp, 'scaled.tif');
    execFileSync('gdal_translate', ['-q', '-ot', 'Int16', '-a_scale', String(raster.scale), '-a_offset', String(raster.offset), plain.info.source, scaledFile]);
    await plain.close();
    const reader = await openRaster(scaledFile);
    const cells = await zoneCells(reader, { id: 1, geometry: box(c.polygon_bbox_xmin_ymin_xmax_ymax!) }, { method: 'exact' });
    await reader.close();
    expect(cells.map((x) => x.value)).toEqual(c.expected.values_float64);
  });

  it.runIf(hasGdal)('cells masked by the GDAL mask band are left out (mask_band_excludes)', async () => {
    const c = byId('mask_band_excludes');
    const rows = (c.raster as { rows_top_to_bottom: number[][] }).rows_top_to_bottom;
    const plain = await inlineRaster(rows);
    // GDAL writes the internal mask: nodata 0 turned into a per-dataset mask, then the nodata tag dropped.
    const masked = path.join(tmp, 'masked.tif');
    execFileSync('gdal_translate', ['-q', '-a_nodata', '0', plain.info.source, path.join(tmp, 'nd.tif')]);
    execFileSync('gdal_translate', ['-q', '--config', 'GDAL_TIFF_INTERNAL_MASK', 'YES', '-b', '1', '-mask', '1', '-a_nodata', 'none', path.join(tmp, 'nd.tif'), masked]);
    await plain.close();
    const reader = await openRaster(masked);
    expect(reader.info.nodata).toBeNull();
    const cells = await zoneCells(reader, { id: 1, geometry: box(c.polygon_bbox_xmin_ymin_xmax_ymax!) }, { method: 'exact' });
    await reader.close();
    expect(cells.map((x) => x.value)).toEqual(c.expected.values);
  });

  it('tiny square in one cell and the doubled raster', async () => {
    const tiny = await stats(byId('tiny_square_in_one_cell'));
    expect(tiny.count).toBe(0.25);
    expect(tiny.mean).toBe(7);
    const doubled = byId('second_raster_doubled');
    const s = await stats(doubled);
    expect([s.count, s.mean]).toEqual([doubled.expected.count, doubled.expected.mean]);
  });

  it('weighted means and sums', async () => {
    for (const id of ['weighted_unequal', 'weighted_one_cell_weight', 'weighted_middle_row']) {
      const c = byId(id);
      const s = await stats(c);
      expect(s.weighted_mean, id).toBeCloseTo(c.expected.weighted_mean, 9);
      if (c.expected.weighted_sum !== undefined) expect(s.weighted_sum).toBeCloseTo(c.expected.weighted_sum, 9);
      if (c.expected.mean !== undefined) expect(s.mean).toBeCloseTo(c.expected.mean, 9);
    }
  });

  it('class fractions (categorical)', async () => {
    const c = byId('frac_per_class');
    for (const [name, bbox] of Object.entries(c.polygons!)) {
      const s = await stats(c, c.raster as string, bbox);
      const frac = Object.fromEntries(Object.entries(s.classes!).map(([k, v]) => [k, v.fraction]));
      expect(frac, name).toEqual(c.expected[name].frac);
    }
  });

  it('weighted class fractions (weighted_frac)', async () => {
    const c = byId('weighted_frac_per_class');
    for (const [name, bbox] of Object.entries(c.polygons!)) {
      const s = await stats(c, c.raster as string, bbox);
      expect(s.sum).toBeCloseTo(c.expected[name].sum, 12);
      const frac = Object.fromEntries(Object.entries(s.classes!).map(([k, v]) => [k, v.weighted_fraction]));
      expect(frac, name).toEqual(c.expected[name].weighted_frac);
    }
  });

  it('nodata: fully inside nodata gives no mean; partial coverage of nodata divides by the valid coverage', async () => {
    const inside = await stats(byId('nodata_fully_inside_nodata'));
    expect(inside.count).toBe(0);
    expect(inside.mean).toBeNull(); // exactextract: NaN
    expect(inside.nodata).toBe(9);
    const partial = byId('nodata_partial');
    const s = await stats(partial);
    expect(s.sum).toBeCloseTo(partial.expected.sum, 9);
    expect(s.mean).toBeCloseTo(partial.expected.mean, 9);
  });
});
