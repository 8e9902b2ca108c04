import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../core/worker-url.js';
import type { BlockRegion } from '../band-stats.js';
import type { BlockCodec } from './block-codec.js';
import type { BlockLayoutOrder } from './decode-block.js';

interface Job {
  id: number;
  codec: BlockCodec;
  bytes: Uint8Array;
  order: BlockLayoutOrder;
  stats?: BlockRegion;
  resolve: (buffer: ArrayBuffer) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
}

/**
 * A fixed set of worker threads that decode blocks (decompression and predictors run off the main
 * thread, one block per thread at a time). Workers are referenced only while they have work, so an
 * idle pool never keeps the process alive; a worker that dies is replaced and only its block fails.
 */
export class DecodePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;

  constructor(readonly size: number = availableParallelism()) {}

  /** The decoded block (decodeBlock's samples in `order`). */
  decode(codec: BlockCodec, bytes: Uint8Array, order: BlockLayoutOrder = 'interleaved'): Promise<ArrayBuffer> {
    return this.submit(codec, bytes, order);
  }

  /** Only the statistics of the block's `region` (band-stats.ts blockStats): the pixels stay in the thread. */
  async blockStats(codec: BlockCodec, bytes: Uint8Array, region: BlockRegion): Promise<Float64Array> {
    return new Float64Array(await this.submit(codec, bytes, 'interleaved', region));
  }

  private submit(codec: BlockCodec, bytes: Uint8Array, order: BlockLayoutOrder, stats?: BlockRegion): Promise<ArrayBuffer> {
    if (this.closed) return Promise.reject(new Error('decode pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, codec, bytes, order, stats, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.job === null);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.ref();
      // Copy into a transferable buffer only when the bytes are a view into a larger one.
      const bytes = job.bytes.byteOffset === 0 && job.bytes.byteLength === job.bytes.buffer.byteLength ? job.bytes : job.bytes.slice();
      slot.worker.postMessage({ id: job.id, codec: job.codec, bytes, order: job.order, stats: job.stats }, [bytes.buffer as ArrayBuffer]);
    }
  }

  private spawn(): Slot {
    const worker = startWorker(import.meta.url, './decode-worker');
    const slot: Slot = { worker, job: null };
    worker.unref();
    worker.on('message', (msg: { id: number; buffer?: ArrayBuffer; error?: string; errorName?: string }) => {
      const job = slot.job;
      slot.job = null;
      worker.unref();
      if (job) {
        if (msg.error !== undefined) {
          // Keep the error's kind (e.g. BlockSizeError): the reader classifies by name.
          const err = new Error(msg.error);
          if (msg.errorName) err.name = msg.errorName;
          job.reject(err);
        }
        else job.resolve(msg.buffer!);
      }
      this.dispatch();
    });
    const fail = (err: Error) => {
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      slot.job?.reject(new Error(`decode thread failed: ${err.message}`));
      slot.job = null;
      if (!this.closed) this.dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`exited with code ${code}`));
    });
    this.slots.push(slot);
    return slot;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('decode pool closed'));
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }
}
