/** Pixel-centre and all-touched zonal statistics against rasterstats' test facts and GDAL references (06/rasterstats_expected.json). */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { readGeoJson } from '../../pipeline/geo/read-geojson.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { loadRegions, regionsInCrs } from '../../pipeline/zonal/load-regions.js';
import type { CoverageMethod } from '../../pipeline/zonal/coverage-cache.js';
import { zonalStatistics, type ZonalOptions, type Zone, type ZoneStats } from '../../pipeline/zonal/zonal-statistics.js';
import { inlineRaster } from '../helpers/inline-raster.js';
import { describeWithSharedData, hasSharedData, sharedPath } from '../helpers/shared-data.js';

const dir = (f: string) => sharedPath('06_zonal_stats_reference', f);
const expected = hasSharedData ? JSON.parse(readFileSync(dir('rasterstats_expected.json'), 'utf8')) : { cases: [] };
const byId = (id: string) => expected.cases.find((c: { id: string }) => c.id === id);

/** rasterstats ignores CRS; the vectors are in the raster's Albers metres (some .prj files wrongly say WGS84). */
async function run(raster: string, vector: string, method: CoverageMethod, categorical = false, options: Partial<ZonalOptions> = {}): Promise<ZoneStats[]> {
  const reader = await openRaster(dir(`rasterstats_data/${raster}`));
  const layer = readGeoJson(dir(`rasterstats_data_geojson/${vector}`), { crs: { epsg: null, proj4: reader.info.proj4! } });
  const zones = layer.features.map((f, i) => ({ id: (f.properties.id as number) ?? i, geometry: f.geometry as Zone['geometry'] }));
  const stats = await zonalStatistics(reader, zones, { method, categorical, detail: true, ...options });
  await reader.close();
  return stats;
}

type GdalReference = { count: number; nodata_or_masked: number; unique?: number } & Partial<Record<'min' | 'max' | 'mean' | 'sum' | 'std' | 'median' | 'majority' | 'minority' | 'range', number>>;

function matchesGdal(ours: ZoneStats, ref: GdalReference) {
  expect(ours.count).toBe(ref.count);
  expect(ours.nodata).toBe(ref.nodata_or_masked);
  if (ref.count === 0) return expect(ours.mean).toBeNull();
  for (const k of ['min', 'max', 'mean', 'sum', 'std', 'median', 'majority', 'minority', 'range'] as const) {
    if (ref[k] !== undefined) expect(ours[k]!, k).toBeCloseTo(ref[k]!, 4);
  }
  if (ref.unique !== undefined) expect(ours.variety).toBe(ref.unique);
}

describeWithSharedData('rasterstats test-suite facts', () => {
  it('polygons, pixel-centre rule: counts 75 and 50, mean 14.66, and GDAL statistics', async () => {
    const s = await run('slope.tif', 'polygons.geojson', 'centroid');
    expect(s.map((z) => z.count)).toEqual([75, 50]);
    expect(Number(s[0].mean!.toFixed(2))).toBe(14.66);
    byId('polygons_default').gdal_reference.forEach((ref: GdalReference, i: number) => matchesGdal(s[i], ref));
  });

  it('polygons, all-touched rule: counts 95 and 73', async () => {
    const s = await run('slope.tif', 'polygons.geojson', 'all-touched');
    expect(s.map((z) => z.count)).toEqual([95, 73]);
    byId('polygons_all_touched').gdal_reference.forEach((ref: GdalReference, i: number) => matchesGdal(s[i], ref));
  });

  it('multipolygons: count 125, and GDAL statistics', async () => {
    const s = await run('slope.tif', 'multipolygons.geojson', 'centroid');
    expect(s[0].count).toBe(125);
    byId('multipolygons').gdal_reference.forEach((ref: GdalReference, i: number) => matchesGdal(s[i], ref));
  });

  it('the CLI feature collection: mean 14.66 for the first feature', async () => {
    const reader = await openRaster(dir('rasterstats_data/slope.tif'));
    const layer = readGeoJson(dir('rasterstats_data/featurecollection.geojson'), { crs: { epsg: null, proj4: reader.info.proj4! } });
    const s = await zonalStatistics(reader, layer.features.map((f, i) => ({ id: i, geometry: f.geometry as Zone['geometry'] })), { method: 'centroid' });
    await reader.close();
    expect(Number(s[0].mean!.toFixed(2))).toBe(14.66);
  });

  it('categorical slope classes: polygon 1 is all class 1 (75 cells), polygon 2 has class 5', async () => {
    const s = await run('slope_classes.tif', 'polygons.geojson', 'centroid', true);
    expect(s[0].classes!['1'].count).toBe(75);
    expect(s[1].classes!['5']).toBeDefined();
    const ref = byId('categorical').gdal_reference;
    for (const [i, r] of ref.entries()) {
      const ours = Object.fromEntries(Object.entries(s[i].classes!).map(([k, v]) => [Number(k).toFixed(1), v.count]));
      expect(ours).toEqual(r.histogram);
    }
  });

  it('nodata: some (36/19 nodata, 39/31 counted) and all (75/50 nodata, 0 counted)', async () => {
    const some = await run('slope_nodata.tif', 'polygons.geojson', 'centroid');
    expect(some.map((z) => [z.nodata, z.count])).toEqual([[36, 39], [19, 31]]);
    const all = await run('all_nodata.tif', 'polygons.geojson', 'centroid');
    expect(all.map((z) => [z.nodata, z.count])).toEqual([[75, 0], [50, 0]]);
  });

  it('partly overlapping polygons have counts > 0 matching GDAL; polygons outside are reported with count 0', async () => {
    const partial = await run('slope.tif', 'polygons_partial_overlap.geojson', 'centroid');
    expect(partial.every((z) => z.count > 0)).toBe(true);
    byId('partial_overlap').gdal_reference.forEach((ref: GdalReference, i: number) => matchesGdal(partial[i], ref));
    const none = await run('slope.tif', 'polygons_no_overlap.geojson', 'centroid');
    expect(none.length).toBe(byId('no_overlap').gdal_reference.length);
    expect(none.every((z) => z.count === 0 && z.mean === null)).toBe(true);
  });
});

