import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { deflate as deflateCb } from 'node:zlib';
import { temporaryPathFor } from '../core/atomic-write.js';
import { SatError } from '../core/errors.js';
import { crsFromEpsg } from '../geo/crs.js';
import { decodeBlock } from './decode/decode-block.js';
import { encodeIfd, firstIfdPointer, tiffHeader, TIFF_TYPE, type TiffEntry } from './tiff-directory.js';
import { allocPixels, DTYPE_BYTES, isPixelArrayOf, viewPixels, type DType, type GeoTransform, type PixelArray, type PixelWindow, type RasterData } from './types.js';

const deflate = promisify(deflateCb);

export interface GeoTiffWriteOptions {
  width: number;
  height: number;
  bands: number;
  dtype: DType;
  /** GDAL order; rotation terms are written as a ModelTransformation. */
  geotransform: GeoTransform;
  epsg?: number | null;
  /** Written as GDAL_NODATA; NaN allowed for float types. */
  nodata?: number | null;
  /** Default 256; a multiple of 16. */
  tileSize?: number;
  compression?: 'deflate' | 'none';
  deflateLevel?: number;
  /** Default: 2 for integer types, 3 for floats (with deflate); 1 = none. */
  predictor?: 1 | 2 | 3;
  /** Decimation factors, e.g. [2, 4, 8]. */
  overviews?: number[];
  overviewResampling?: 'nearest' | 'average' | 'mode';
  bandDescriptions?: string[];
  metadata?: Record<string, string>;
  /** 'auto' (default): BigTIFF when the uncompressed pixels could pass 4 GiB. */
  bigTiff?: 'auto' | 'yes' | 'no';
}

export interface GeoTiffWriter {
  readonly path: string;
  readonly tileSize: number;
  readonly tilesAcross: number;
  readonly tilesDown: number;
  /** One tile; bands[i] holds its pixels row-major at the tile's real extent (edge tiles are smaller). Any order, each once. */
  writeTile(tileCol: number, tileRow: number, bands: PixelArray[]): Promise<void>;
  /** A window aligned to the tile grid (col,row multiples of tileSize; size multiples of it or reaching the edge). */
  writeWindow(window: PixelWindow, bands: PixelArray[]): Promise<void>;
  /** Writes overviews and directories, syncs, and renames the temp file to `path`. Fails naming any tile never written. */
  close(): Promise<void>;
  /** Deletes the temp file; `path` is left as it was. */
  abort(): Promise<void>;
}

const SAMPLE_FORMAT: Record<DType, number> = { uint8: 1, uint16: 1, uint32: 1, int8: 2, int16: 2, int32: 2, float32: 3, float64: 3 };
/** Compressions in flight at once (libuv's pool compresses them in parallel); more would only hold memory. */
const MAX_IN_FLIGHT = 8;

interface Level {
  width: number;
  height: number;
  across: number;
  down: number;
  offsets: number[];
  byteCounts: number[];
}

export async function createGeoTiffWriter(target: string, options: GeoTiffWriteOptions): Promise<GeoTiffWriter> {
  const o = validate(target, options);
  const temp = temporaryPathFor(target);
  let handle: FileHandle;
  try {
    handle = await open(temp, 'wx+');
  } catch (err) {
    throw new SatError('E_NOT_FOUND', `${target}: cannot create the output file (${(err as NodeJS.ErrnoException).code})`);
  }
  return new TiledGeoTiffWriter(target, temp, handle, o);
}

type Resolved = Required<Omit<GeoTiffWriteOptions, 'epsg' | 'nodata' | 'bandDescriptions' | 'metadata' | 'bigTiff'>> & {
  epsg: number | null;
  nodata: number | null;
  bandDescriptions: string[];
  metadata: Record<string, string>;
  bigTiff: boolean;
};

