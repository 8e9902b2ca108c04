import type { Polygon, MultiPolygon } from 'geojson';
import { sha256File } from '../core/checksum.js';
import { SatError } from '../core/errors.js';
import { type Crs } from '../geo/crs.js';
import { isAreal, readGeoJson } from '../geo/read-geojson.js';
import { reprojectGeometry } from '../geo/reproject-geometry.js';
import type { BandRecipe } from '../preprocess/band-recipe.js';
import { checkRecipeImagery } from '../preprocess/check-recipe-imagery.js';
import { preprocessTile } from '../preprocess/preprocess-tile.js';
import { openRaster, type RasterReader } from '../raster/open-raster.js';
import type { GeoTransform } from '../raster/types.js';
import { centroidCoverage } from '../zonal/rule-coverage.js';
import { pixelRings, ringsWindow } from '../zonal/pixel-rings.js';

/**
 * One scene with its reference labels, on one pixel grid, in memory: the unit that training and evaluation
 * work on (training scenes are patches and tiles, not whole Sentinel-2 granules; the size guard says so).
 */
export interface LabelledScene {
  width: number;
  height: number;
  geotransform: GeoTransform | null;
  crs: Crs | null;
  /** Recipe channels (bands then indices), HWC Float32, not yet normalised; 0 where invalid. */
  channels: string[];
  features: Float32Array;
  /** 1 = usable imagery. */
  valid: Uint8Array;
  /** Reference class id per pixel; -1 = unlabelled. */
  labels: Int32Array;
  /** Building footprints as instance ids (0 = none), when labels came from polygons. */
  instances: Int32Array | null;
  /** SHA-256 of imagery and label files, in that order, joined by '+'. */
  checksum: string;
}

export interface LabelSource {
  /** A raster on the imagery's grid (class ids; buildings: non-zero = building) or GeoJSON polygons. */
  file: string;
  /** GeoJSON: the property holding the class id (land cover). Buildings need none: every polygon is a building. */
  property?: string;
  /** Raster labels with this value are unlabelled (e.g. 0 in eo-learn's LULC). */
  ignoreValue?: number;
}

export interface ReadLabelledSceneInput {
  imagery: string;
  recipe: BandRecipe;
  task: 'landcover' | 'buildings';
  labels: LabelSource;
  /** Auxiliary raster for recipes whose cloud mask source is 'aux'. */
  aux?: string;
  /** Larger scenes are refused (they belong to tiled prediction, not to in-memory training). */
  maxMegapixels?: number;
}

function rasterCrs(reader: RasterReader): Crs | null {
  return reader.info.proj4 ? { epsg: reader.info.epsg, proj4: reader.info.proj4 } : null;
}

function sameGrid(a: RasterReader, b: RasterReader): string | null {
  if (a.info.width !== b.info.width || a.info.height !== b.info.height) {
    return `${b.info.width} x ${b.info.height} pixels, the imagery ${a.info.width} x ${a.info.height}`;
  }
  const ga = a.info.geotransform;
  const gb = b.info.geotransform;
  if (ga && gb) {
    const tolerance = 1e-3 * Math.max(Math.abs(ga[1]), Math.abs(ga[5]));
    if (ga.some((v, i) => Math.abs(v - gb[i]) > tolerance)) return `geotransform [${gb}], the imagery's [${ga}]`;
  }
  return null;
}