describeWithSharedData('regions in another CRS than the raster', () => {
  it('the rasterstats polygons in EPSG:4326, reprojected to the raster\'s user-defined Albers, give the same cells as the originals', async () => {
    const reader = await openRaster(dir('rasterstats_data/slope.tif'));
    const set = loadRegions(dir('rasterstats_data_geojson/polygons_wgs84.geojson'), 'id');
    expect(set.crs.epsg).toBe(4326);
    const zones = regionsInCrs(set, { epsg: reader.info.epsg, proj4: reader.info.proj4! });
    const centre = await zonalStatistics(reader, zones, { method: 'centroid' });
    expect(centre.map((z) => z.count)).toEqual([75, 50]);
    expect(Number(centre[0].mean!.toFixed(2))).toBe(14.66);
    await reader.close();
  });
});

describeWithSharedData('lines and points, as GDAL burns them', () => {
  it('lines: 58 and 32 cells with GDAL statistics; multilines 89 (GDAL 3.6.2)', async () => {
    const lines = await run('slope.tif', 'lines.geojson', 'centroid');
    expect(lines.map((z) => z.count)).toEqual([58, 32]);
    byId('lines').gdal_reference.forEach((ref: GdalReference, i: number) => matchesGdal(lines[i], ref));
    const multi = await run('slope.tif', 'multilines.geojson', 'centroid');
    expect(multi[0].count).toBe(89);
    byId('multilines').gdal_reference.forEach((ref: GdalReference, i: number) => matchesGdal(multi[i], ref));
  });

  it('points and multipoints: the cell each falls in', async () => {
    const points = await run('slope.tif', 'points.geojson', 'centroid');
    expect(points.map((z) => z.count)).toEqual([1, 1, 1]);
    expect(Number(points[0].mean!.toFixed(3))).toBe(11.386);
    expect(Number(points[1].mean!.toFixed(3))).toBe(35.547);
    byId('points').gdal_reference.forEach((ref: GdalReference, i: number) => matchesGdal(points[i], ref));
    const multi = await run('slope.tif', 'multipoints.geojson', 'centroid');
    expect(multi[0].count).toBe(3);
    byId('multipoints').gdal_reference.forEach((ref: GdalReference, i: number) => matchesGdal(multi[i], ref));
    const classes = await run('slope_classes.tif', 'points.geojson', 'centroid', true);
    expect(classes[0].classes!['1'].count).toBe(1);
    expect(classes[1].classes!['2'].count).toBe(1);
  });
});

describeWithSharedData('rasterstats options and inline cases', () => {
  it('nodata override 1 on the slope classes: polygon 1 all nodata, polygon 2 49 cells (GDAL statistics); 90th percentile', async () => {
    const s = await run('slope_classes.tif', 'polygons.geojson', 'centroid', true, { nodata: 1, quantiles: [0.9] });
    byId('categorical_nodata_override_1').gdal_reference.forEach((ref: GdalReference, i: number) => matchesGdal(s[i], ref));
    expect(s[0].classes!['1']).toBeUndefined();
    expect(s[1].minority).toBe(2);
    expect(s[0].quantiles).toEqual({ '0.9': null });
    expect(s[1].quantiles).toEqual({ '0.9': 5 });
  });

  it('cells masked by the file\'s mask band neither count nor are nodata (dataset_mask.tif: 75 and 0)', async () => {
    const s = await run('dataset_mask.tif', 'polygons.geojson', 'centroid');
    byId('dataset_mask').gdal_reference.forEach((ref: GdalReference, i: number) => matchesGdal(s[i], ref));
  });

  it('without the nodata value every cell counts (min -9999, nodata 0, count 75)', async () => {
    const [s] = await run('slope_nodata.tif', 'polygons.geojson', 'centroid', false, { nodata: null });
    expect([s.min, s.nodata, s.count]).toEqual([-9999, 0, 75]);
  });

  it('inline arrays: NaN and nodata counted apart; the pixel-centre rule with partial pixels', async () => {
    for (const c of expected.inline_array_cases) {
      const rows = c.array_rows_top_to_bottom.map((r: (number | string)[]) => r.map((v) => (v === 'NaN' ? NaN : Number(v))));
      const [a, b, x0, d, e, y0] = c.affine_a_b_c_d_e_f;
      const raster = await inlineRaster(rows, { nodata: c.nodata ?? null, geotransform: [x0, a, b, y0, d, e] });
      const ring = c.polygon ?? c.polygon_wkt.replace(/^POLYGON \(\(|\)\)$/g, '').split(', ').map((p: string) => p.split(' ').map(Number));
      const [s] = await zonalStatistics(raster, [{ id: c.id, geometry: { type: 'Polygon', coordinates: [ring] } }], { method: 'centroid' });
      await raster.close();
      for (const [k, v] of Object.entries(c.expected as Record<string, number>)) expect(s[k as keyof ZoneStats], `${c.id} ${k}`).toBe(v);
    }
  });
});
