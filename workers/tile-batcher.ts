import type { InferencePool } from '../pipeline/model/inference-pool.js';
import type { ModelMetadata } from '../pipeline/model/model-package.js';
import { classifyTiles, type TilePrediction } from '../pipeline/stages/predict-scene.js';
import type { PreparedTileResult } from '../pipeline/stages/prepare-tiles.js';

interface Waiting {
  tile: PreparedTileResult;
  resolve: (p: TilePrediction) => void;
  reject: (err: unknown) => void;
}

/**
 * Collects tiles that concurrent classify jobs (of any job) hand in, and runs them through the model in batches:
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