export async function readLabelledScene(input: ReadLabelledSceneInput): Promise<LabelledScene> {
  const scene = await openRaster(input.imagery);
  const readers: RasterReader[] = [scene];
  try {
    const { width, height } = scene.info;
    const limit = input.maxMegapixels ?? 64;
    if ((width * height) / 1e6 > limit) {
      throw new SatError('E_LIMIT', `${input.imagery} is ${width} x ${height}; training reads scenes of up to ${limit} megapixels (cut a training area first)`);
    }
    checkRecipeImagery(input.recipe, { ...scene.info, source: input.imagery });
    const missing = input.recipe.bands.filter((b) => b.source > scene.info.bands);
    if (missing.length) {
      throw new SatError('E_INPUT', `band recipe '${input.recipe.name}' needs band(s) ${missing.map((b) => `${b.source} (${b.name})`).join(', ')} but ${input.imagery} has ${scene.info.bands}`);
    }
    let auxBand;
    if (input.aux) {
      const aux = await openRaster(input.aux);
      readers.push(aux);
      const mismatch = sameGrid(scene, aux);
      if (mismatch) throw new SatError('E_INPUT', `auxiliary raster ${input.aux} is not on the imagery's grid: it has ${mismatch}`);
      auxBand = (await aux.read(undefined, { bands: [1] })).bands[0];
    }
    const raw = await scene.read();
    const prepared = preprocessTile(raw, { ...input.recipe, normalisation: { kind: 'none' } }, {
      sceneWidth: width,
      sceneHeight: height,
      nodata: scene.info.nodata,
      aux: auxBand,
    });
    const crs = rasterCrs(scene);
    const { labels, instances } = input.labels.file.match(/\.(geo)?json$/i)
      ? polygonLabels(input, scene, crs)
      : await rasterLabels(input, scene, readers);
    if (!labels.some((v) => v >= 0)) throw new SatError('E_INPUT', `${input.labels.file}: no labelled pixel falls inside ${input.imagery}`);
    const checksum = `${await sha256File(input.imagery)}+${await sha256File(input.labels.file)}`;
    return {
      width,
      height,
      geotransform: scene.info.geotransform,
      crs,
      channels: prepared.channels,
      features: prepared.data,
      valid: prepared.valid,
      labels,
      instances,
      checksum,
    };
  } finally {
    await Promise.all(readers.map((r) => r.close()));
  }
}

async function rasterLabels(input: ReadLabelledSceneInput, scene: RasterReader, readers: RasterReader[]) {
  const reader = await openRaster(input.labels.file);
  readers.push(reader);
  const mismatch = sameGrid(scene, reader);
  if (mismatch) throw new SatError('E_INPUT', `labels ${input.labels.file} are not on the imagery's grid: they have ${mismatch}`);
  const values = (await reader.read(undefined, { bands: [1] })).bands[0];
  const labels = new Int32Array(values.length);
  const nodata = reader.info.nodata;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v || v === nodata || v === input.labels.ignoreValue) labels[i] = -1;
    else if (input.task === 'buildings') labels[i] = v !== 0 ? 1 : 0;
    else if (!Number.isInteger(v) || v < 0 || v > 254) throw new SatError('E_INPUT', `labels ${input.labels.file}: class value ${v} is not an integer from 0 to 254`);
    else labels[i] = v;
  }
  return { labels, instances: null };
}

/**
 * Polygons burned with the pixel-centre rule. Land cover: each polygon's class from `property`, pixels outside
 * every polygon unlabelled. Buildings: footprints are exhaustive, so every other pixel is background (0).
 */
function polygonLabels(input: ReadLabelledSceneInput, scene: RasterReader, crs: Crs | null) {
  const { width, height, geotransform } = scene.info;
  if (!geotransform || !crs) throw new SatError('E_INPUT', `${input.imagery} has no georeferencing, so polygon labels cannot be placed on it`);
  const layer = readGeoJson(input.labels.file);
  const buildings = input.task === 'buildings';
  if (!buildings && !input.labels.property) throw new SatError('E_INPUT', `land-cover labels from ${input.labels.file} need the name of the class property`);
  const labels = new Int32Array(width * height).fill(buildings ? 0 : -1);
  const instances = new Int32Array(width * height);
  let inside = 0;
  for (const f of layer.features) {
    if (!isAreal(f.geometry)) throw new SatError('E_INPUT', `${input.labels.file}: feature ${f.index} is a ${f.geometry.type}; labels must be polygons`);
    let value = 1;
    if (!buildings) {
      const raw = f.properties[input.labels.property!];
      value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : (raw as number);
      if (!Number.isInteger(value) || value < 0 || value > 254) {
        throw new SatError('E_INPUT', `${input.labels.file}: feature ${f.index} has ${input.labels.property} = ${JSON.stringify(raw)}, not a class id from 0 to 254`);
      }
    }
    const geometry = reprojectGeometry(f.geometry, layer.crs, crs) as Polygon | MultiPolygon;
    const rings = pixelRings(geometry, geotransform);
    const window = ringsWindow(rings, width, height);
    if (!window) continue;
    const cover = centroidCoverage(rings, window);
    for (let r = 0; r < window.height; r++) {
      for (let c = 0; c < window.width; c++) {
        if (!cover[r * window.width + c]) continue;
        const i = (window.row + r) * width + window.col + c;
        labels[i] = value;
        instances[i] = f.index + 1;
        inside++;
      }
    }
  }
  if (inside === 0) throw new SatError('E_INPUT', `${input.labels.file}: all ${layer.features.length} label polygons lie outside ${input.imagery}`);
  return { labels, instances: buildings ? instances : null };
}
