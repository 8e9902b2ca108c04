import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { BandSource } from '../collect/resolve-band-source.js';
import { sha256File } from '../core/checksum.js';
import { SatError } from '../core/errors.js';
import { DecodePool } from '../raster/decode/decode-pool.js';
import { openRaster, type OpenRasterOptions, type RasterReader } from '../raster/open-raster.js';
import type { RasterInfo } from '../raster/types.js';

/** Which version of an asset was read: a remote file's ETag (else Last-Modified), a local file's size and time (and SHA-256 when asked). */
export interface AssetVersion {
  href: string;
  etag: string | null;
  sha256: string | null;
  bytes: number | null;
  modified: string | null;
}

/**
 * Decoded blocks kept per asset: dozens of assets are open at once, each read a tile window at a time. A tile with its
 * halo touches up to 3 x 3 blocks of 512 px (4.5 MB of uint16), six of them shared with the next tile of its row.
 */
const ASSET_BLOCK_CACHE_MB = 8;

const isRemote = (href: string) => /^https?:\/\//i.test(href);

/**
 * One decode pool per process for every asset reader: a service worker opens a tile's assets for each prepare job it
 * takes, and starting threads per tile would cost more than the decoding. Idle, its threads do not keep the process
 * alive.
 */
let processPool: DecodePool | null = null;
const assetDecodePool = (threads: number | undefined) => (processPool ??= new DecodePool(threads || availableParallelism()));

/**
 * The asset files of a composite, each opened once and shared by its bands (all on the process's one decode pool for
 * assets, so dozens of open COGs do not mean dozens of thread pools). On first opening, an asset is checked against its Item — the file must be
 * on the grid the Item states and hold the band it names — and its version recorded; given the versions recorded
 * when the job started (`expected`), a file that changed since is refused, so every tile of a job reads the same data.
 */
export class AssetReaders {
  private readonly readers = new Map<string, Promise<RasterReader>>();
  private readonly versions = new Map<string, AssetVersion>();

  constructor(
    private readonly options: OpenRasterOptions,
    private readonly check: { checksums?: boolean; expected?: Record<string, AssetVersion> } = {},
  ) {}

  /** The reader of a band's asset, checked against the Item on first opening. */
  open(source: BandSource): Promise<RasterReader> {
    let reader = this.readers.get(source.href);
    if (!reader) {
      reader = this.openChecked(source);
      reader.catch(() => this.readers.delete(source.href));
      this.readers.set(source.href, reader);
    }
    return reader.then((r) => {
      if (source.bandIndex > r.info.bands) throw new SatError('E_INPUT', `item ${source.itemId}: asset ${source.assetKey} (${source.href}) has ${r.info.bands} band(s), the metadata names band ${source.bandIndex}`);
      return r;
    });
  }

  /** Versions of the assets opened so far, by href. */
  read(): Record<string, AssetVersion> {
    return Object.fromEntries([...this.versions].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  private async openChecked(source: BandSource): Promise<RasterReader> {
    const reader = await openRaster(source.href, { ...this.options, blockCacheMB: ASSET_BLOCK_CACHE_MB, decodePool: assetDecodePool(this.options.decodeThreads) });
    try {
      checkGridMatches(source, reader.info);
      const version = await this.versionOf(source.href, reader);
      const expected = this.check.expected?.[source.href];
      if (expected && (expected.etag !== version.etag || expected.bytes !== version.bytes || expected.modified !== version.modified)) {
        throw new SatError('E_INPUT', `item ${source.itemId}: asset ${source.assetKey} (${source.href}) changed since the job started (${describe(expected)} then, ${describe(version)} now)`);
      }
      this.versions.set(source.href, version);
      return reader;
    } catch (err) {
      await reader.close();
      throw err;
    }
  }

  private async versionOf(href: string, reader: RasterReader): Promise<AssetVersion> {
    if (isRemote(href)) return { href, etag: reader.sourceVersion, sha256: null, bytes: null, modified: null };
    const stat = statSync(href);
    return { href, etag: null, sha256: this.check.checksums ? await sha256File(href) : null, bytes: stat.size, modified: stat.mtime.toISOString() };
  }

  async close(): Promise<void> {
    const opened = await Promise.allSettled(this.readers.values());
    this.readers.clear();
    await Promise.all(opened.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
  }
}

const describe = (v: AssetVersion) => (v.etag !== null ? `ETag ${v.etag}` : `${v.bytes} bytes, modified ${v.modified}`);

/**
 * The asset's file must be on the grid its Item states (proj:epsg, proj:transform, proj:shape): an Item whose
 * metadata and pixels disagree would be warped by the file's own georeferencing and mislabel the provenance, and more
 * often means the catalogue points at the wrong file. Within half a pixel, as proj:bbox is checked.
 */
function checkGridMatches(source: BandSource, info: Pick<RasterInfo, 'width' | 'height' | 'epsg' | 'geotransform'>): void {
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

/** How long a job's asset readers are kept after its last tile, and how many idle jobs' readers at most. */
const KEEP_MS = 60_000;
const KEEP_IDLE = 2;
const kept = new Map<string, { assets: AssetReaders; users: number; timer: NodeJS.Timeout | null }>();

/**
 * The asset readers of one job's composite, kept between the tiles a process composites (a service worker opens the
 * job afresh for each prepare job): the blocks a tile's halo shares with its neighbours stay decoded, and assets are
 * not opened again. `key` names the job and the asset versions it expects. Released readers of a job are closed once
 * idle for a minute, or when more than two jobs' are idle.
 */
export function keptAssetReaders(key: string, make: () => AssetReaders): { assets: AssetReaders; release: () => Promise<void> } {
  let entry = kept.get(key);
  if (!entry) {
    entry = { assets: make(), users: 0, timer: null };
    kept.set(key, entry);
  }
  if (entry.timer) clearTimeout(entry.timer);
  entry.timer = null;
  entry.users++;
  const mine = entry;
  let released = false;
  return {
    assets: mine.assets,
    release: async () => {
      if (released) return;
      released = true;
      if (--mine.users > 0) return;
      const close = (k: string, e: typeof mine) => {
        if (kept.get(k) !== e || e.users > 0) return Promise.resolve();
        kept.delete(k);
        if (e.timer) clearTimeout(e.timer);
        return e.assets.close();
      };
      mine.timer = setTimeout(() => void close(key, mine), KEEP_MS);
      mine.timer.unref();
      const idle = [...kept].filter(([, e]) => e.users === 0);
      await Promise.all(idle.slice(0, Math.max(0, idle.length - KEEP_IDLE)).map(([k, e]) => close(k, e)));
    },
  };
}
