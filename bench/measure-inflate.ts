/**
 * Why DEFLATE goes through node:zlib: the same compressed tiles inflated by pako (the pure-JS inflate
 * geotiff.js uses) and by node:zlib (native), on one thread each. Returns MB/s of decompressed output.
 */
import { inflateSync } from 'node:zlib';
import { inflate as pakoInflate } from 'pako';
import { readMetadata } from '../pipeline/raster/read-metadata.js';
import { openFileSource } from '../pipeline/raster/sources/file-source.js';

export async function measureInflate(file: string, maxTiles = 300): Promise<{ pakoMBs: number; zlibMBs: number; tiles: number }> {
  const source = await openFileSource(file);
  const { layout } = await readMetadata(source);
  const count = Math.min(maxTiles, layout.offsets.length);
  const tiles = await source.read(Array.from({ length: count }, (_, i) => ({ offset: layout.offsets[i], length: layout.byteCounts[i] })));
  await source.close();
  const time = (inflate: (b: Uint8Array) => Uint8Array) => {
    let bytes = 0;
    const started = process.hrtime.bigint();
    for (const t of tiles) bytes += inflate(t).length;
    return bytes / 1e6 / (Number(process.hrtime.bigint() - started) / 1e9);
  };
  time((b) => inflateSync(b)); // warm-up
  return { pakoMBs: time((b) => pakoInflate(b)), zlibMBs: time((b) => inflateSync(b)), tiles: count };
}
