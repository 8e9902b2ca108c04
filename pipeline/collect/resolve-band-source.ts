import { SatError } from '../core/errors.js';
import { assetBands } from './asset-bands.js';
import { assetGrid, type AssetGrid } from './asset-grid.js';
import type { BandEntry, CollectionTable, CollectionTables } from './collection-tables.js';
import { resolveHref } from './resolve-href.js';
import { s2ProcessingBaseline } from './s2-processing-baseline.js';
import type { LocatedItem, StacAsset } from './stac-schema.js';

/** Where one requested band of one Item is read from, and how its stored values become physical ones. */
export interface BandSource extends AssetGrid {
  /** The band as asked for (`red`, `B04`, `scl`). */
  band: string;
  itemId: string;
  collection: string | null;
  assetKey: string;
  /** Absolute URL or path of the asset. */
  href: string;
  /** 1-based band of the asset's file (a multi-band asset such as `visual` holds several). */
  bandIndex: number;
  /** How the asset was found: its key, the collection's band table, or the bands' names in eo:bands / bands. */
  matchedBy: 'asset key' | 'collection table' | 'band name';
  /** Stored value meaning "no data" (NaN for float rasters that say "nan"); null when neither Item nor table says. */
  nodata: number | null;
  dataType: string | null;
  /** physical = stored * scale + offset. */
  scale: number;
  offset: number;
  /**
   * Sentinel-2's BOA_ADD_OFFSET (digital numbers, -1000 since baseline 04.00) folded into `offset` here because the
   * Item's raster:bands did not express it; 0 when not applied. Kept apart for provenance.
   */
  boaAddOffset: number;
  /** Classes or bit fields (SCL, QA_PIXEL): resample with nearest neighbour, never scale. */
  categorical: boolean;
  /** Ground sample distance stated by the metadata (m), and the pixel size of the asset's grid when it has one. */
  gsd: number | null;
  resolution: number | null;
}

// Assets that are never the pixels of a band, even when their eo:bands name it (previews of `visual` etc.).
const NOT_DATA = new Set(['thumbnail', 'overview', 'metadata', 'visual', 'tiles']);

/**
 * The source of `band` in an Item: the asset whose key is the band's name (`B04`, `red`, `SCL`), else the asset the
 * collection's band table names for it, else the single-band asset whose eo:bands (or STAC 1.1 bands) give it as its
 * common name or name. Nodata, data type, scale and offset come from the asset's raster:bands, then from the
 * table; Sentinel-2's BOA_ADD_OFFSET is added for baseline 04.00 and later when the Item does not state an offset.
 * The grid comes from the asset's proj: fields, else the Item's. An Item without the band is an error naming both.
 */
