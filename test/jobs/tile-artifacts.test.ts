/**
 * Per-tile hand-over files: what is written is read back exactly, as views where aligned, and older unpadded files
 * still read; in one process the prepared tile goes through memory instead, and a file left by another run still reads.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JobDir } from '../../pipeline/jobs/job-dir.js';
import { handOverPreparedTile, readPreparedTile, readTilePrediction, takePreparedTile, TileHandOver, writePreparedTile, writeTilePrediction } from '../../pipeline/jobs/tile-artifacts.js';
import type { RuntimeInfo } from '../../pipeline/model/runtime.js';
import { makeTileGrid } from '../../pipeline/tiling/tile-grid.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'sat-artifacts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const runtime: RuntimeInfo = { runtime: 'wasm', backend: 'wasm', tfjsVersion: '4.22.0', simd: true, adapter: null, skipped: [] };

describe('tile artifacts', () => {
  // Header lengths vary with the tile id and the runtime text, so several tiles cover every padding from 0 to 7.
  const tiles = makeTileGrid({ width: 100, height: 30 }, { tileSize: 16, halo: 3 }).tiles.slice(0, 9);

  it('a prepared tile and a tile prediction come back exactly; the arrays are aligned views of the file', async () => {
    const dir = new JobDir(path.join(tmp, 'job'));
    for (const [k, tile] of tiles.entries()) {
      const n = tile.read.width * tile.read.height;
      const data = Float32Array.from({ length: n * 3 }, (_, i) => Math.sin(i + k));
      const valid = Uint8Array.from({ length: n }, (_, i) => (i + k) % 2);
      const cloud = Uint8Array.from({ length: n }, (_, i) => (i * k) % 3);
      const counts = { pixels: n, valid: 0, nodata: 0, outside: 0, cloud: 0, outOfRange: 0 };
      await writePreparedTile(dir, tile, { width: tile.read.width, height: tile.read.height, channels: ['a', 'b', 'c'.repeat(k)], data, valid, cloud, counts });
      const back = await readPreparedTile(dir, tile.id);
      expect(back.tile).toEqual(tile);
      expect(back.prepared.channels).toEqual(['a', 'b', 'c'.repeat(k)]);
      expect(Buffer.from(back.prepared.data.buffer, back.prepared.data.byteOffset, back.prepared.data.byteLength).equals(Buffer.from(data.buffer))).toBe(true);
      expect(back.prepared.valid).toEqual(valid);
      expect(back.prepared.cloud).toEqual(cloud);
      expect(back.prepared.data.byteOffset % 4).toBe(0);
      expect(back.prepared.data.buffer).toBe(back.prepared.valid.buffer); // one read, no copies

      // A view of a larger batch output, as classify hands it over.
      const batch = Float32Array.from({ length: 3 * n * 2 }, (_, i) => i / 7);
      const probabilities = batch.subarray(n * 2, 2 * n * 2);
      const status = Uint8Array.from({ length: n }, (_, i) => i % 4);
      await writeTilePrediction(dir, { tile, probabilities, status, runtime: { ...runtime, tfjsVersion: `4.22.${k}`.padEnd(6 + k, '0') }, threads: 2 });
      const p = await readTilePrediction(dir, tile.id);
      expect(p.probabilities).toEqual(probabilities);
      expect(p.status).toEqual(status);
      expect(p.threads).toBe(2);
    }
  });

  it('hands a prepared tile over in memory where the process has a hand-over (no file), else through its file', async () => {
    const dir = new JobDir(path.join(tmp, 'memory'));
    const [a, b] = tiles;
    const prepared = (tile: (typeof tiles)[number]) => {
      const n = tile.read.width * tile.read.height;
      return { width: tile.read.width, height: tile.read.height, channels: ['a'], data: new Float32Array(n).fill(tile.col), valid: new Uint8Array(n).fill(1), cloud: new Uint8Array(n), counts: { pixels: n, valid: n, nodata: 0, outside: 0, cloud: 0, outOfRange: 0 } };
    };
    const handOver = new TileHandOver();
    const kept = prepared(a);
    await handOverPreparedTile(dir, a, kept, handOver);
    expect(existsSync(dir.tile(a.id, 'prepared'))).toBe(false);
    expect((await takePreparedTile(dir, a.id, handOver)).prepared).toBe(kept); // the same arrays, not a copy
    // Taken once: a second take finds neither memory nor file.
    await expect(takePreparedTile(dir, a.id, handOver)).rejects.toThrow();
    // A tile prepared by an earlier run (its file) is read even where this process has a hand-over.
    await handOverPreparedTile(dir, b, prepared(b), null);
    expect(existsSync(dir.tile(b.id, 'prepared'))).toBe(true);
    expect((await takePreparedTile(dir, b.id, handOver)).prepared.data).toEqual(prepared(b).data);
  });

  it('reads a file written before the header was padded (arrays unaligned): copied out', async () => {
    const dir = new JobDir(path.join(tmp, 'old'));
    const tile = tiles[0];
    const n = tile.read.width * tile.read.height;
    const probabilities = Float32Array.from({ length: n * 2 }, (_, i) => i * 0.25);
    const status = new Uint8Array(n).fill(2);
    await writeTilePrediction(dir, { tile, probabilities, status, runtime, threads: 1 });
    // Rewrite it the old way: the JSON header unpadded, one byte longer than a multiple of 4 so the floats are unaligned.
    const file = dir.tile(tile.id, 'prediction');
    const bytes = readFileSync(file);
    const headerLength = bytes.readUInt32LE(0);
    let json = bytes.subarray(4, 4 + headerLength).toString('utf8').trimEnd();
    while ((4 + Buffer.byteLength(json)) % 4 !== 1) json += ' ';
    const length = Buffer.alloc(4);
    length.writeUInt32LE(Buffer.byteLength(json));
    writeFileSync(file, Buffer.concat([length, Buffer.from(json), bytes.subarray(4 + headerLength)]));
    const p = await readTilePrediction(dir, tile.id);
    expect(p.probabilities).toEqual(probabilities);
    expect(p.status).toEqual(status);
  });
});
