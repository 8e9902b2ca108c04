import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MultiPolygon, Polygon } from 'geojson';
import { checkAssetHrefs } from '../collect/check-asset-hrefs.js';
import { collectItems, type CollectedItems } from '../collect/collect-items.js';
import { loadCollectionTables } from '../collect/collection-tables.js';
import { MAX_STAC_DOCUMENT_BYTES } from '../collect/read-stac-json.js';
import { resolveBandSource, type BandSource } from '../collect/resolve-band-source.js';
import type { SearchQuery } from '../collect/search-query.js';
import type { LocatedItem } from '../collect/stac-schema.js';
import { clearMask, type ClearRule } from '../composite/clear-mask.js';
import { compositeStack, type Observation } from '../composite/composite-stack.js';
import type { Settings } from '../config/settings.js';
import { buildDirAtomic } from '../core/atomic-write.js';
import { SatError } from '../core/errors.js';
import { makeTransform, WGS84, type Crs } from '../geo/crs.js';
import { pixelToWorld } from '../geo/geotransform.js';
import { sha256File } from '../core/checksum.js';
import { openRaster } from '../raster/open-raster.js';
import { writeGeoTiff } from '../raster/write-geotiff.js';
import { analysisGrid, type AnalysisGrid } from '../warp/analysis-grid.js';
import { warpWindow, type Resampling } from '../warp/warp-window.js';

/** Most memory one `sat composite` may hold for its stack. */
const MAX_COMPOSITE_BYTES = 4 * 2 ** 30;

/** The quality band each mask kind reads, by the name the band tables know it. */
const MASK_BAND = { scl: 'scl', qa: 'qa_pixel' } as const;

export interface CompositeRequest {
  /** ItemCollection/Item file or URL, static catalogue, or STAC API landing page. */
  stac: string;
  /** Must hold an area (intersects or bbox) and a period. */
  query: SearchQuery;
  crs?: Crs;
  resolution: number;
  bands: string[];
  method: 'median' | 'best';
  mask: 'scl' | 'qa' | 'none';
  /** Pixels of margin added around masked ones. */
  dilate?: number;
  resampling?: Exclude<Resampling, 'nearest'>;
  /** Best pixel: the date the period is about (default: the middle of the period). */
  targetDate?: string;
  maxItems?: number;
  out: string;
  settings: Pick<Settings, 'raster'>;
  onProgress?: (fraction: number, message: string) => void;
}

export interface CompositeResult {
  out: string;
  grid: AnalysisGrid;
  items: LocatedItem[];
  /** Observations composited: one per acquisition (day and platform), its tiles mosaicked. */
  acquisitions: { key: string; items: string[] }[];
  noClearPixels: number;
}

/** One acquisition: the Items of a platform's overpass on one day (neighbouring tiles), mosaicked before compositing. */
function acquisitionKey(item: LocatedItem['item']): string {
  const p = item.properties as Record<string, unknown>;
  const when = String(p.datetime ?? p.start_datetime ?? '').slice(0, 10);
  return `${when}|${String(p.platform ?? p.constellation ?? item.collection ?? '')}`;
}

/** Per Item id, per asset key: the file read and its version. */
type AssetsRead = Map<string, Record<string, { href: string; etag: string | null; sha256: string | null }>>;

const dayNumber = (iso: string) => Math.floor(Date.parse(iso) / 86_400_000);

/**
 * `sat composite`: the analysis-ready composite of an area and a period from a STAC source. Items are searched, their
 * bands found (pipeline/collect/), every asset warped onto the analysis grid (reflectance bilinear, quality bands
 * nearest) and scaled to physical values; the tiles of one acquisition are mosaicked in a fixed order, so that where
 * tiles overlap a pixel is counted once, not twice; then each pixel's clear observations are composited (median or
 * best pixel). Writes `composite.tif` (float32, the bands in the order asked, NaN = no clear observation),
 * `clear_count.tif` (uint16) and `item.json` (a STAC Item of the composite listing every source Item and asset), all
 * into `out` at once when complete.
 */