export function resolveBandSource(located: LocatedItem, band: string, tables: CollectionTables): BandSource {
  const { item, location } = located;
  const wanted = band.toLowerCase();
  const table = item.collection ? tables.get(item.collection) : undefined;
  const tableBand = table && Object.entries(table.bands).find(([name, e]) => name.toLowerCase() === wanted || e.aliases?.some((a) => a.toLowerCase() === wanted));
  const entry = tableBand?.[1];
  const assets = Object.entries(item.assets);
  const byKey = (key: string) => assets.find(([k]) => k.toLowerCase() === key.toLowerCase());

  let found: { key: string; asset: StacAsset; index: number; matchedBy: BandSource['matchedBy'] } | undefined;
  const direct = byKey(band);
  if (direct) {
    const count = assetBands(item, direct[1]).length;
    if (count > 1) throw new SatError('E_INPUT', `item ${item.id}: asset ${direct[0]} holds ${count} bands; ask for one of them by name`);
    found = { key: direct[0], asset: direct[1], index: 0, matchedBy: 'asset key' };
  }
  if (!found && entry) {
    const hit = entry.assets.map(byKey).find((a) => a !== undefined);
    if (hit) found = { key: hit[0], asset: hit[1], index: 0, matchedBy: 'collection table' };
  }
  if (!found) {
    const named = assets
      .filter(([key, a]) => !NOT_DATA.has(key) && !(a.roles ?? []).some((r) => NOT_DATA.has(r)))
      .flatMap(([key, asset]) => {
        const bands = assetBands(item, asset);
        const index = bands.findIndex((b) => b.commonName?.toLowerCase() === wanted || b.name?.toLowerCase() === wanted);
        return index < 0 ? [] : [{ key, asset, index, single: bands.length === 1 }];
      });
    const singles = named.filter((n) => n.single);
    if (singles.length > 1) {
      throw new SatError('E_INPUT', `item ${item.id}: band "${band}" is ambiguous: assets ${singles.map((s) => s.key).join(', ')} all carry it; ask for one by asset key`);
    }
    const pick = singles[0] ?? named[0];
    if (pick) found = { key: pick.key, asset: pick.asset, index: pick.index, matchedBy: 'band name' };
  }
  if (!found) {
    const tried = [`asset key "${band}"`, ...(entry ? [`collection table ${table!.name} (${entry.assets.join(', ')})`] : []), 'eo:bands names'];
    throw new SatError('E_NOT_FOUND', `item ${item.id}: no asset for band "${band}" (tried ${tried.join(', ')}; assets: ${assets.map(([k]) => k).join(', ') || 'none'})`);
  }

  // The table describes the band the asset holds, whichever way the asset was found.
  const tableEntry = entry && entry.assets.some((k) => k.toLowerCase() === found.key.toLowerCase()) ? entry : tableEntryForAsset(table, found.key);
  const info = assetBands(item, found.asset)[found.index] ?? {};
  // Without a table, the classification extension marks class and bit-field bands (Planetary Computer's qa_pixel).
  const rasterBand = (Array.isArray(found.asset['raster:bands']) ? found.asset['raster:bands'][found.index] : undefined) as Record<string, unknown> | undefined;
  const classified = [found.asset, rasterBand ?? {}].some((h) => h['classification:classes'] !== undefined || h['classification:bitfields'] !== undefined);
  const categorical = tableEntry?.categorical ?? classified;
  const scale = info.scale ?? tableEntry?.scale ?? 1;
  let offset = info.offset ?? tableEntry?.offset ?? 0;
  let boaAddOffset = 0;
  if (table?.boaAddOffset && !categorical && info.offset === undefined && item.properties['earthsearch:boa_offset_applied'] !== true) {
    const baseline = s2ProcessingBaseline(item);
    if (baseline !== null && baseline >= table.boaAddOffset.fromBaseline) {
      boaAddOffset = table.boaAddOffset.value;
      // toPrecision: -1000 * 0.0001 is -0.1 exactly as written, not -0.10000000000000002.
      offset = Number((offset + boaAddOffset * scale).toPrecision(12));
    }
  }
  const grid = assetGrid(item, found.key);
  const gsd = numberOr(found.asset.gsd) ?? info.gsd ?? tableEntry?.gsd ?? numberOr(item.properties.gsd);
  return {
    band,
    itemId: item.id,
    collection: item.collection ?? null,
    assetKey: found.key,
    href: resolveHref(found.asset.href, location),
    bandIndex: found.index + 1,
    matchedBy: found.matchedBy,
    nodata: info.nodata !== undefined ? info.nodata : (tableEntry?.nodata ?? null),
    dataType: info.dataType ?? tableEntry?.dataType ?? null,
    scale,
    offset,
    boaAddOffset,
    categorical,
    gsd,
    resolution: grid.geotransform ? Math.hypot(grid.geotransform[1], grid.geotransform[4]) : gsd,
    ...grid,
  };
}

function tableEntryForAsset(table: CollectionTable | undefined, key: string): BandEntry | undefined {
  return table && Object.values(table.bands).find((e) => e.assets.some((k) => k.toLowerCase() === key.toLowerCase()));
}

const numberOr = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
