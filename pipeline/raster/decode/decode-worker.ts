/**
 * Worker-thread entry of the decode pool: decodes the blocks it is sent and transfers them back, or, for a block
 * sent with a region, sends back only the block's statistics (band-stats.ts).
 */
import { parentPort } from 'node:worker_threads';
import type { BlockRegion } from '../band-stats.js';
import type { BlockCodec } from './block-codec.js';
import type { BlockLayoutOrder } from './decode-block.js';

interface DecodeRequest {
  id: number;
  codec: BlockCodec;
  bytes: Uint8Array;
  order: BlockLayoutOrder;
  stats?: BlockRegion;
}

// geotiff.js imports the `web-worker` polyfill, which, when loaded in any worker thread of Node without a
// global Worker, takes over the thread as its own worker. We never use geotiff's pool, so give it a Worker
// to find before geotiff.js is loaded (hence the dynamic imports below).
(globalThis as { Worker?: unknown }).Worker ??= class {};
const { decodeBlock, decodeSamples } = await import('./decode-block.js');
const { blockStats } = await import('../band-stats.js');

parentPort!.on('message', async ({ id, codec, bytes, order, stats }: DecodeRequest) => {
  try {
    let result: ArrayBuffer;
    if (stats) {
      const { samples, differenced } = await decodeSamples(codec, bytes);
      result = blockStats(samples, stats, differenced).buffer as ArrayBuffer;
    } else {
      result = await decodeBlock(codec, bytes, order);
    }
    parentPort!.postMessage({ id, buffer: result }, [result]);
  } catch (err) {
    parentPort!.postMessage({ id, error: (err as Error).message ?? String(err), errorName: (err as Error).name });
  }
});
