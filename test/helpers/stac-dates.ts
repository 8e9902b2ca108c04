/**
 * A STAC ItemCollection of several dates over a synthetic scene (`sat synth`): per date, one uint16 COG per band on the
 * scene's 10 m grid (the scene's reflectance x 10000, shifted a little per date) and a 20 m SCL, with a band of cloud
 * (SCL 9, bright pixels) moving across the scene from date to date. Written window by window, so scenes of any size.
 * Items are shaped as Planetary Computer's Sentinel-2 L2A Items (proj:epsg, proj:shape, proj:transform per asset).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { crsFromEpsg, makeTransform, WGS84 } from '../../pipeline/geo/crs.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { loadClassScheme } from '../../pipeline/model/class-scheme.js';
import { loadBandRecipe } from '../../pipeline/preprocess/band-recipe.js';
import { createGeoTiffWriter, writeGeoTiff } from '../../pipeline/raster/write-geotiff.js';
import { generateScene } from '../../pipeline/synth/generate-scene.js';
import { trainModel } from '../../pipeline/workflows/train-model.js';

export interface StacDatesOptions {
  /** The synthetic scene's folder (scene.tif, 4 or 6 bands). */
  scene: string;
  out: string;
  dates: string[];
  /** Base URL the assets are served from (their folder is `out`); default: local file paths. */
  baseUrl?: string;
  /** Rows of cloud per date, as a share of the height (default 0.25). */
  cloudShare?: number;
  /**
   * Write the band files once (`out/bands/`, the scene's values on every date; only SCL differs): for scenes of
   * Sentinel-2 size, served under each Item's own URLs (`/ITEM/B04.tif` → `bands/B04.tif`), so a job still opens
   * every Item's assets.
   */
  sharedBands?: boolean;
}

const BAND_KEYS = ['B02', 'B03', 'B04', 'B08', 'B11', 'B12'];
const WINDOW = 1024;

/** Whether (row, col) of date k lies under its cloud: a band of rows, shifted down a step per date, wrapping. */
export function cloudyAt(k: number, row: number, height: number, share = 0.25): boolean {
  const start = Math.floor(((k * 0.37) % 1) * height);
  const rows = Math.floor(share * height);
  return (row - start + height) % height < rows;
}

