import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../core/atomic-write.js';
import type { WindowComposite } from '../composite/composite-window.js';
import type { TilePrediction } from '../model/classify-tiles.js';
import type { RuntimeInfo } from '../model/runtime.js';
import type { PreparedTile } from '../preprocess/preprocess-tile.js';
import type { Tile } from '../tiling/tile-grid.js';
import type { JobDir } from './job-dir.js';

/**
 * Per-tile hand-overs between stages, one file each in the job folder: a prepared tile (prepare → classify) and a
 * tile prediction (classify → stitch). Written atomically, so a worker killed mid-write leaves no file that looks
 * complete, and a finished tile is never redone. Format: [u32 header length][header JSON, space-padded so the arrays
 * start 8-byte aligned][typed arrays' bytes]: a reader takes the arrays as views of the file's bytes, no copy.
 */

function pack(header: object, parts: ArrayBufferView[]): Uint8Array[] {
  const text = JSON.stringify(header);
  const json = Buffer.from(text.padEnd(text.length + ((8 - ((4 + Buffer.byteLength(text)) % 8)) % 8)));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  return [length, json, ...parts.map((p) => new Uint8Array(p.buffer, p.byteOffset, p.byteLength))];
}

function unpack<H>(bytes: Buffer): { header: H; body: Buffer } {
  const n = bytes.readUInt32LE(0);
  return { header: JSON.parse(bytes.subarray(4, 4 + n).toString('utf8')) as H, body: bytes.subarray(4 + n) };
}

/**
 * `length` items of a typed array type in `body` at byte `offset`: a view where the bytes are aligned for the type
 * (files written by pack), else a copy. A view keeps the whole file's buffer alive, which is all typed arrays anyway.
 */
function take<T extends Float32Array | Uint8Array | Uint16Array>(Type: { new (b: ArrayBuffer, offset?: number, length?: number): T; BYTES_PER_ELEMENT: number }, body: Buffer, offset: number, length: number): T {
  const start = body.byteOffset + offset;
  if (start % Type.BYTES_PER_ELEMENT === 0) return new Type(body.buffer as ArrayBuffer, start, length);
  const copy = new ArrayBuffer(length * Type.BYTES_PER_ELEMENT);
  new Uint8Array(copy).set(body.subarray(offset, offset + copy.byteLength));
  return new Type(copy);
}

export async function writePreparedTile(dir: JobDir, tile: Tile, prepared: PreparedTile): Promise<void> {
  const { data, valid, cloud, ...rest } = prepared;
  await writeFileAtomic(dir.tile(tile.id, 'prepared'), pack({ tile, ...rest }, [data, valid, cloud]));
}

export async function readPreparedTile(dir: JobDir, tileId: string): Promise<{ tile: Tile; prepared: PreparedTile }> {
  const { header, body } = unpack<Omit<PreparedTile, 'data' | 'valid' | 'cloud'> & { tile: Tile }>(await readFile(dir.tile(tileId, 'prepared')));
  const { tile, ...rest } = header;
  const n = rest.width * rest.height;
  const C = rest.channels.length;
  const data = take(Float32Array, body, 0, n * C);
  const valid = take(Uint8Array, body, n * C * 4, n);
  const cloud = take(Uint8Array, body, n * C * 4 + n, n);
  return { tile, prepared: { ...rest, data, valid, cloud } };
}

/**
 * Prepared tiles kept in memory between the stages of one process: `sat run` takes each tile through prepare and
 * classify back to back, so classify takes the arrays from here instead of a file written and read again (~7 MB per
 * 512² tile). Nothing is written, so a run stopped in between prepares such a tile again. Where stages run apart (the
 * service) there is no hand-over and the file carries the tile.
 */
export class TileHandOver {
  private readonly prepared = new Map<string, { tile: Tile; prepared: PreparedTile }>();

  putPrepared(tile: Tile, prepared: PreparedTile): void {
    this.prepared.set(tile.id, { tile, prepared });
  }

  takePrepared(tileId: string): { tile: Tile; prepared: PreparedTile } | undefined {
    const value = this.prepared.get(tileId);
    this.prepared.delete(tileId);
    return value;
  }
}

/** Hands the prepared tile to classify: in memory where the process has a hand-over, else through its file. */
export async function handOverPreparedTile(dir: JobDir, tile: Tile, prepared: PreparedTile, handOver: TileHandOver | null): Promise<void> {
  if (handOver) handOver.putPrepared(tile, prepared);
  else await writePreparedTile(dir, tile, prepared);
}

export async function takePreparedTile(dir: JobDir, tileId: string, handOver: TileHandOver | null): Promise<{ tile: Tile; prepared: PreparedTile }> {
  return handOver?.takePrepared(tileId) ?? readPreparedTile(dir, tileId);
}

/** A STAC job's composite over a tile's core, and the Items that gave pixels to the tile (core and halo). */
export interface CompositeTile {
  tile: Tile;
  items: string[];
  bands: Float32Array[];
  clearCount: Uint16Array;
}

/** The core of a composite read over the tile's window (core + halo), with the Items that gave it pixels. */
export async function writeCompositeTile(dir: JobDir, tile: Tile, composite: WindowComposite): Promise<void> {
  const { read, core } = tile;
  const crop = <T extends Float32Array | Uint16Array>(a: T, make: (n: number) => T): T => {
    const out = make(core.width * core.height);
    for (let r = 0; r < core.height; r++) {
      const from = (core.row - read.row + r) * read.width + (core.col - read.col);
      out.set(a.subarray(from, from + core.width), r * core.width);
    }
    return out;
  };
  const bands = composite.bands.map((b) => crop(b, (n) => new Float32Array(n)));
  const count = crop(composite.clearCount, (n) => new Uint16Array(n));
  await writeFileAtomic(dir.tile(tile.id, 'composite'), pack({ tile, items: composite.items, bands: bands.length }, [...bands, count]));
}

export async function readCompositeTile(dir: JobDir, tileId: string): Promise<CompositeTile> {
  const { header, body } = unpack<{ tile: Tile; items: string[]; bands: number }>(await readFile(dir.tile(tileId, 'composite')));
  const n = header.tile.core.width * header.tile.core.height;
  const bands = Array.from({ length: header.bands }, (_, b) => take(Float32Array, body, b * n * 4, n));
  return { tile: header.tile, items: header.items, bands, clearCount: take(Uint16Array, body, header.bands * n * 4, n) };
}

/** A tile's prediction and what made it (the backend and its thread count, recorded in the prediction summary). */
export interface ClassifiedTile extends TilePrediction {
  runtime: RuntimeInfo;
  threads: number;
}

export async function writeTilePrediction(dir: JobDir, p: ClassifiedTile): Promise<void> {
  await writeFileAtomic(dir.tile(p.tile.id, 'prediction'), pack({ tile: p.tile, pixels: p.status.length, runtime: p.runtime, threads: p.threads }, [p.probabilities, p.status]));
}

export async function readTilePrediction(dir: JobDir, tileId: string): Promise<ClassifiedTile> {
  const { header, body } = unpack<{ tile: Tile; pixels: number; runtime: RuntimeInfo; threads: number }>(await readFile(dir.tile(tileId, 'prediction')));
  const probabilityBytes = body.length - header.pixels;
  return {
    tile: header.tile,
    runtime: header.runtime,
    threads: header.threads,
    probabilities: take(Float32Array, body, 0, probabilityBytes / 4),
    status: take(Uint8Array, body, probabilityBytes, header.pixels),
  };
}
