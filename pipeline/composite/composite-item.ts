import { makeTransform, WGS84 } from '../geo/crs.js';
import { pixelToWorld } from '../geo/geotransform.js';
import type { AssetVersion } from './asset-readers.js';
import { planSources, type CompositePlan } from './plan-composite.js';

/**
 * The STAC Item of a composite: where it is, what period, how it was made, and from which Items, which of their assets
 * and which version of each (ETag of a remote file; size, time and SHA-256 of a local one); with `tiles`, which Items
 * gave pixels to which output tile. Asset hrefs are relative to the Item (`./composite.tif`).
 */
export function compositeItem(plan: CompositePlan, noClearPixels: number, assetsRead: Record<string, AssetVersion>, tiles?: Record<string, string[]>) {
  const { grid } = plan;
  const [x0, res, , y0] = grid.geotransform;
  const toLonLat = makeTransform(grid.crs, WGS84);
  const ring = [[0, 0], [grid.width, 0], [grid.width, grid.height], [0, grid.height], [0, 0]].map(([c, r]) => toLonLat(pixelToWorld(grid.geotransform, c, r)));
  const lons = ring.map((p) => p[0]);
  const lats = ring.map((p) => p[1]);
  const { start, end } = plan.period;
  const sources = planSources(plan);
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
      'satstat:method': plan.method,
      'satstat:mask': plan.mask,
      'satstat:dilate': plan.dilate,
      'satstat:resampling': plan.resampling,
      'satstat:pixels_without_clear_observation': noClearPixels,
      'satstat:source': plan.source.source,
      'satstat:acquisitions': plan.acquisitions.map((a) => ({ key: a.key, items: a.members.map((m) => m.itemId) })),
      'satstat:sources': plan.items.map((item) => ({
        ...item,
        // The assets read, by key, and which version of them.
        read: Object.fromEntries(
          sources
            .filter((s) => s.itemId === item.id && assetsRead[s.href])
            .map((s) => [s.assetKey, assetsRead[s.href]] as const)
            .sort(([a], [b]) => (a < b ? -1 : 1)),
        ),
      })),
      ...(tiles && { 'satstat:tiles': tiles }),
    },
    links: [],
    assets: {
      composite: { href: './composite.tif', type: 'image/tiff; application=geotiff', roles: ['data'], title: `${plan.method} composite`, 'raster:bands': plan.bands.map((b) => ({ name: b, data_type: 'float32', nodata: 'nan' })) },
      clear_count: { href: './clear_count.tif', type: 'image/tiff; application=geotiff', roles: ['metadata'], title: 'clear observations per pixel', 'raster:bands': [{ data_type: 'uint16' }] },
    },
  };
}
