import { availableParallelism } from 'node:os';
import { SatError } from '../core/errors.js';
import { blockStats, emptyStats, finishStats, mergeStats, type BandStats, type BlockRegion } from './band-stats.js';
import { BlockCache } from './block-cache.js';
import { decodeBlock, decodeSamples } from './decode/decode-block.js';
import { DecodePool } from './decode/decode-pool.js';
import { COMPRESSION_NAMES } from './decode/block-codec.js';
import { readMetadata, type BlockLayout } from './read-metadata.js';
import { coalesceRanges, type ByteSource } from './sources/byte-source.js';
import { openFileSource } from './sources/file-source.js';
import { openHttpSource } from './sources/http-source.js';
import { allocPixels, viewPixels, type PixelArray, type PixelWindow, type RasterData, type RasterInfo } from './types.js';

export interface OpenRasterOptions {
  /** Threads that decode blocks; 0 or undefined = one per core. */
  decodeThreads?: number;
  /** Decode on this pool instead of one of the reader's own (many readers open at once: one set of threads); its owner closes it. */
  decodePool?: DecodePool;
  /** Decoded blocks kept for overlapping windows (tile halos); default 256. */
  blockCacheMB?: number;
  /** Timeout of one HTTP read (request, redirects and body); default 30000. */
  httpTimeoutMs?: number;
  /**
   * When given, http(s) sources may connect only to these origins (scheme://host[:port]; see parseAllowedOrigin),
   * redirect hops included, and report failures without remote details. Undefined: any URL (the CLI).
   */
  allowedOrigins?: readonly string[];
  /** A read larger than this (megapixels per band) is refused; default 256. */
  maxWindowMegapixels?: number;
}

export interface RasterReader {
  readonly info: RasterInfo;
  /**
   * Reads a window (default: the whole raster). Pixels of the window outside the raster are set to
   * `fill` (default: the nodata value, else 0). bands: 1-based, default all, in the given order.
   */
  read(window?: PixelWindow, options?: { bands?: number[]; fill?: number }): Promise<RasterData>;
  /** The file's per-dataset mask (GDAL internal mask) for a window: 1 = valid, 0 = masked; null when it has none. */
  readMask(window?: PixelWindow): Promise<Uint8Array | null>;
  /**
   * Per-band valid count, min, max, mean and sum over the whole raster (nodata and NaN left out), in one pass over its
   * blocks; `onProgress` gets blocks done and the total.
   */
  bandStats(onProgress?: (done: number, total: number) => void): Promise<BandStats[]>;
  /** Bytes fetched from the file or server so far. */
  readonly bytesRead: number;
  /** The remote file's ETag (else Last-Modified), for provenance; null for local files. */
  readonly sourceVersion: string | null;
  close(): Promise<void>;
}

/** Below this much compressed data a file is decoded on the calling thread: starting threads would cost more. */
const POOL_THRESHOLD_BYTES = 4 * 1024 * 1024;
/** Gaps up to this size between needed blocks are read through, saving requests. */
const GAP_LOCAL = 64 * 1024;
const GAP_HTTP = 512 * 1024;

type TypedBlock = PixelArray;

export async function openRaster(source: string, options: OpenRasterOptions = {}): Promise<RasterReader> {
  const remote = /^https?:\/\//i.test(source);
  const bytes: ByteSource = remote
    ? await openHttpSource(source, { timeoutMs: options.httpTimeoutMs ?? 30_000, allowedOrigins: options.allowedOrigins })
    : await openFileSource(source);
  try {
    const { info, layout, maskLayout } = await readMetadata(bytes);
    return new BlockRasterReader(bytes, info, layout, maskLayout, options, remote ? GAP_HTTP : GAP_LOCAL);
  } catch (err) {
    await bytes.close();
    throw err;
  }
}

class BlockRasterReader implements RasterReader {
  private readonly cache: BlockCache<TypedBlock>;
  private pool: DecodePool | null;
  private readonly usePool: boolean;
  private readonly maxPixels: number;

  constructor(
    private readonly source: ByteSource,
    readonly info: RasterInfo,
    private readonly layout: BlockLayout,
    private readonly maskLayout: BlockLayout | null,
    private readonly options: OpenRasterOptions,
    private readonly maxGap: number,
  ) {
    this.cache = new BlockCache((options.blockCacheMB ?? 256) * 1024 * 1024);
    const compressedBytes = layout.byteCounts.reduce((a, b) => a + b, 0);
    this.usePool = layout.codec.compression !== 1 && compressedBytes > POOL_THRESHOLD_BYTES;
    this.maxPixels = (options.maxWindowMegapixels ?? 256) * 1e6;
    this.pool = options.decodePool ?? null;
  }