function validate(target: string, o: GeoTiffWriteOptions): Resolved {
  const fail = (why: string) => {
    throw new SatError('E_INPUT', `${target}: cannot write GeoTIFF: ${why}`);
  };
  if (!(o.dtype in SAMPLE_FORMAT)) fail(`unsupported data type ${o.dtype}`);
  for (const [k, v] of Object.entries({ width: o.width, height: o.height, bands: o.bands })) {
    if (!Number.isInteger(v) || v <= 0) fail(`${k} must be a positive integer (got ${v})`);
  }
  const tileSize = o.tileSize ?? 256;
  if (!Number.isInteger(tileSize) || tileSize <= 0 || tileSize % 16 !== 0) fail(`tile size must be a positive multiple of 16 (got ${tileSize})`);
  if (o.geotransform.length !== 6 || !o.geotransform.every(Number.isFinite)) fail('the geotransform needs 6 finite numbers');
  const isFloat = o.dtype.startsWith('float');
  const compression = o.compression ?? 'deflate';
  const predictor = compression === 'none' ? 1 : (o.predictor ?? (isFloat ? 3 : 2));
  if (predictor === 3 && !isFloat) fail('predictor 3 is for floating-point data');
  if (predictor === 2 && isFloat) fail('predictor 2 is for integer data (use 3 for floats)');
  const overviews = [...(o.overviews ?? [])].sort((a, b) => a - b);
  for (const f of overviews) if (!Number.isInteger(f) || f < 2) fail(`overview factors must be integers >= 2 (got ${f})`);
  const raw = o.width * o.height * o.bands * DTYPE_BYTES[o.dtype] * (overviews.length ? 1.34 : 1);
  const bigTiff = o.bigTiff === 'yes' || ((o.bigTiff ?? 'auto') === 'auto' && raw > 4_000_000_000);
  return {
    width: o.width,
    height: o.height,
    bands: o.bands,
    dtype: o.dtype,
    geotransform: o.geotransform,
    epsg: o.epsg ?? null,
    nodata: o.nodata ?? null,
    tileSize,
    compression,
    deflateLevel: o.deflateLevel ?? 6,
    predictor,
    overviews,
    overviewResampling: o.overviewResampling ?? 'average',
    bandDescriptions: o.bandDescriptions ?? [],
    metadata: o.metadata ?? {},
    bigTiff,
  };
}

class TiledGeoTiffWriter implements GeoTiffWriter {
  readonly tileSize: number;
  readonly tilesAcross: number;
  readonly tilesDown: number;
  private readonly full: Level;
  private position: number;
  /** Tiles are appended in the order they were given, whatever order their compression finishes in. */
  private appendChain: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown = null;
  private done = false;

  constructor(
    readonly path: string,
    private readonly temp: string,
    private readonly handle: FileHandle,
    private readonly o: Resolved,
  ) {
    this.tileSize = o.tileSize;
    this.full = newLevel(o.width, o.height, o.tileSize);
    this.tilesAcross = this.full.across;
    this.tilesDown = this.full.down;
    this.position = 16; // room for either header; the first tile starts here
  }

  async writeTile(tileCol: number, tileRow: number, bands: PixelArray[]): Promise<void> {
    this.checkOpen();
    const { o, full } = this;
    if (!Number.isInteger(tileCol) || !Number.isInteger(tileRow) || tileCol < 0 || tileRow < 0 || tileCol >= full.across || tileRow >= full.down) {
      throw new SatError('E_INPUT', `${this.path}: tile (${tileCol}, ${tileRow}) is outside the ${full.across} x ${full.down} tile grid`);
    }
    const index = tileRow * full.across + tileCol;
    if (full.byteCounts[index] !== -1) throw new SatError('E_INPUT', `${this.path}: tile (${tileCol}, ${tileRow}) was written twice`);
    const w = Math.min(o.tileSize, o.width - tileCol * o.tileSize);
    const h = Math.min(o.tileSize, o.height - tileRow * o.tileSize);
    checkBands(this.path, `tile (${tileCol}, ${tileRow})`, bands, o.bands, o.dtype, w * h);
    full.byteCounts[index] = 0; // claimed
    const block = interleave(bands, w, h, o.tileSize, o.dtype);
    await this.enqueue(full, index, block);
  }

