import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AssetReaders } from '../composite/asset-readers.js';
import { compositeItem } from '../composite/composite-item.js';
import { compositeWindow } from '../composite/composite-window.js';
import { planComposite, planSources, type CompositePlan, type CompositeRequest } from '../composite/plan-composite.js';
import type { Settings } from '../config/settings.js';
import { buildDirAtomic } from '../core/atomic-write.js';
import { createGeoTiffWriter } from '../raster/write-geotiff.js';

export interface CompositePeriodRequest extends Omit<CompositeRequest, 'httpTimeoutMs' | 'allowedOrigins' | 'localRoots' | 'dilate' | 'resampling'> {
  dilate?: number;
  resampling?: CompositeRequest['resampling'];
  out: string;
  settings: Pick<Settings, 'raster'>;
  onProgress?: (fraction: number, message: string) => void;
}

export interface CompositeResult {
  out: string;
  plan: CompositePlan;
  grid: CompositePlan['grid'];
  items: CompositePlan['items'];
  /** Observations composited: one per acquisition (day and platform), its tiles mosaicked. */
  acquisitions: { key: string; items: string[] }[];
  noClearPixels: number;
}

/** Cells composited at once: a block of the output's 256-pixel tiles, so memory stays bounded whatever the area. */
const BLOCK = 512;

/**
 * `sat composite`: the analysis-ready composite of an area and a period from a STAC source (composite/plan-composite.ts
 * finds the Items and their bands; every asset is then opened once, checked against its Item and its version
 * recorded), composited block by block (composite/composite-window.ts) into `composite.tif` (float32, the bands in the
 * order asked, NaN = no clear observation), `clear_count.tif` (uint16) and `item.json` (a STAC Item of the composite
 * listing every source Item and asset read), all put into `out` at once when complete.
 */
export async function compositePeriod(request: CompositePeriodRequest): Promise<CompositeResult> {
  const { settings } = request;
  const progress = request.onProgress ?? (() => {});
  progress(0, 'searching');
  const plan = await planComposite({
    ...request,
    dilate: request.dilate ?? 0,
    resampling: request.resampling ?? 'bilinear',
    httpTimeoutMs: settings.raster.httpTimeoutMs,
    allowedOrigins: settings.raster.allowedOrigins,
  });
  const { grid } = plan;
  const assets = new AssetReaders(settings.raster, { checksums: true });
  try {
    // Every asset opened (and checked against its Item) before any pixel is composited: a bad Item fails at once.
    const sources = planSources(plan);
    for (const [i, s] of sources.entries()) {
      progress((0.1 * i) / sources.length, `opening ${s.itemId} ${s.assetKey}`);
      await assets.open(s);
    }
    let noClearPixels = 0;
    await buildDirAtomic(request.out, async (staging) => {
      const common = { width: grid.width, height: grid.height, geotransform: grid.geotransform, epsg: grid.crs.epsg, overviews: [] };
      const composite = await createGeoTiffWriter(path.join(staging, 'composite.tif'), { ...common, bands: plan.bands.length, dtype: 'float32', nodata: NaN, bandDescriptions: plan.bands });
      const count = await createGeoTiffWriter(path.join(staging, 'clear_count.tif'), { ...common, bands: 1, dtype: 'uint16', bandDescriptions: ['clear_count'] });
      try {
        const across = Math.ceil(grid.width / BLOCK);
        const total = across * Math.ceil(grid.height / BLOCK);
        for (let k = 0; k < total; k++) {
          const col = (k % across) * BLOCK;
          const row = Math.floor(k / across) * BLOCK;
          const window = { col, row, width: Math.min(BLOCK, grid.width - col), height: Math.min(BLOCK, grid.height - row) };
          const block = await compositeWindow(plan, window, (s) => assets.open(s));
          for (const c of block.clearCount) if (c === 0) noClearPixels++;
          await composite.writeWindow(window, block.bands);
          await count.writeWindow(window, [block.clearCount]);
          progress(0.1 + (0.9 * (k + 1)) / total, 'compositing');
        }
        await composite.close();
        await count.close();
      } catch (err) {
        await Promise.all([composite.abort(), count.abort()]);
        throw err;
      }
      await writeFile(path.join(staging, 'item.json'), `${JSON.stringify(compositeItem(plan, noClearPixels, assets.read()), null, 1)}\n`);
    });
    progress(1, 'done');
    return { out: request.out, plan, grid, items: plan.items, acquisitions: plan.acquisitions.map((a) => ({ key: a.key, items: a.members.map((m) => m.itemId) })), noClearPixels };
  } finally {
    await assets.close();
  }
}