  get bytesRead(): number {
    return this.source.bytesRead;
  }

  get sourceVersion(): string | null {
    return this.source.version;
  }

  async read(window?: PixelWindow, options: { bands?: number[]; fill?: number } = {}): Promise<RasterData> {
    const { info, layout } = this;
    const win = window ?? { col: 0, row: 0, width: info.width, height: info.height };
    this.checkWindow(win);
    const bands = options.bands ?? Array.from({ length: info.bands }, (_, i) => i + 1);
    for (const b of bands) {
      if (!Number.isInteger(b) || b < 1 || b > info.bands) {
        throw new SatError('E_INPUT', `${info.source}: band ${b} does not exist (the raster has ${info.bands} band(s))`);
      }
    }
    const fill = options.fill ?? this.fillValue();
    return { window: win, dtype: info.dtype, bands: await this.assemble(layout, '', win, bands, fill) };
  }

  async readMask(window?: PixelWindow): Promise<Uint8Array | null> {
    const { info, maskLayout } = this;
    if (!maskLayout) return null;
    const win = window ?? { col: 0, row: 0, width: info.width, height: info.height };
    this.checkWindow(win);
    return (await this.assemble(maskLayout, 'mask:', win, [1], 0))[0] as Uint8Array;
  }

  /** Pixels of `window` from the blocks of one image (the raster or its mask), one array per requested band. */
  private async assemble(layout: BlockLayout, keyPrefix: string, win: PixelWindow, bands: number[], fill: number): Promise<PixelArray[]> {
    const { info } = this;
    const dtype = layout.codec.dtype;
    const out = bands.map(() => allocPixels(dtype, win.width * win.height));
    // The part of the window inside the raster; the rest keeps the fill value.
    const c0 = Math.max(win.col, 0);
    const r0 = Math.max(win.row, 0);
    const c1 = Math.min(win.col + win.width, info.width);
    const r1 = Math.min(win.row + win.height, info.height);
    const inside = c1 > c0 && r1 > r0;
    if (fill !== 0 && (!inside || c0 > win.col || r0 > win.row || c1 < win.col + win.width || r1 < win.row + win.height)) {
      for (const a of out) a.fill(fill);
    }
    if (!inside) return out;

    const { blockWidth: bw, blockHeight: bh, blocksAcross, blocksDown } = layout;
    const bx0 = Math.floor(c0 / bw);
    const bx1 = Math.floor((c1 - 1) / bw);
    const by0 = Math.floor(r0 / bh);
    const by1 = Math.floor((r1 - 1) / bh);
    const planes = layout.planarConfiguration === 2 ? bands.map((b) => b - 1) : [0];
    const wanted: { index: number; bx: number; by: number; plane: number }[] = [];
    for (const plane of new Set(planes)) {
      for (let by = by0; by <= by1; by++) {
        for (let bx = bx0; bx <= bx1; bx++) wanted.push({ index: plane * blocksAcross * blocksDown + by * blocksAcross + bx, bx, by, plane });
      }
    }
    const blocks = await this.blocks(layout, keyPrefix, wanted.map((w) => w.index), fill);

    // Blocks hold one plane per sample (decodeBlock's 'planes' order): a band's part of a block row is one copy.
    const samples = layout.codec.samples;
    wanted.forEach(({ bx, by, plane }, k) => {
      const block = blocks[k];
      const planeSize = block.length / samples;
      const bc0 = Math.max(c0, bx * bw);
      const bc1 = Math.min(c1, (bx + 1) * bw);
      const br0 = Math.max(r0, by * bh);
      const br1 = Math.min(r1, (by + 1) * bh);
      const span = bc1 - bc0;
      bands.forEach((band, i) => {
        if (layout.planarConfiguration === 2 && band - 1 !== plane) return;
        const target = out[i];
        const s = layout.planarConfiguration === 2 ? 0 : band - 1;
        for (let r = br0; r < br1; r++) {
          const src = s * planeSize + (r - by * bh) * bw + (bc0 - bx * bw);
          target.set(block.subarray(src, src + span) as never, (r - win.row) * win.width + (bc0 - win.col));
        }
      });
    });
    return out;
  }