  async writeWindow(window: PixelWindow, bands: PixelArray[]): Promise<void> {
    const { tileSize: ts, o } = this;
    const aligned =
      window.col % ts === 0 &&
      window.row % ts === 0 &&
      (window.width % ts === 0 || window.col + window.width === o.width) &&
      (window.height % ts === 0 || window.row + window.height === o.height);
    if (!aligned) throw new SatError('E_INPUT', `${this.path}: window ${JSON.stringify(window)} is not aligned to the ${ts}-pixel tile grid`);
    checkBands(this.path, `window ${JSON.stringify(window)}`, bands, o.bands, o.dtype, window.width * window.height);
    for (let ty = window.row / ts; ty * ts < window.row + window.height; ty++) {
      for (let tx = window.col / ts; tx * ts < window.col + window.width; tx++) {
        const c0 = tx * ts - window.col;
        const r0 = ty * ts - window.row;
        const w = Math.min(ts, o.width - tx * ts);
        const h = Math.min(ts, o.height - ty * ts);
        const tile = bands.map((b) => {
          const t = allocPixels(o.dtype, w * h);
          for (let r = 0; r < h; r++) t.set(b.subarray((r0 + r) * window.width + c0, (r0 + r) * window.width + c0 + w), r * w);
          return t;
        });
        await this.writeTile(tx, ty, tile);
      }
    }
  }

  /** Compresses a full tile-size block and appends it; waits while too many are in flight (backpressure). */
  private async enqueue(level: Level, index: number, block: PixelArray): Promise<void> {
    while (this.inFlight.size >= MAX_IN_FLIGHT) await Promise.race(this.inFlight);
    const compressed = this.compress(block);
    compressed.catch(() => {}); // its failure surfaces through the append chain below
    const appended = this.appendChain.then(async () => {
      const bytes = await compressed;
      level.offsets[index] = this.position;
      level.byteCounts[index] = bytes.length;
      await this.writeAt(bytes, this.position);
      this.position += bytes.length + (bytes.length % 2);
    });
    this.appendChain = appended.catch((err) => {
      this.failure ??= err;
    });
    const tracked: Promise<void> = appended.then(
      () => void this.inFlight.delete(tracked),
      () => void this.inFlight.delete(tracked),
    );
    this.inFlight.add(tracked);
  }

  private async compress(block: PixelArray): Promise<Buffer> {
    const { o } = this;
    const bytes = applyPredictor(block, o.tileSize, o.bands, o.predictor, o.dtype);
    return o.compression === 'deflate' ? deflate(bytes, { level: o.deflateLevel }) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private async writeAt(bytes: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < bytes.length) done += (await this.handle.write(bytes, done, bytes.length - done, position + done)).bytesWritten;
  }