export async function compositePeriod(request: CompositeRequest): Promise<CompositeResult> {
  const { query, settings } = request;
  const progress = request.onProgress ?? (() => {});
  if (!query.datetime) throw new SatError('E_INPUT', 'a composite needs a period (--datetime START/END)');
  const area: Polygon | MultiPolygon | undefined =
    query.intersects ??
    (query.bbox && { type: 'Polygon', coordinates: [[[query.bbox[0], query.bbox[1]], [query.bbox[2], query.bbox[1]], [query.bbox[2], query.bbox[3]], [query.bbox[0], query.bbox[3]], [query.bbox[0], query.bbox[1]]]] });
  if (!area) throw new SatError('E_INPUT', 'a composite needs an area: --aoi GEOJSON or --bbox W,S,E,N');
  if (request.bands.length === 0) throw new SatError('E_INPUT', 'name at least one band (--bands red,nir,...)');

  progress(0, 'searching');
  const found: CollectedItems = await collectItems(request.stac, query, {
    maxItems: request.maxItems ?? 500,
    timeoutMs: settings.raster.httpTimeoutMs,
    maxBytes: MAX_STAC_DOCUMENT_BYTES,
    allowedOrigins: settings.raster.allowedOrigins,
  });
  const grid = analysisGrid({ area, resolution: request.resolution, crs: request.crs, maxCells: 400_000_000 });
  const tables = loadCollectionTables();
  const rule: ClearRule = request.mask === 'none' ? { kind: 'none' } : { kind: request.mask };
  // Every band (and quality band) of every Item is found before anything is read: a missing asset fails at once.
  const sources = found.items.map((located) => ({
    located,
    bands: request.bands.map((b) => resolveBandSource(located, b, tables)),
    quality: request.mask === 'none' ? null : resolveBandSource(located, MASK_BAND[request.mask], tables),
  }));
  checkAssetHrefs(sources.flatMap((s) => [...s.bands, ...(s.quality ? [s.quality] : [])]), settings.raster.allowedOrigins);

  const n = grid.width * grid.height;
  // Which version of each asset was read, per Item: the server's ETag (else Last-Modified) or a local file's SHA-256.
  const assetsRead: AssetsRead = new Map();
  const target = { crs: grid.crs, geotransform: grid.geotransform, width: grid.width, height: grid.height };
  const warp = async (source: BandSource, resampling: Resampling): Promise<Float32Array> => {
    const reader = await openRaster(source.href, settings.raster);
    try {
      if (source.bandIndex > reader.info.bands) throw new SatError('E_INPUT', `item ${source.itemId}: asset ${source.assetKey} (${source.href}) has ${reader.info.bands} band(s), the metadata names band ${source.bandIndex}`);
      checkGridMatches(source, reader.info);
      const read = assetsRead.get(source.itemId) ?? {};
      if (!read[source.assetKey]) {
        const local = !/^https?:\/\//i.test(source.href);
        read[source.assetKey] = { href: source.href, etag: reader.sourceVersion, sha256: local ? await sha256File(source.href) : null };
        assetsRead.set(source.itemId, read);
      }
      const [values] = await warpWindow(reader, target, { bands: [source.bandIndex], resampling, nodata: source.nodata });
      if (!source.categorical && (source.scale !== 1 || source.offset !== 0)) {
        for (let i = 0; i < values.length; i++) values[i] = values[i] * source.scale + source.offset;
      }
      return values;
    } finally {
      await reader.close();
    }
  };

  // Acquisitions in date order; within one, Items by id: the first with a clear value wins where tiles overlap.
  const groups = new Map<string, typeof sources>();
  for (const s of sources) {
    const key = acquisitionKey(s.located.item);
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  // The whole stack is held in memory (tiled compositing is the service's, to come): refuse what would not fit rather
  // than run out of memory half-way. Per cell: each acquisition's bands (float32) and masks, and the output.
  const bytes = n * (groups.size * (request.bands.length * 4 + 2) + request.bands.length * 4 + 2);
  if (bytes > MAX_COMPOSITE_BYTES) {
    throw new SatError('E_LIMIT', `this composite would hold ${(bytes / 2 ** 30).toFixed(1)} GiB in memory (${groups.size} acquisitions x ${request.bands.length} bands x ${grid.width} x ${grid.height} cells), more than ${MAX_COMPOSITE_BYTES / 2 ** 30} GiB: choose a smaller area, a coarser resolution, fewer bands or a shorter period`);
  }
  const mid = query.datetime.start && query.datetime.end ? (dayNumber(query.datetime.start) + dayNumber(query.datetime.end)) / 2 : null;
  const targetDay = request.targetDate ? dayNumber(request.targetDate) : mid;
  const observations: Observation[] = [];
  let done = 0;
  const total = sources.length;
  for (const [key, members] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const bands = request.bands.map(() => new Float32Array(n).fill(NaN));
    const clear = new Uint8Array(n);
    let cloudy = 0;
    for (const s of [...members].sort((a, b) => (a.located.item.id < b.located.item.id ? -1 : 1))) {
      progress(done / total, `reading ${s.located.item.id}`);
      const values = [];
      for (const b of s.bands) values.push(await warp(b, b.categorical ? 'nearest' : (request.resampling ?? 'bilinear')));
      const quality = s.quality ? await warp(s.quality, 'nearest') : null;
      const itemClear = clearMask(quality, n, rule, { dilate: request.dilate, width: grid.width });
      for (let i = 0; i < n; i++) {
        if (clear[i] === 1 || !values.every((v) => v[i] === v[i])) continue;
        if (quality && quality[i] !== quality[i]) continue; // outside the quality band's footprint: unknown
        if (itemClear[i] === 1) {
          clear[i] = 1;
          values.forEach((v, b) => (bands[b][i] = v[i]));
        } else cloudy++;
      }
      done++;
    }
    const day = Number.isFinite(Date.parse(key.slice(0, 10))) ? dayNumber(key.slice(0, 10)) : null;
    observations.push({ bands, clear, daysFromTarget: day !== null && targetDay !== null ? Math.abs(day - targetDay) : 0, cloudShare: cloudy / n });
  }
  progress(0.95, 'compositing');
  const composite = compositeStack(observations, request.method);
  const noClearPixels = composite.clearCount.reduce((a, c) => a + (c === 0 ? 1 : 0), 0);

  const acquisitions = [...groups].map(([key, members]) => ({ key, items: members.map((m) => m.located.item.id).sort() })).sort((a, b) => (a.key < b.key ? -1 : 1));
  await buildDirAtomic(request.out, async (staging) => {
    const window = { col: 0, row: 0, width: grid.width, height: grid.height };
    const common = { geotransform: grid.geotransform, epsg: grid.crs.epsg };
    await writeGeoTiff(path.join(staging, 'composite.tif'), { window, dtype: 'float32', bands: composite.bands }, { ...common, nodata: NaN, bandDescriptions: request.bands, overviews: [] });
    await writeGeoTiff(path.join(staging, 'clear_count.tif'), { window, dtype: 'uint16', bands: [composite.clearCount] }, { ...common, bandDescriptions: ['clear_count'] });
    await writeFile(path.join(staging, 'item.json'), `${JSON.stringify(compositeItem(request, grid, found, acquisitions, noClearPixels, assetsRead), null, 1)}\n`);
  });
  progress(1, 'done');
  return { out: request.out, grid, items: found.items, acquisitions, noClearPixels };
}

/**
 * The asset's file must be on the grid its Item states (proj:epsg, proj:transform, proj:shape): an Item whose
 * metadata and pixels disagree would be warped by the file's own georeferencing and mislabel the provenance, and more
 * often means the catalogue points at the wrong file. Within half a pixel, as proj:bbox is checked.
 */
function checkGridMatches(source: BandSource, info: { width: number; height: number; epsg: number | null; geotransform: number[] | null }): void {
  const where = `item ${source.itemId}: asset ${source.assetKey} (${source.href})`;
  const problems: string[] = [];
  if (source.shape && (source.shape[0] !== info.height || source.shape[1] !== info.width)) problems.push(`is ${info.width} x ${info.height} px, the Item says ${source.shape[1]} x ${source.shape[0]}`);
  if (source.epsg !== null && info.epsg !== null && source.epsg !== info.epsg) problems.push(`is in EPSG:${info.epsg}, the Item says EPSG:${source.epsg}`);
  const gt = info.geotransform;
  if (source.geotransform && gt) {
    const px = Math.abs(gt[1]);
    const off = Math.max(Math.abs(source.geotransform[0] - gt[0]), Math.abs(source.geotransform[3] - gt[3]));
    const scale = Math.max(Math.abs(source.geotransform[1] - gt[1]), Math.abs(source.geotransform[5] - gt[5]));
    if (off > px / 2 || scale > px * 1e-6) problems.push(`has origin (${gt[0]}, ${gt[3]}) and pixel ${gt[1]}, the Item says (${source.geotransform[0]}, ${source.geotransform[3]}) and ${source.geotransform[1]}`);
  }
  if (problems.length) throw new SatError('E_INPUT', `${where} ${problems.join('; ')}: the Item's grid disagrees with its file`);
}

/** The STAC Item of the composite: where it is, what period, how it was made, and from which Items and assets. */
function compositeItem(request: CompositeRequest, grid: AnalysisGrid, found: CollectedItems, acquisitions: CompositeResult['acquisitions'], noClearPixels: number, assetsRead: AssetsRead) {
  const [x0, res, , y0] = grid.geotransform;
  const toLonLat = makeTransform(grid.crs, WGS84);
  const ring = [[0, 0], [grid.width, 0], [grid.width, grid.height], [0, grid.height], [0, 0]].map(([c, r]) => toLonLat(pixelToWorld(grid.geotransform, c, r)));
  const lons = ring.map((p) => p[0]);
  const lats = ring.map((p) => p[1]);
  const { start, end } = request.query.datetime!;
  return {
    type: 'Feature',
    stac_version: '1.0.0',
    stac_extensions: ['https://stac-extensions.github.io/projection/v1.1.0/schema.json', 'https://stac-extensions.github.io/raster/v1.1.0/schema.json'],
    id: `composite-${grid.crs.epsg ?? 'crs'}-${x0}-${y0}-${res}-${(start ?? '').slice(0, 10)}-${(end ?? '').slice(0, 10)}`,
    geometry: { type: 'Polygon', coordinates: [ring] },
    bbox: [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)],
    properties: {
      datetime: null,
      start_datetime: start,
      end_datetime: end,
      'proj:epsg': grid.crs.epsg,
      'proj:transform': [res, 0, x0, 0, -res, y0],
      'proj:shape': [grid.height, grid.width],
      'satstat:method': request.method,
      'satstat:mask': request.mask,
      'satstat:pixels_without_clear_observation': noClearPixels,
      'satstat:source': found.source,
      'satstat:acquisitions': acquisitions,
      'satstat:sources': found.items.map(({ item, location }) => ({
        id: item.id,
        collection: item.collection ?? null,
        datetime: item.properties.datetime ?? null,
        location,
        assets: Object.fromEntries(Object.entries(item.assets).map(([k, a]) => [k, a.href])),
        // The assets read and which version of them (ETag of a remote file, SHA-256 of a local one).
        read: Object.fromEntries([...Object.entries(assetsRead.get(item.id) ?? {})].sort(([a], [b]) => (a < b ? -1 : 1))),
      })),
    },
    links: [],
    assets: {
      composite: { href: './composite.tif', type: 'image/tiff; application=geotiff', roles: ['data'], title: `${request.method} composite`, 'raster:bands': request.bands.map((b) => ({ name: b, data_type: 'float32', nodata: 'nan' })) },
      clear_count: { href: './clear_count.tif', type: 'image/tiff; application=geotiff', roles: ['metadata'], title: 'clear observations per pixel', 'raster:bands': [{ data_type: 'uint16' }] },
    },
  };
}