  private checkWindow(w: PixelWindow): void {
    const { info } = this;
    if (![w.col, w.row, w.width, w.height].every(Number.isInteger) || w.width <= 0 || w.height <= 0) {
      throw new SatError('E_INPUT', `${info.source}: invalid window ${JSON.stringify(w)} (integers, positive size)`);
    }
    if (w.width * w.height > this.maxPixels) {
      throw new SatError(
        'E_LIMIT',
        `${info.source}: a window of ${w.width} x ${w.height} pixels is larger than the limit of ${this.maxPixels / 1e6} megapixels per read; read it in tiles`,
      );
    }
  }

  /** Decoded blocks by index, through the cache; the missing ones are fetched with coalesced reads. */
  private async blocks(layout: BlockLayout, keyPrefix: string, indices: number[], fill: number): Promise<TypedBlock[]> {
    const key = (i: number) => keyPrefix + i;
    // A block is decoded whole: one larger than a read may be (a header claiming huge strips) is refused before any allocation.
    for (const i of indices) {
      const rows = this.rowsOf(layout, i);
      if (layout.blockWidth * rows > this.maxPixels) throw this.blockTooLarge(layout, i, rows);
    }
    const missing = indices.filter((i) => !this.cache.has(key(i)) && layout.byteCounts[i] > 0);
    let fetched: Promise<Map<number, Uint8Array>> | null = null;
    if (missing.length > 0) fetched = this.fetch(layout, missing);
    return Promise.all(
      indices.map((i) =>
        this.cache.get(key(i), async () => {
          if (layout.byteCounts[i] === 0) return this.emptyBlock(layout, i, fill); // sparse file: block never written
          // (A block evicted from the cache since `missing` was made is fetched on its own.)
          const compressed = (await fetched)?.get(i) ?? (await this.fetch(layout, [i])).get(i);
          if (!compressed) throw new SatError('E_FORMAT', `${this.info.source}: ${layout.tiled ? 'tile' : 'strip'} ${i} could not be read (offset ${layout.offsets[i]}, ${layout.byteCounts[i]} bytes)`);
          return this.decode(layout, i, compressed);
        }),
      ),
    );
  }

  private async fetch(layout: BlockLayout, indices: number[]): Promise<Map<number, Uint8Array>> {
    const { offsets, byteCounts } = layout;
    const ranges = indices.map((i) => ({ offset: offsets[i], length: byteCounts[i] }));
    for (let k = 0; k < indices.length; k++) {
      const r = ranges[k];
      if (r.offset + r.length > this.source.size) {
        throw new SatError(
          'E_FORMAT',
          `${this.info.source}: truncated or corrupt: block ${indices[k]} at offset ${r.offset} (+${r.length} bytes) extends past the end of the file (${this.source.size} bytes)`,
        );
      }
    }
    const { merged, placement } = coalesceRanges(ranges, this.maxGap);
    const parts = await this.source.read(merged);
    const result = new Map<number, Uint8Array>();
    indices.forEach((index, k) => {
      const { merged: m, start } = placement[k];
      result.set(index, parts[m].subarray(start, start + ranges[k].length));
    });
    return result;
  }

  private rowsOf(layout: BlockLayout, index: number): number {
    if (layout.tiled) return layout.blockHeight;
    const by = Math.floor((index % (layout.blocksAcross * layout.blocksDown)) / layout.blocksAcross);
    return Math.min(layout.blockHeight, this.info.height - by * layout.blockHeight);
  }

  private emptyBlock(layout: BlockLayout, index: number, fill: number): TypedBlock {
    const block = allocPixels(layout.codec.dtype, layout.blockWidth * this.rowsOf(layout, index) * layout.codec.samples);
    if (fill !== 0) block.fill(fill);
    return block;
  }

  private async decode(layout: BlockLayout, index: number, compressed: Uint8Array): Promise<TypedBlock> {
    const codec = { ...layout.codec, rows: this.rowsOf(layout, index), fullRows: layout.blockHeight };
    let buffer: ArrayBuffer;
    try {
      if (this.usePool) {
        this.pool ??= new DecodePool(this.options.decodeThreads || availableParallelism());
        buffer = await this.pool.decode(codec, compressed, 'planes');
      } else {
        buffer = await decodeBlock(codec, compressed, 'planes');
      }
    } catch (err) {
      throw this.decodeError(layout, index, compressed, err as Error);
    }
    return viewPixels(layout.codec.dtype, buffer);
  }

