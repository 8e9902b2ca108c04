import type { PreparedTileResult } from '../preprocess/prepare-tile.js';
import { classifyTiles, type TilePrediction } from './classify-tiles.js';
import type { InferencePool } from './inference-pool.js';
import type { ModelMetadata } from './model-package.js';

interface Waiting {
  tile: PreparedTileResult;
  resolve: (p: TilePrediction) => void;
  reject: (err: unknown) => void;
}

/**
 * Collects tiles that concurrent classify calls (of any job) hand in, and runs them through the model in batches:
 * up to `size` tiles, or what arrived within `waitMs` of the first. Batching is what makes a GPU worth having; a
 * tile's result does not depend on the tiles beside it in the batch.
 */
export class TileBatcher {
  private readonly waiting = new Map<number, Waiting[]>();
  private readonly timers = new Map<number, NodeJS.Timeout>();

  constructor(
    private readonly pool: InferencePool,
    private readonly metadata: ModelMetadata,
    private readonly size: number,
    private readonly waitMs: number,
  ) {}

  classify(tile: PreparedTileResult): Promise<TilePrediction> {
    // Tiles of one batch must have the same window size.
    const side = tile.tile.read.width;
    return new Promise((resolve, reject) => {
      const list = this.waiting.get(side) ?? [];
      list.push({ tile, resolve, reject });
      this.waiting.set(side, list);
      if (list.length >= this.size) this.flush(side);
      else if (!this.timers.has(side)) this.timers.set(side, setTimeout(() => this.flush(side), this.waitMs));
    });
  }

  private flush(side: number): void {
    clearTimeout(this.timers.get(side));
    this.timers.delete(side);
    const batch = this.waiting.get(side) ?? [];
    this.waiting.delete(side);
    if (batch.length === 0) return;
    classifyTiles(
      batch.map((w) => w.tile),
      this.pool,
      this.metadata,
    ).then(
      (results) => batch.forEach((w, i) => w.resolve(results[i])),
      (err) => batch.forEach((w) => w.reject(err)),
    );
  }
}
