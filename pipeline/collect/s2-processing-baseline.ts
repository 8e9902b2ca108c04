import type { StacItem } from './stac-schema.js';

/**
 * The Sentinel-2 processing baseline of an Item as "NN.NN", or null when the Item does not say. Catalogues state it
 * differently: `s2:processing_baseline` (Planetary Computer, Earth Search), `processing:version` (Copernicus Data
 * Space), or only inside the product id (`..._N0400_...`, e.g. Earth Search's older `sentinel:product_id`).
 */
export function s2ProcessingBaseline(item: StacItem): string | null {
  const p = item.properties;
  for (const key of ['s2:processing_baseline', 'processing:version']) {
    const v = p[key];
    const m = typeof v === 'string' || typeof v === 'number' ? /^(\d{1,2})\.(\d{1,2})$/.exec(String(v).trim()) : null;
    if (m) return `${m[1].padStart(2, '0')}.${m[2].padStart(2, '0')}`;
  }
  for (const v of [p['s2:product_uri'], p['s2:product_id'], p['sentinel:product_id'], item.id]) {
    const m = typeof v === 'string' ? /_N(\d{2})(\d{2})_/.exec(v) : null;
    if (m) return `${m[1]}.${m[2]}`;
  }
  return null;
}
