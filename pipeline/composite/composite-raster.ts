import { createHash } from 'node:crypto';
import { SatError } from '../core/errors.js';
import type { OpenRasterOptions, RasterReader } from '../raster/open-raster.js';
import type { GeoreferencedInfo } from '../raster/georeferenced.js';
import type { PixelWindow, RasterData, RasterInfo } from '../raster/types.js';
import { AssetReaders, keptAssetReaders, type AssetVersion } from './asset-readers.js';
import { compositeWindow, type WindowComposite } from './composite-window.js';
import type { CompositePlan } from './plan-composite.js';

/** A composite's plan and the versions of the assets it reads, as a job records them when it starts. */
export interface CompositeSource {
  plan: CompositePlan;
  assets: Record<string, AssetVersion>;
}

/** Windows kept composited: a tile's scene and clear-count reads share one computation. */
const CACHED_WINDOWS = 8;

/**
 * The metadata of a composite as a raster: the plan's grid, float32 bands named as asked, NaN as nodata, and the
 * platforms of its Items (so a recipe's sensor check applies as to a file).
 */
export function compositeInfo(plan: CompositePlan, source: string): GeoreferencedInfo {
  const platforms = [...new Set(plan.items.map((i) => i.platform).filter((p): p is string => typeof p === 'string'))].sort();
  return {
    source,
    width: plan.grid.width,
    height: plan.grid.height,
    bands: plan.bands.length,
    dtype: 'float32',
    epsg: plan.grid.crs.epsg,
    proj4: plan.grid.crs.proj4,
    geoKeys: {},
    geotransform: plan.grid.geotransform,
    nodata: NaN,
    pixelIsPoint: false,
    blockWidth: 256,
    blockHeight: 256,
    tiled: true,
    compression: 'none',
    predictor: 1,
    interleave: 'band',
    overviewCount: 0,
    bandDescriptions: [...plan.bands],
    scales: plan.bands.map(() => 1),
    offsets: plan.bands.map(() => 0),
    metadata: platforms.length ? { PLATFORM: platforms.join(', ') } : {},
  };
}

/**
 * A composite read like a file, without ever being one: each window asked for is composited from the assets that
 * touch it (composite-window.ts), so a job's tiles — on one machine or many — each read only their own part of the
 * Items, and no process holds a scene. Two views share the work: the bands, and the clear-observation count (the
 * job's cloud mask). Assets are checked against the versions recorded when the job started.
 */
export class CompositeRasters {
  private readonly assets: AssetReaders;
  private readonly release: () => Promise<void>;
  private readonly windows = new Map<string, Promise<WindowComposite>>();
  private closing: Promise<void> | null = null;
  readonly bands: RasterReader;
  readonly clearCount: RasterReader;

  constructor(
    readonly source: CompositeSource,
    options: OpenRasterOptions,
    name: string,
  ) {
    // Kept for the next tile of the same job (and the same asset versions) this process composites.
    const key = `${name}\0${createHash('sha256').update(JSON.stringify(source)).digest('hex')}`;
    ({ assets: this.assets, release: this.release } = keptAssetReaders(key, () => new AssetReaders(options, { expected: source.assets })));
    const info = compositeInfo(source.plan, name);
    this.bands = this.view(info, (c) => c.bands);
    this.clearCount = this.view({ ...info, source: `${name} (clear observations)`, bands: 1, dtype: 'uint16', nodata: null, bandDescriptions: ['clear_count'], scales: [1], offsets: [0] }, (c) => [c.clearCount]);
  }

  /** The composite of a window (computed once while it is among the last few asked for). */
  composite(window: PixelWindow): Promise<WindowComposite> {
    const key = `${window.col},${window.row},${window.width},${window.height}`;
    let entry = this.windows.get(key);
    if (!entry) {
      entry = compositeWindow(this.source.plan, window, (s) => this.assets.open(s));
      entry.catch(() => this.windows.delete(key));
      this.windows.set(key, entry);
      if (this.windows.size > CACHED_WINDOWS) this.windows.delete(this.windows.keys().next().value!);
    }
    return entry;
  }

  /** Releases the assets (once, whichever view is closed first). */
  close(): Promise<void> {
    this.windows.clear();
    this.closing ??= this.release();
    return this.closing;
  }

  private view(info: RasterInfo, pick: (c: WindowComposite) => RasterData['bands']): RasterReader {
    const rasters = this;
    return {
      info,
      async read(window?: PixelWindow, options: { bands?: number[]; fill?: number } = {}): Promise<RasterData> {
        const win = window ?? { col: 0, row: 0, width: info.width, height: info.height };
        const bands = options.bands ?? Array.from({ length: info.bands }, (_, i) => i + 1);
        for (const b of bands) {
          if (!Number.isInteger(b) || b < 1 || b > info.bands) throw new SatError('E_INPUT', `${info.source}: band ${b} does not exist (the composite has ${info.bands} band(s))`);
        }
        const all = pick(await rasters.composite(win));
        return { window: win, dtype: info.dtype, bands: bands.map((b) => all[b - 1]) };
      },
      readMask: async () => null,
      bandStats: async () => {
        throw new SatError('E_UNSUPPORTED', `${info.source}: statistics of a composite are those of its stitched file`);
      },
      bytesRead: 0,
      sourceVersion: null,
      close: () => rasters.close(),
    };
  }
}