export async function writeStacDates(o: StacDatesOptions): Promise<string> {
  const scene = await openRaster(path.join(o.scene, 'scene.tif'));
  const { width, height, bands, geotransform, epsg } = scene.info;
  const gt = geotransform!;
  const keys = BAND_KEYS.slice(0, bands);
  const share = o.cloudShare ?? 0.25;
  const toLonLat = makeTransform(crsFromEpsg(epsg!), WGS84);
  const ring = [[0, 0], [width, 0], [width, height], [0, height], [0, 0]].map(([c, r]) => toLonLat([gt[0] + c * gt[1], gt[3] + r * gt[5]]));
  const lons = ring.map((p) => p[0]);
  const lats = ring.map((p) => p[1]);
  const features = [];
  try {
    for (const [k, date] of o.dates.entries()) {
      const id = `SYN_${date.replaceAll('-', '')}_T33TVM`;
      const dir = path.join(o.out, id);
      mkdirSync(dir, { recursive: true });
      const common = { width, height, geotransform: gt, epsg: epsg!, overviews: [] };
      const bandDir = o.sharedBands ? path.join(o.out, 'bands') : dir;
      const writeBands = !o.sharedBands || k === 0;
      mkdirSync(bandDir, { recursive: true });
      const writers = writeBands ? await Promise.all(keys.map((key) => createGeoTiffWriter(path.join(bandDir, `${key}.tif`), { ...common, bands: 1, dtype: 'uint16', nodata: 0, tileSize: 512 }))) : [];
      const sw = Math.ceil(width / 2);
      const sh = Math.ceil(height / 2);
      const scl = await createGeoTiffWriter(path.join(dir, 'SCL.tif'), { ...common, width: sw, height: sh, geotransform: [gt[0], gt[1] * 2, 0, gt[3], 0, gt[5] * 2], bands: 1, dtype: 'uint8', nodata: 0, tileSize: 512 });
      for (let row = 0; row < height; row += WINDOW) {
        for (let col = 0; col < width; col += WINDOW) {
          const window = { col, row, width: Math.min(WINDOW, width - col), height: Math.min(WINDOW, height - row) };
          if (writeBands) {
            const data = await scene.read(window);
            const out = data.bands.map((b) => {
              const v = new Uint16Array(b.length);
              for (let i = 0; i < b.length; i++) {
                const r = row + Math.floor(i / window.width);
                v[i] = b[i] === 0 ? 0 : o.sharedBands ? (b[i] as number) : cloudyAt(k, r, height, share) ? 6000 + (i % 7) : Math.min(65535, (b[i] as number) + 7 * k);
              }
              return v;
            });
            await Promise.all(writers.map((w, b) => w.writeWindow(window, [out[b]])));
          }
          // SCL at 20 m: the window's half, cloud (9) or vegetation (4) by the cloud of its first 10 m row.
          const half = { col: col / 2, row: row / 2, width: Math.ceil(window.width / 2), height: Math.ceil(window.height / 2) };
          const classes = new Uint8Array(half.width * half.height);
          for (let i = 0; i < classes.length; i++) classes[i] = cloudyAt(k, (half.row + Math.floor(i / half.width)) * 2, height, share) ? 9 : 4;
          await scl.writeWindow(half, [classes]);
        }
      }
      await Promise.all([...writers, scl].map((w) => w.close()));
      const href = (key: string) => (o.baseUrl ? `${o.baseUrl}/${id}/${key}.tif` : path.join(o.sharedBands && key !== 'SCL' ? path.join(o.out, 'bands') : dir, `${key}.tif`));
      const asset = (key: string, res: number, w: number, h: number) => ({ href: href(key), type: 'image/tiff; application=geotiff; profile=cloud-optimized', roles: ['data'], 'proj:shape': [h, w], 'proj:transform': [res, 0, gt[0], 0, -res, gt[3]] });
      features.push({
        type: 'Feature',
        stac_version: '1.0.0',
        stac_extensions: ['https://stac-extensions.github.io/projection/v1.1.0/schema.json', 'https://stac-extensions.github.io/eo/v1.1.0/schema.json'],
        id,
        collection: 'sentinel-2-l2a',
        geometry: { type: 'Polygon', coordinates: [ring] },
        bbox: [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)],
        properties: { datetime: `${date}T10:00:31Z`, platform: 'Sentinel-2A', 'proj:epsg': epsg, 'eo:cloud_cover': Math.round(share * 1000) / 10 },
        assets: { ...Object.fromEntries(keys.map((key) => [key, asset(key, gt[1], width, height)])), SCL: asset('SCL', gt[1] * 2, sw, sh) },
        links: [],
      });
    }
  } finally {
    await scene.close();
  }
  const file = path.join(o.out, 'items.json');
  writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features }));
  return file;
}

/**
 * What a STAC job needs, in `dir`: a synthetic scene (scene/: truth, regions), three dates of it as Items (stac/items.json,
 * local COGs) and a land-cover model trained on the scene's reflectance (model/, recipe s2-composite-6band).
 */
export async function makeStacJobData(dir: string, options: { size: number; dates: string[]; seed?: number }): Promise<void> {
  await generateScene(path.join(dir, 'scene'), { width: options.size, height: options.size, seed: options.seed ?? 21, cloudCover: 0, regions: 3 });
  await writeStacDates({ scene: path.join(dir, 'scene'), out: path.join(dir, 'stac'), dates: options.dates });
  // The model reads reflectance (0..1 floats): trained on the scene itself, scaled as a composite is.
  const scene = await openRaster(path.join(dir, 'scene', 'scene.tif'));
  const data = await scene.read();
  await scene.close();
  const reflectance = data.bands.map((b) => Float32Array.from(b as Uint16Array, (v) => (v === 0 ? NaN : v * 0.0001)));
  await writeGeoTiff(path.join(dir, 'train.tif'), { window: data.window, dtype: 'float32', bands: reflectance }, { geotransform: scene.info.geotransform!, epsg: scene.info.epsg, nodata: NaN });
  await trainModel({
    task: 'landcover',
    imagery: path.join(dir, 'train.tif'),
    labels: { file: path.join(dir, 'scene', 'truth.tif') },
    recipe: loadBandRecipe('s2-composite-6band'),
    classes: loadClassScheme('synth'),
    out: path.join(dir, 'model'),
    epochs: 6,
    seed: 1,
    split: { kind: 'blocks', blockSize: 64, testFraction: 0.3, seed: 1 },
    width: 8,
    backend: 'wasm',
  });
}
