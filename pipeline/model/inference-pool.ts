import type { Worker } from 'node:worker_threads';
import { SatError } from '../core/errors.js';
import { startWorker } from '../core/worker-url.js';
import type { RuntimeInfo, BackendPreference } from './runtime.js';
import { hasGpuDevice } from './webgpu-adapter.js';

interface Job {
  id: number;
  input: Float32Array;
  n: number;
  size: number;
  channels: number;
  resolve: (output: Float32Array) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
}

/**
 * Inference on worker threads, one TensorFlow.js backend and model copy per thread: the wasm backend has no
 * threads of its own in Node, so this is how CPU inference uses every core. Batches go to whichever thread is free.
 */
export class InferencePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  private failure: Error | null = null;

  private constructor(readonly runtime: RuntimeInfo) {}

  /**
   * Starts `threads` workers that each load the model package; resolves when all are ready. With 'auto' on a machine
   * with a GPU the first thread settles what it resolves to, and the others load that backend directly: they neither
   * look for a GPU again nor open a second device when it is webgpu, which runs on one thread (one device does the work).
   */
  static async start(modelDir: string, backend: BackendPreference, threads: number): Promise<InferencePool> {
    const settle = backend === 'auto' && threads > 1 && hasGpuDevice();
    const first = await InferencePool.spawn(modelDir, backend, settle ? 1 : threads);
    const workers = first.workers;
    if (settle && first.runtime.runtime !== 'webgpu') {
      try {
        workers.push(...(await InferencePool.spawn(modelDir, first.runtime.runtime, threads - 1)).workers);
      } catch (err) {
        await Promise.all(workers.map((w) => w.terminate()));
        throw err;
      }
    }
    const pool = new InferencePool(first.runtime);
    for (const worker of workers) pool.adopt(worker);
    return pool;
  }

  /** Starts workers and waits until each has loaded its backend and the model; the first one's runtime is reported. */
  private static async spawn(modelDir: string, backend: BackendPreference, threads: number): Promise<{ workers: Worker[]; runtime: RuntimeInfo }> {
    const workers = Array.from({ length: threads }, () => startWorker(import.meta.url, './inference-worker', { workerData: { modelDir, backend } }));
    try {
      const runtimes = await Promise.all(
        workers.map(
          (w) =>
            new Promise<RuntimeInfo>((resolve, reject) => {
              w.once('message', (msg: { type: string; runtime?: RuntimeInfo; error?: string }) =>
                msg.type === 'ready' ? resolve(msg.runtime!) : reject(new SatError('E_INPUT', msg.error ?? 'inference thread failed to start')),
              );
              w.once('error', reject);
            }),
        ),
      );
      return { workers, runtime: runtimes[0] };
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
  }

  get threads(): number {
    return this.slots.length;
  }

  predict(input: Float32Array, n: number, size: number, channels: number): Promise<Float32Array> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, input, n, size, channels, resolve, reject });
      this.dispatch();
    });
  }

  private adopt(worker: Worker): void {
    const slot: Slot = { worker, job: null };
    worker.on('message', (msg: { type: string; id: number; output?: Float32Array; error?: string }) => {
      if (msg.type !== 'result') return;
      const job = slot.job;
      slot.job = null;
      if (job) {
        if (msg.error !== undefined) job.reject(new Error(`inference failed: ${msg.error}`));
        else job.resolve(msg.output!);
      }
      this.dispatch();
    });
    worker.on('error', (err) => this.fail(slot, err));
    worker.on('exit', (code) => {
      if (this.slots.includes(slot)) this.fail(slot, new Error(`inference thread exited with code ${code}`));
    });
    this.slots.push(slot);
  }

  private fail(slot: Slot, err: Error): void {
    this.slots.splice(this.slots.indexOf(slot), 1);
    slot.job?.reject(err);
    if (this.slots.length === 0) {
      this.failure = err;
      for (const job of this.queue.splice(0)) job.reject(err);
    }
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => s.job === null);
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.postMessage({ id: job.id, input: job.input, n: job.n, size: job.size, channels: job.channels }, [job.input.buffer as ArrayBuffer]);
    }
  }

  async close(): Promise<void> {
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
