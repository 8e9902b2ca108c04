import { bboxPolygon, booleanIntersects, bbox as turfBbox } from '@turf/turf';
import type { MultiPolygon, Polygon } from 'geojson';
import { SatError } from '../core/errors.js';
import type { Crs } from '../geo/crs.js';
import { isAreal, readGeoJson } from '../geo/read-geojson.js';
import { invalidPolygonReason } from '../geo/self-intersection.js';
import { rasterBounds, worldToPixel } from '../geo/geotransform.js';
import { mapPositions, reprojectGeometry } from '../geo/reproject-geometry.js';
import type { RasterInfo } from '../raster/types.js';
import { makeTileGrid, type TileGrid, type TileGridSpec } from './tile-grid.js';

export interface Aoi {
  geometry: Polygon | MultiPolygon;
  crs: Crs;
}

/** An AOI from a GeoJSON file: exactly one Polygon or MultiPolygon (FeatureCollection, Feature or bare geometry), any CRS. */
export function readAoi(file: string): Aoi {
  const layer = readGeoJson(file);
  const polygons = layer.features.filter((f) => isAreal(f.geometry));
  if (polygons.length !== 1) {
    throw new SatError('E_INPUT', `${file}: an AOI is one Polygon or MultiPolygon (found ${polygons.length} areal feature(s))`);
  }
  const geometry = polygons[0].geometry as Polygon | MultiPolygon;
  const problem = invalidPolygonReason(geometry);
  if (problem) throw new SatError('E_INPUT', `${file}: the AOI ${problem}; repair it first (e.g. ST_MakeValid)`);
  return { geometry, crs: layer.crs };
}

const fmt = (b: number[]) => `[${b.map((v) => Number(v.toFixed(3))).join(', ')}]`;

/**
 * The tiles of a scene whose core intersects an area of interest (any CRS: reprojected to the scene's,
 * edges densified), and the AOI in pixel coordinates for masking later.
 */
export function selectTilesForAoi(info: RasterInfo, spec: TileGridSpec, aoi: Aoi): { grid: TileGrid; aoiPixels: Polygon | MultiPolygon } {
  const { geotransform: gt, proj4 } = info;
  if (!gt) throw new SatError('E_INPUT', `${info.source}: has no georeferencing, so an AOI cannot be placed on it`);
  if (!proj4) throw new SatError('E_INPUT', `${info.source}: has no coordinate reference system, so an AOI cannot be placed on it`);
  const sceneCrs: Crs = { epsg: info.epsg, proj4 };
  const world = reprojectGeometry(aoi.geometry, aoi.crs, sceneCrs) as Polygon | MultiPolygon;
  const pixels = mapPositions(world, (p) => worldToPixel(gt, p[0], p[1]));
  const [minC, minR, maxC, maxR] = turfBbox(pixels);
  const sceneBox = bboxPolygon([0, 0, info.width, info.height]);
  const intersects = maxC > 0 && minC < info.width && maxR > 0 && minR < info.height && booleanIntersects(pixels, sceneBox);
  if (!intersects) {
    throw new SatError(
      'E_INPUT',
      `the AOI does not intersect ${info.source}: AOI bounds ${fmt(turfBbox(world))}, scene bounds ${fmt(rasterBounds(gt, info.width, info.height))} (both in the scene CRS${info.epsg ? `, EPSG:${info.epsg}` : ''})`,
    );
  }
  const grid = makeTileGrid(info, spec, ({ core }) => {
    if (core.col >= maxC || core.col + core.width <= minC || core.row >= maxR || core.row + core.height <= minR) return false;
    return booleanIntersects(pixels, bboxPolygon([core.col, core.row, core.col + core.width, core.row + core.height]));
  });
  return { grid, aoiPixels: pixels };
}