  private checkOpen(): void {
    if (this.done) throw new SatError('E_INPUT', `${this.path}: the writer is already closed`);
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    this.checkOpen();
    try {
      await this.appendChain;
      if (this.failure) throw this.failure;
      const missing: string[] = [];
      this.full.byteCounts.forEach((c, i) => {
        if (c < 0) missing.push(`(${i % this.full.across}, ${Math.floor(i / this.full.across)})`);
      });
      if (missing.length > 0) {
        throw new SatError(
          'E_INPUT',
          `${this.path}: ${missing.length} tile(s) never written: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}`,
        );
      }
      const levels = [this.full, ...(await this.writeOverviews())];
      await this.writeDirectories(levels);
      await this.handle.sync();
      await this.handle.close();
      this.done = true;
      await rename(this.temp, this.path);
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  async abort(): Promise<void> {
    this.done = true;
    await this.handle.close().catch(() => {});
    await rm(this.temp, { force: true });
  }

  /** Each overview level is computed from the previous one (or the full image), tile by tile from the temp file. */
  private async writeOverviews(): Promise<Level[]> {
    const { o } = this;
    const levels: Level[] = [];
    let source = this.full;
    let sourceFactor = 1;
    for (const factor of o.overviews) {
      const ratio = factor % sourceFactor === 0 ? factor / sourceFactor : factor;
      const from = factor % sourceFactor === 0 ? source : this.full;
      const level = newLevel(Math.ceil(o.width / factor), Math.ceil(o.height / factor), o.tileSize);
      for (let ty = 0; ty < level.down; ty++) {
        for (let tx = 0; tx < level.across; tx++) {
          const block = await this.reduceTile(from, level, tx, ty, ratio);
          await this.enqueue(level, ty * level.across + tx, block);
        }
      }
      await this.appendChain;
      if (this.failure) throw this.failure;
      levels.push(level);
      source = level;
      sourceFactor = factor;
    }
    return levels;
  }

  /** One overview tile: each output pixel summarises a ratio x ratio block of the source level. */
  private async reduceTile(src: Level, dst: Level, tx: number, ty: number, ratio: number): Promise<PixelArray> {
    const { o } = this;
    const ts = o.tileSize;
    const nb = o.bands;
    const out = allocPixels(o.dtype, ts * ts * nb);
    // Load every source tile this output tile covers first, so the pixel loop below stays synchronous.
    const sx0 = Math.floor((tx * ts * ratio) / ts);
    const sy0 = Math.floor((ty * ts * ratio) / ts);
    const sx1 = Math.min(src.across - 1, Math.floor(((tx + 1) * ts * ratio - 1) / ts));
    const sy1 = Math.min(src.down - 1, Math.floor(((ty + 1) * ts * ratio - 1) / ts));
    const across = sx1 - sx0 + 1;
    const srcTiles: PixelArray[] = [];
    for (let sy = sy0; sy <= sy1; sy++) {
      for (let sx = sx0; sx <= sx1; sx++) srcTiles.push(await this.readBack(src, sy * src.across + sx));
    }
    const nodata = o.nodata;
    const values = new Float64Array(ratio * ratio);
    const w = Math.min(ts, dst.width - tx * ts);
    const h = Math.min(ts, dst.height - ty * ts);
    for (let y = 0; y < h; y++) {
      const gy = (ty * ts + y) * ratio;
      const yEnd = Math.min(gy + ratio, src.height);
      for (let x = 0; x < w; x++) {
        const gx = (tx * ts + x) * ratio;
        const xEnd = Math.min(gx + ratio, src.width);
        for (let b = 0; b < nb; b++) {
          let n = 0;
          for (let yy = gy; yy < yEnd; yy++) {
            const tileRow = (Math.floor(yy / ts) - sy0) * across - sx0;
            const rowStart = (yy % ts) * ts;
            for (let xx = gx; xx < xEnd; xx++) {
              const v = srcTiles[tileRow + Math.floor(xx / ts)][(rowStart + (xx % ts)) * nb + b];
              if (v === v && v !== nodata) values[n++] = v; // skip NaN and nodata
            }
          }
          out[(y * ts + x) * nb + b] = n === 0 ? (nodata ?? 0) : summarise(values, n, o.overviewResampling, o.dtype);
        }
      }
    }
    return out;
  }

  /** Decodes a tile already written to the temp file (our own deflate + predictor). */
  private async readBack(level: Level, index: number): Promise<PixelArray> {
    const { o } = this;
    const bytes = new Uint8Array(level.byteCounts[index]);
    await this.handle.read(bytes, 0, bytes.length, level.offsets[index]);
    const buffer = await decodeBlock(
      { compression: o.compression === 'deflate' ? 8 : 1, dtype: o.dtype, width: o.tileSize, rows: o.tileSize, samples: o.bands, predictor: o.predictor, littleEndian: true },
      bytes,
    );
    return viewPixels(o.dtype, buffer);
  }

  private async writeDirectories(levels: Level[]): Promise<void> {
    const { o } = this;
    const big = o.bigTiff;
    // Directories go after the pixel data, each right after the previous one.
    let at = this.position + (this.position % 2);
    const encoded: Buffer[] = [];
    const positions: number[] = [];
    // Sizes do not depend on offsets, so encode once to measure, then for real.
    const entriesOf = levels.map((level, i) => this.entries(level, i > 0));
    const sizes = entriesOf.map((e) => encodeIfd(e, 0, 0, big).length);
    for (let i = 0; i < levels.length; i++) {
      positions.push(at);
      at += sizes[i] + (sizes[i] % 2);
    }
    for (let i = 0; i < levels.length; i++) {
      encoded.push(encodeIfd(entriesOf[i], positions[i], i + 1 < levels.length ? positions[i + 1] : 0, big));
      await this.writeAt(encoded[i], positions[i]);
    }
    const header = tiffHeader(big);
    const pointer = firstIfdPointer(big);
    if (big) header.writeBigUInt64LE(BigInt(positions[0]), pointer.position);
    else header.writeUInt32LE(positions[0], pointer.position);
    if (!big && at > 0xffffffff) throw new SatError('E_LIMIT', `${this.path}: output passed 4 GiB; write it with bigTiff: 'yes'`);
    await this.writeAt(header, 0);
  }

  private entries(level: Level, overview: boolean): TiffEntry[] {
    const { o } = this;
    const { SHORT, LONG, DOUBLE, ASCII, LONG8 } = TIFF_TYPE;
    const n = o.bands;
    const bits = DTYPE_BYTES[o.dtype] * 8;
    const entries: TiffEntry[] = [
      { tag: 256, type: LONG, values: [level.width] },
      { tag: 257, type: LONG, values: [level.height] },
      { tag: 258, type: SHORT, values: new Array(n).fill(bits) },
      { tag: 259, type: SHORT, values: [o.compression === 'deflate' ? 8 : 1] },
      { tag: 262, type: SHORT, values: [1] }, // BlackIsZero
      { tag: 277, type: SHORT, values: [n] },
      { tag: 284, type: SHORT, values: [1] }, // pixel-interleaved
      { tag: 322, type: SHORT, values: [o.tileSize] },
      { tag: 323, type: SHORT, values: [o.tileSize] },
      { tag: 324, type: o.bigTiff ? LONG8 : LONG, values: level.offsets },
      { tag: 325, type: o.bigTiff ? LONG8 : LONG, values: level.byteCounts },
      { tag: 339, type: SHORT, values: new Array(n).fill(SAMPLE_FORMAT[o.dtype]) },
    ];
    if (o.predictor !== 1) entries.push({ tag: 317, type: SHORT, values: [o.predictor] });
    if (n > 1) entries.push({ tag: 338, type: SHORT, values: new Array(n - 1).fill(0) }); // extra samples: unspecified
    if (o.nodata !== null) entries.push({ tag: 42113, type: ASCII, values: formatNodata(o.nodata) });
    if (overview) {
      entries.push({ tag: 254, type: LONG, values: [1] }); // reduced-resolution image
      return entries;
    }
    const gt = o.geotransform;
    if (gt[2] !== 0 || gt[4] !== 0) {
      entries.push({ tag: 34264, type: DOUBLE, values: [gt[1], gt[2], 0, gt[0], gt[4], gt[5], 0, gt[3], 0, 0, 0, 0, 0, 0, 0, 1] });
    } else {
      entries.push({ tag: 33550, type: DOUBLE, values: [gt[1], -gt[5], 0] });
      entries.push({ tag: 33922, type: DOUBLE, values: [0, 0, 0, gt[0], gt[3], 0] });
    }
    entries.push({ tag: 34735, type: SHORT, values: geoKeyDirectory(o.epsg) });
    const xml = gdalMetadataXml(o.metadata, o.bandDescriptions);
    if (xml) entries.push({ tag: 42112, type: ASCII, values: xml });
    return entries;
  }
}

function newLevel(width: number, height: number, tileSize: number): Level {
  const across = Math.ceil(width / tileSize);
  const down = Math.ceil(height / tileSize);
  return { width, height, across, down, offsets: new Array(across * down).fill(0), byteCounts: new Array(across * down).fill(-1) };
}

function checkBands(file: string, what: string, bands: PixelArray[], expectedBands: number, dtype: DType, length: number): void {
  if (bands.length !== expectedBands) throw new SatError('E_INPUT', `${file}: ${what} has ${bands.length} band(s), expected ${expectedBands}`);
  bands.forEach((b, i) => {
    if (b.length !== length) throw new SatError('E_INPUT', `${file}: ${what} band ${i + 1} has ${b.length} pixels, expected ${length}`);
    if (!isPixelArrayOf(dtype, b)) {
      throw new SatError('E_INPUT', `${file}: ${what} band ${i + 1} is a ${b.constructor.name}, expected ${dtype}`);
    }
  });
}

/** Band-separate arrays of a w x h tile → one pixel-interleaved tileSize x tileSize block (edges zero-padded). */
function interleave(bands: PixelArray[], w: number, h: number, tileSize: number, dtype: DType): PixelArray {
  const n = bands.length;
  const block = allocPixels(dtype, tileSize * tileSize * n);
  for (let b = 0; b < n; b++) {
    const src = bands[b];
    for (let y = 0; y < h; y++) {
      let d = y * tileSize * n + b;
      const s0 = y * w;
      for (let x = 0; x < w; x++, d += n) block[d] = src[s0 + x];
    }
  }
  return block;
}

/** Applies the TIFF predictor to a block (a copy), returning the bytes to compress. */
function applyPredictor(block: PixelArray, tileSize: number, samples: number, predictor: number, dtype: DType): Uint8Array {
  if (predictor === 1) return new Uint8Array(block.buffer, block.byteOffset, block.byteLength);
  const rowLen = tileSize * samples;
  if (predictor === 2) {
    const diff = block.slice();
    for (let r = 0; r < tileSize; r++) {
      const start = r * rowLen;
      for (let i = start + rowLen - 1; i >= start + samples; i--) diff[i] = block[i] - block[i - samples];
    }
    return new Uint8Array(diff.buffer, diff.byteOffset, diff.byteLength);
  }
  // Predictor 3: per row, bytes split into planes (most significant first), then differenced bytewise.
  const size = DTYPE_BYTES[dtype];
  const src = new Uint8Array(block.buffer, block.byteOffset, block.byteLength);
  const out = new Uint8Array(src.length);
  const rowBytes = rowLen * size;
  for (let r = 0; r < tileSize; r++) {
    const base = r * rowBytes;
    for (let i = 0; i < rowLen; i++) {
      for (let b = 0; b < size; b++) out[base + (size - 1 - b) * rowLen + i] = src[base + i * size + b];
    }
    for (let i = rowBytes - 1; i >= samples; i--) out[base + i] = (out[base + i] - out[base + i - samples]) & 0xff;
  }
  return out;
}

/** The first `n` of `values` summarised into one pixel; mode ties go to the smallest value. */
function summarise(values: Float64Array, n: number, how: 'nearest' | 'average' | 'mode', dtype: DType): number {
  if (how === 'nearest') return values[0];
  if (how === 'mode') {
    if (n > 16) {
      // Many values: sorted, the longest run wins (the first, so the smallest value, among equally long ones).
      const sorted = values.subarray(0, n).sort();
      let best = sorted[0];
      let bestCount = 0;
      for (let i = 0; i < n; ) {
        let j = i + 1;
        while (j < n && sorted[j] === sorted[i]) j++;
        if (j - i > bestCount) {
          best = sorted[i];
          bestCount = j - i;
        }
        i = j;
      }
      return best;
    }
    // Few values (4 for a 2x reduction): counted by comparison, cheaper than building a Map per pixel.
    let best = values[0];
    let bestCount = 0;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      let c = 0;
      for (let j = 0; j < n; j++) if (values[j] === v) c++;
      if (c > bestCount || (c === bestCount && v < best)) {
        best = v;
        bestCount = c;
      }
    }
    return best;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  return dtype.startsWith('float') ? mean : Math.floor(mean + 0.5);
}

function formatNodata(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  return Number.isInteger(v) ? String(v) : v.toPrecision(17).replace(/\.?0+(e|$)/, '$1');
}

/** GeoKeyDirectory: PixelIsArea, model type and the EPSG code (projected or geographic, told apart by its definition). */
function geoKeyDirectory(epsg: number | null): number[] {
  const keys: number[][] = [[1025, 0, 1, 1]]; // GTRasterTypeGeoKey = PixelIsArea
  if (epsg !== null) {
    const geographic = crsFromEpsg(epsg).proj4.includes('+proj=longlat');
    keys.unshift([1024, 0, 1, geographic ? 2 : 1]); // GTModelTypeGeoKey
    keys.push(geographic ? [2048, 0, 1, epsg] : [3072, 0, 1, epsg]);
  }
  keys.sort((a, b) => a[0] - b[0]);
  return [1, 1, 0, keys.length, ...keys.flat()];
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function gdalMetadataXml(metadata: Record<string, string>, descriptions: string[]): string | null {
  const items = [
    ...Object.entries(metadata).map(([k, v]) => `  <Item name="${escapeXml(k)}">${escapeXml(v)}</Item>`),
    ...descriptions.map((d, i) => `  <Item name="DESCRIPTION" sample="${i}" role="description">${escapeXml(d)}</Item>`),
  ];
  return items.length ? `<GDALMetadata>\n${items.join('\n')}\n</GDALMetadata>\n` : null;
}

/** Convenience for an image held in memory (data.window at 0,0). */
export async function writeGeoTiff(
  target: string,
  data: RasterData,
  options: Omit<GeoTiffWriteOptions, 'width' | 'height' | 'bands' | 'dtype'>,
): Promise<void> {
  const writer = await createGeoTiffWriter(target, {
    ...options,
    width: data.window.width,
    height: data.window.height,
    bands: data.bands.length,
    dtype: data.dtype,
  });
  try {
    await writer.writeWindow({ col: 0, row: 0, width: data.window.width, height: data.window.height }, data.bands);
  } catch (err) {
    await writer.abort();
    throw err;
  }
  await writer.close();
}
