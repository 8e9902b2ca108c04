import type { MultiPolygon, Polygon } from 'geojson';
import { checkAssetHrefs } from '../collect/check-asset-hrefs.js';
import { collectItems, type CollectedItems } from '../collect/collect-items.js';
import { loadCollectionTables } from '../collect/collection-tables.js';
import { MAX_STAC_DOCUMENT_BYTES } from '../collect/read-stac-json.js';
import { resolveBandSource, type BandSource } from '../collect/resolve-band-source.js';
import type { SearchQuery } from '../collect/search-query.js';
import type { LocatedItem } from '../collect/stac-schema.js';
import { SatError } from '../core/errors.js';
import { crsFromEpsg, makeTransform, WGS84, type Crs } from '../geo/crs.js';
import { pixelToWorld, worldToPixel } from '../geo/geotransform.js';
import type { Resampling } from '../warp/warp-window.js';
import { analysisGrid, type AnalysisGrid } from '../warp/analysis-grid.js';

/** The quality band each mask kind reads, by the name the band tables know it. */
const MASK_BAND = { scl: 'scl', qa: 'qa_pixel' } as const;

/** How a composite is made from the Items of a period (the choices `sat composite` and a STAC job share). */
export interface CompositeRecipe {
  /** Bands in output order (common names such as red, nir, swir16, or asset keys). */
  bands: string[];
  method: 'median' | 'best';
  mask: 'scl' | 'qa' | 'none';
  /** Pixels of margin added around masked ones. */
  dilate: number;
  resampling: Exclude<Resampling, 'nearest'>;
  /** Best pixel: the date the period is about (default: the middle of the period). */
  targetDate?: string;
}

export interface CompositeRequest extends CompositeRecipe {
  /** ItemCollection/Item file or URL, static catalogue, or STAC API landing page. */
  stac: string;
  /** Must hold an area (intersects or bbox) and a period. */
  query: SearchQuery;
  crs?: Crs;
  resolution: number;
  maxItems?: number;
  /** Origins http(s) documents and assets may come from (unset: any). */
  allowedOrigins?: readonly string[];
  /** Folders local documents and assets must lie in (unset: any). */
  localRoots?: readonly string[];
  httpTimeoutMs: number;
}

/** One Item of an acquisition: where each band and its quality band are read, and what part of the grid it covers. */
export interface CompositeMember {
  itemId: string;
  bands: BandSource[];
  quality: BandSource | null;
  /** The grid cells its assets can reach, [col0, row0, col1, row1) with a cell of margin; null = unknown (always read). */
  footprint: [number, number, number, number] | null;
}

/** One observation of the period: the Items of a platform's overpass on one day (neighbouring tiles), mosaicked. */
export interface CompositeAcquisition {
  key: string;
  /** Days from the target date (best pixel's first choice) and the Items' stated cloud cover in % (its tie-break). */
  daysFromTarget: number;
  cloudCover: number;
  /** In id order: where tiles overlap, the first with a clear value gives the pixel, so no pixel is counted twice. */
  members: CompositeMember[];
}

/** An Item as the composite's STAC Item and the job manifest list it. */
export interface SourceItem {
  id: string;
  collection: string | null;
  datetime: string | null;
  platform: string | null;
  location: string;
  assets: Record<string, string>;
}

/**
 * Everything a composite needs before any pixel is read, fixed once (JSON: a job keeps it in its plan, so every
 * worker composites its tiles from the same Items): the search's result, the analysis grid, each acquisition's
 * band sources, and the recipe.
 */
export interface CompositePlan extends CompositeRecipe {
  source: Omit<CollectedItems, 'items'>;
  period: { start: string | null; end: string | null };
  grid: AnalysisGrid;
  acquisitions: CompositeAcquisition[];
  items: SourceItem[];
}

const dayNumber = (iso: string) => Math.floor(Date.parse(iso) / 86_400_000);

function acquisitionKey(item: LocatedItem['item']): string {
  const p = item.properties as Record<string, unknown>;
  const when = String(p.datetime ?? p.start_datetime ?? '').slice(0, 10);
  return `${when}|${String(p.platform ?? p.constellation ?? item.collection ?? '')}`;
}

/** The area of a query as a polygon (lon/lat). */
function queryArea(query: SearchQuery): Polygon | MultiPolygon | undefined {
  const b = query.bbox;
  return query.intersects ?? (b && { type: 'Polygon', coordinates: [[[b[0], b[1]], [b[2], b[1]], [b[2], b[3]], [b[0], b[3]], [b[0], b[1]]]] });
}

/**
 * The grid cells a source can reach: its stated grid (proj: fields), else its Item's bbox, brought into the grid's
 * CRS along densified edges; null when the metadata says neither.
 */
function footprintOf(source: BandSource, bbox: number[] | undefined, grid: AnalysisGrid): [number, number, number, number] | null {
  let crs: Crs;
  let corners: [number, number][];
  if (source.geotransform && source.shape && source.epsg !== null) {
    const [rows, cols] = source.shape;
    crs = crsFromEpsg(source.epsg);
    corners = [pixelToWorld(source.geotransform, 0, 0), pixelToWorld(source.geotransform, cols, 0), pixelToWorld(source.geotransform, cols, rows), pixelToWorld(source.geotransform, 0, rows)];
  } else if (bbox && bbox.length >= 4) {
    const [w, s, e, n] = bbox.length === 6 ? [bbox[0], bbox[1], bbox[3], bbox[4]] : bbox;
    crs = WGS84;
    corners = [[w, n], [e, n], [e, s], [w, s]];
  } else return null;
  const toGrid = makeTransform(crs, grid.crs);
  const cols: number[] = [];
  const rows: number[] = [];
  for (let k = 0; k < 4; k++) {
    const [a, b] = [corners[k], corners[(k + 1) % 4]];
    for (let t = 0; t <= 16; t++) {
      const [x, y] = toGrid([a[0] + ((b[0] - a[0]) * t) / 16, a[1] + ((b[1] - a[1]) * t) / 16]);
      if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
      const [c, r] = worldToPixel(grid.geotransform, x, y);
      cols.push(c);
      rows.push(r);
    }
  }
  return [Math.floor(Math.min(...cols)) - 1, Math.floor(Math.min(...rows)) - 1, Math.ceil(Math.max(...cols)) + 1, Math.ceil(Math.max(...rows)) + 1];
}

