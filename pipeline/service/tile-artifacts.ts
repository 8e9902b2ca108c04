import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PreparedTile } from '../preprocess/preprocess-tile.js';
import type { TilePrediction } from '../stages/predict-scene.js';
import type { Tile } from '../tiling/tile-grid.js';

/**
 * Per-tile artifacts handed between stage jobs through the shared artifacts folder: a prepared tile (CPU worker →
 * GPU worker) and a tile prediction (GPU worker → stitcher). One file each, written to a temporary name and renamed,
 * so a worker killed mid-write leaves no file that looks complete, and a finished tile is never redone.
 */
export const tileFile = (workDir: string, tile: string, kind: 'prepared' | 'prediction') => path.join(workDir, 'tiles', `${tile}.${kind}`);

export const hasTileFile = (workDir: string, tile: string, kind: 'prepared' | 'prediction') => existsSync(tileFile(workDir, tile, kind));

/** The tiling a job's ingest fixed (tile size, halo, tile ids), kept in its work folder until the job completes. */
export interface JobPlan {
  tileSize: number;
  halo: number;
  tiles: string[];
}

export const planFile = (workDir: string) => path.join(workDir, 'plan.json');

/** The job's plan, or null before ingest and after completion. */
export function readPlan(workDir: string): JobPlan | null {
  return existsSync(planFile(workDir)) ? (JSON.parse(readFileSync(planFile(workDir), 'utf8')) as JobPlan) : null;
}

/** Writes `content` at `file` atomically (temporary file + rename). */
export async function writeAtomic(file: string, content: string | Uint8Array | Uint8Array[]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await writeFile(temp, Array.isArray(content) ? Buffer.concat(content) : content);
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** [u32 header length][header JSON][parts...], each part a typed array's bytes. */
function pack(header: object, parts: ArrayBufferView[]): Uint8Array[] {
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  return [length, json, ...parts.map((p) => new Uint8Array(p.buffer, p.byteOffset, p.byteLength))];
}

function unpack<H>(bytes: Buffer): { header: H; body: Buffer } {
  const n = bytes.readUInt32LE(0);
  return { header: JSON.parse(bytes.subarray(4, 4 + n).toString('utf8')) as H, body: bytes.subarray(4 + n) };
}

/** Copies `length` items of a typed array type out of `body` at byte `offset` (aligned, owned). */
function take<T extends Float32Array | Uint8Array>(Type: { new (b: ArrayBuffer): T; BYTES_PER_ELEMENT: number }, body: Buffer, offset: number, length: number): T {
  const bytes = body.subarray(offset, offset + length * Type.BYTES_PER_ELEMENT);
  const copy = new ArrayBuffer(bytes.length);
  new Uint8Array(copy).set(bytes);
  return new Type(copy);
}

export async function writePreparedTile(workDir: string, tile: Tile, prepared: PreparedTile): Promise<void> {
  const { data, valid, cloud, ...rest } = prepared;
  await writeAtomic(tileFile(workDir, tile.id, 'prepared'), pack({ tile, ...rest }, [data, valid, cloud]));
}

export async function readPreparedTile(workDir: string, tileId: string): Promise<{ tile: Tile; prepared: PreparedTile }> {
  const { header, body } = unpack<Omit<PreparedTile, 'data' | 'valid' | 'cloud'> & { tile: Tile }>(await readFile(tileFile(workDir, tileId, 'prepared')));
  const { tile, ...rest } = header;
  const n = rest.width * rest.height;
  const C = rest.channels.length;
  const data = take(Float32Array, body, 0, n * C);
  const valid = take(Uint8Array, body, n * C * 4, n);
  const cloud = take(Uint8Array, body, n * C * 4 + n, n);
  return { tile, prepared: { ...rest, data, valid, cloud } };
}

export async function writeTilePrediction(workDir: string, p: TilePrediction): Promise<void> {
  await writeAtomic(tileFile(workDir, p.tile.id, 'prediction'), pack({ tile: p.tile, pixels: p.status.length }, [p.probabilities, p.status]));
}

export async function readTilePrediction(workDir: string, tileId: string): Promise<TilePrediction> {
  const { header, body } = unpack<{ tile: Tile; pixels: number }>(await readFile(tileFile(workDir, tileId, 'prediction')));
  const probabilityBytes = body.length - header.pixels;
  return {
    tile: header.tile,
    probabilities: take(Float32Array, body, 0, probabilityBytes / 4),
    status: take(Uint8Array, body, probabilityBytes, header.pixels),
  };
}
