/** Worker-thread entry of the decode pool: decodes blocks it is sent, transferring the result back. */
import { parentPort } from 'node:worker_threads';
import type { BlockCodec } from './block-codec.js';

interface DecodeRequest {
  id: number;
  codec: BlockCodec;
  bytes: Uint8Array;
}

// geotiff.js imports the `web-worker` polyfill, which, when loaded in any worker thread of Node without a
// global Worker, takes over the thread as its own worker. We never use geotiff's pool, so give it a Worker
// to find before geotiff.js is loaded (hence the dynamic import below).
(globalThis as { Worker?: unknown }).Worker ??= class {};
const { decodeBlock } = await import('./decode-block.js');

parentPort!.on('message', async ({ id, codec, bytes }: DecodeRequest) => {
  try {
    const buffer = await decodeBlock(codec, bytes);
    parentPort!.postMessage({ id, buffer }, [buffer]);
  } catch (err) {
    parentPort!.postMessage({ id, error: (err as Error).message ?? String(err), errorName: (err as Error).name });
  }
});
