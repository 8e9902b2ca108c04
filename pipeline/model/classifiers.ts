import type { Settings } from '../config/settings.js';
import { InferencePool } from './inference-pool.js';
import type { ModelMetadata } from './model-package.js';
import { inferenceThreadCount } from './inference-threads.js';
import type { BackendPreference } from './runtime.js';
import { TileBatcher } from './tile-batcher.js';

/** A model ready to classify tiles: its inference threads and the batcher that feeds them. */
export interface Classifier {
  pool: InferencePool;
  batcher: TileBatcher;
}

/**
 * Loaded models by package, kept for the life of a process (loading a model is the slow part): `sat run` keeps
 * one for a job, a worker one for all the jobs it takes. Tiles of different jobs with the same model share batches.
 */
export class Classifiers {
  private readonly loaded = new Map<string, Promise<Classifier>>();

  constructor(
    private readonly settings: Pick<Settings, 'model'>,
    private readonly batching: { size: number; waitMs: number },
  ) {}

  /** The classifier of a model package (`hash` tells versions of the same folder apart). */
  get(modelDir: string, hash: string, metadata: ModelMetadata): Promise<Classifier> {
    const key = `${modelDir}@${hash}`;
    let entry = this.loaded.get(key);
    if (!entry) {
      const backend = this.settings.model.backend as BackendPreference;
      entry = InferencePool.start(modelDir, backend, inferenceThreadCount(this.settings.model.inferenceThreads, backend)).then((pool) => ({
        pool,
        batcher: new TileBatcher(pool, metadata, this.batching.size, this.batching.waitMs),
      }));
      entry.catch(() => this.loaded.delete(key));
      this.loaded.set(key, entry);
    }
    return entry;
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled(this.loaded.values());
    await Promise.all(all.map((r) => (r.status === 'fulfilled' ? r.value.pool.close() : undefined)));
    this.loaded.clear();
  }
}