  /** A block that decodes larger than it can be (a decompression bomb) or shorter (truncated data) is bad input. */
  private decodeError(layout: BlockLayout, index: number, compressed: Uint8Array, err: Error): SatError {
    return new SatError(
      err.name === 'BlockSizeError' ? 'E_INPUT' : 'E_FORMAT',
      `${this.info.source}: cannot decode ${layout.tiled ? 'tile' : 'strip'} ${index} (offset ${layout.offsets[index]}, ${compressed.length} bytes, ${COMPRESSION_NAMES[layout.codec.compression]}): ${err.message}`,
    );
  }

  async bandStats(onProgress?: (done: number, total: number) => void): Promise<BandStats[]> {
    const { info, layout } = this;
    const { blocksAcross, blocksDown, blockWidth: bw, blockHeight: bh } = layout;
    const perPlane = blocksAcross * blocksDown;
    const planes = layout.planarConfiguration === 2 ? info.bands : 1;
    const total = perPlane * planes;
    const acc = emptyStats(info.bands);
    // Blocks go out in groups, the next group's bytes read while this one decodes; the blocks are not cached.
    const group = Math.max(blocksAcross, 4 * (this.usePool ? this.options.decodeThreads || availableParallelism() : 1));
    const summarise = async (index: number, compressed: Uint8Array | undefined) => {
      const plane = Math.floor(index / perPlane);
      const bx = index % blocksAcross;
      const by = Math.floor((index % perPlane) / blocksAcross);
      const rows = this.rowsOf(layout, index);
      const region: BlockRegion = {
        width: bw,
        rows,
        samples: layout.codec.samples,
        cols: Math.min(bw, info.width - bx * bw),
        validRows: Math.min(rows, info.height - by * bh),
        nodata: info.nodata,
      };
      if (bw * rows > this.maxPixels) throw this.blockTooLarge(layout, index, rows);
      let part: Float64Array;
      if (!compressed) {
        part = blockStats(this.emptyBlock(layout, index, this.fillValue()), region); // sparse file: block never written
      } else {
        const codec = { ...layout.codec, rows, fullRows: bh };
        try {
          if (this.usePool) {
            this.pool ??= new DecodePool(this.options.decodeThreads || availableParallelism());
            part = await this.pool.blockStats(codec, compressed, region);
          } else {
            const { samples, differenced } = await decodeSamples(codec, compressed);
            part = blockStats(samples, region, differenced);
          }
        } catch (err) {
          throw this.decodeError(layout, index, compressed, err as Error);
        }
      }
      mergeStats(acc, part, plane);
    };
    const fetchGroup = (start: number) => {
      const indices = Array.from({ length: Math.min(group, total - start) }, (_, k) => start + k).filter((i) => layout.byteCounts[i] > 0);
      return indices.length > 0 ? this.fetch(layout, indices) : Promise.resolve(new Map<number, Uint8Array>());
    };
    let next = fetchGroup(0);
    for (let start = 0; start < total; start += group) {
      const fetched = await next;
      if (start + group < total) next = fetchGroup(start + group);
      const end = Math.min(start + group, total);
      await Promise.all(Array.from({ length: end - start }, (_, k) => summarise(start + k, fetched.get(start + k))));
      onProgress?.(end, total);
    }
    return finishStats(acc);
  }

  /** Outside the raster: the nodata value, unless there is none (or it is NaN, which integers cannot hold). */
  private fillValue(): number {
    const { nodata, dtype } = this.info;
    return nodata !== null && (!Number.isNaN(nodata) || dtype.startsWith('float')) ? nodata : 0;
  }

  private blockTooLarge(layout: BlockLayout, index: number, rows: number): SatError {
    return new SatError(
      'E_LIMIT',
      `${this.info.source}: ${layout.tiled ? 'tile' : 'strip'} ${index} is ${layout.blockWidth} x ${rows} pixels, larger than the limit of ${this.maxPixels / 1e6} megapixels per read`,
    );
  }

  async close(): Promise<void> {
    this.cache.clear();
    if (this.pool !== this.options.decodePool) await this.pool?.close();
    this.pool = null;
    await this.source.close();
  }
}