function unionBox(boxes: ([number, number, number, number] | null)[]): [number, number, number, number] | null {
  if (boxes.some((b) => b === null)) return null;
  const bs = boxes as [number, number, number, number][];
  return [Math.min(...bs.map((b) => b[0])), Math.min(...bs.map((b) => b[1])), Math.max(...bs.map((b) => b[2])), Math.max(...bs.map((b) => b[3]))];
}

/**
 * Plans the composite of an area and a period: the Items are searched (pipeline/collect/), every requested band and
 * the mask's quality band found in each (a missing asset fails here, naming the Item), every href checked against
 * the allow-lists, the analysis grid fixed, and the Items grouped into acquisitions. Nothing is read but metadata.
 */
export async function planComposite(request: CompositeRequest): Promise<CompositePlan> {
  const { query } = request;
  if (!query.datetime) throw new SatError('E_INPUT', 'a composite needs a period (--datetime START/END)');
  const area = queryArea(query);
  if (!area) throw new SatError('E_INPUT', 'a composite needs an area: --aoi GEOJSON or --bbox W,S,E,N');
  if (request.bands.length === 0) throw new SatError('E_INPUT', 'name at least one band (--bands red,nir,...)');
  if (new Set(request.bands).size !== request.bands.length) throw new SatError('E_INPUT', `a band is named twice in ${request.bands.join(',')}`);
  if (!(Number.isInteger(request.dilate) && request.dilate >= 0 && request.dilate <= 64)) throw new SatError('E_INPUT', `the mask dilation must be 0 to 64 pixels (got ${request.dilate})`);

  const found = await collectItems(request.stac, query, {
    maxItems: request.maxItems ?? 500,
    timeoutMs: request.httpTimeoutMs,
    maxBytes: MAX_STAC_DOCUMENT_BYTES,
    allowedOrigins: request.allowedOrigins,
    localRoots: request.localRoots,
  });
  const grid = analysisGrid({ area, resolution: request.resolution, crs: request.crs, maxCells: 400_000_000 });
  const tables = loadCollectionTables();
  const sources = found.items.map((located) => ({
    located,
    bands: request.bands.map((b) => resolveBandSource(located, b, tables)),
    quality: request.mask === 'none' ? null : resolveBandSource(located, MASK_BAND[request.mask], tables),
  }));
  checkAssetHrefs(
    sources.flatMap((s) => [...s.bands, ...(s.quality ? [s.quality] : [])]),
    { allowedOrigins: request.allowedOrigins, localRoots: request.localRoots },
  );

  const { start, end } = query.datetime;
  const mid = start && end ? (dayNumber(start) + dayNumber(end)) / 2 : null;
  const targetDay = request.targetDate ? dayNumber(request.targetDate) : mid;
  const groups = new Map<string, typeof sources>();
  for (const s of sources) {
    const key = acquisitionKey(s.located.item);
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const acquisitions: CompositeAcquisition[] = [...groups]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, members]) => {
      const day = Number.isFinite(Date.parse(key.slice(0, 10))) ? dayNumber(key.slice(0, 10)) : null;
      const covers = members.map((m) => m.located.item.properties['eo:cloud_cover']).filter((c): c is number => typeof c === 'number');
      return {
        key,
        daysFromTarget: day !== null && targetDay !== null ? Math.abs(day - targetDay) : 0,
        cloudCover: covers.length ? covers.reduce((a, c) => a + c, 0) / covers.length : 0,
        members: [...members]
          .sort((a, b) => (a.located.item.id < b.located.item.id ? -1 : 1))
          .map((m) => ({
            itemId: m.located.item.id,
            bands: m.bands,
            quality: m.quality,
            footprint: unionBox([...m.bands, ...(m.quality ? [m.quality] : [])].map((s) => footprintOf(s, m.located.item.bbox, grid))),
          })),
      };
    });
  const items = found.items.map(({ item, location }) => ({
    id: item.id,
    collection: item.collection ?? null,
    datetime: item.properties.datetime ?? null,
    platform: typeof item.properties.platform === 'string' ? item.properties.platform : null,
    location,
    assets: Object.fromEntries(Object.entries(item.assets).map(([k, a]) => [k, a.href])),
  }));
  const { items: _, ...source } = found;
  return {
    bands: request.bands,
    method: request.method,
    mask: request.mask,
    dilate: request.dilate,
    resampling: request.resampling,
    targetDate: request.targetDate,
    source,
    period: { start, end },
    grid,
    acquisitions,
    items,
  };
}

/** Every band source of a plan (quality bands included), each once. */
export function planSources(plan: CompositePlan): BandSource[] {
  return plan.acquisitions.flatMap((a) => a.members.flatMap((m) => [...m.bands, ...(m.quality ? [m.quality] : [])]));
}
