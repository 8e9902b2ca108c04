import type { StacAsset, StacItem } from './stac-schema.js';

/** One band of an asset as its metadata describes it; fields absent when not stated. */
export interface AssetBand {
  name?: string;
  commonName?: string;
  /** NaN / ±Infinity when raster:bands says "nan" / "inf" / "-inf"; null for an explicit null. */
  nodata?: number | null;
  dataType?: string;
  scale?: number;
  offset?: number;
  gsd?: number;
}

/**
 * The bands of an asset, by position in its file: STAC 1.0's eo:bands and raster:bands merged index by index,
 * STAC 1.1's `bands` (with `eo:common_name`, and nodata / data_type possibly on the asset itself), or STAC 0.x's
 * eo:bands given as indices into the Item's properties['eo:bands'].
 */
export function assetBands(item: StacItem, asset: StacAsset): AssetBand[] {
  const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.map((b) => (b && typeof b === 'object' ? (b as Record<string, unknown>) : {})) : []);
  const assetEo = asset['eo:bands'];
  const eo =
    Array.isArray(assetEo) && assetEo.length && assetEo.every((b) => typeof b === 'number')
      ? (assetEo as number[]).map((i) => list(item.properties['eo:bands'])[i] ?? {})
      : list(assetEo);
  const raster = list(asset['raster:bands']);
  const v11 = list(asset.bands);
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  return Array.from({ length: Math.max(eo.length, raster.length, v11.length) }, (_, i) => {
    const e = eo[i] ?? {};
    const r = raster[i] ?? {};
    const b = v11[i] ?? {};
    return {
      name: str(e.name) ?? str(b.name),
      commonName: str(e.common_name) ?? str(b['eo:common_name']),
      nodata: readNodata(r.nodata ?? b.nodata ?? asset.nodata),
      dataType: str(r.data_type) ?? str(b.data_type) ?? str(asset.data_type),
      scale: num(r.scale) ?? num(b.scale) ?? num(asset.scale),
      offset: num(r.offset) ?? num(b.offset) ?? num(asset.offset),
      gsd: num(e.gsd) ?? num(b.gsd),
    };
  });
}

/** raster:bands nodata: a number, or "nan" / "inf" / "-inf"; anything else is not stated. */
function readNodata(v: unknown): number | null | undefined {
  if (v === null) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (t === 'nan') return NaN;
    if (t === 'inf' || t === '+inf') return Infinity;
    if (t === '-inf') return -Infinity;
  }
  return undefined;
}
