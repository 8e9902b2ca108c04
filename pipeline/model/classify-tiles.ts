import { SatError } from '../core/errors.js';
import type { PreparedTileResult } from '../preprocess/prepare-tile.js';
import type { Tile } from '../tiling/tile-grid.js';
import type { InferencePool } from './inference-pool.js';
import type { ModelMetadata } from './model-package.js';
import { NO_CLEAR_OBSERVATION } from '../preprocess/preprocess-tile.js';

/** Values of status.tif: why a pixel has a class or not, so statistics can report valid and cloud shares. */
export const PIXEL_STATUS = { classified: 0, noData: 1, cloud: 2, noClearObservation: 3 } as const;

/** One tile's model output over its read window (core + halo): class probabilities (HWC) and each pixel's input status. */
export interface TilePrediction {
  tile: Tile;
  probabilities: Float32Array;
  status: Uint8Array;
}

/**
 * Classification of a batch of prepared tiles: one inference call on the pool (a GPU or all CPU threads), then
 * each tile's probabilities and pixel status. A tile's result depends only on its own window, so tiles can be
 * classified in any order and in any batch, by any worker, and stitched later.
 */
export async function classifyTiles(tiles: PreparedTileResult[], pool: InferencePool, metadata: ModelMetadata): Promise<TilePrediction[]> {
  if (tiles.length === 0) return [];
  const C = metadata.input.channels.length;
  const K = metadata.classes.length;
  const side = tiles[0].tile.read.width;
  for (const t of tiles) {
    if (t.prepared.channels.join(',') !== metadata.input.channels.join(',')) {
      throw new SatError('E_INPUT', `the recipe gives channels [${t.prepared.channels}], the model expects [${metadata.input.channels}]`);
    }
  }
  const x = new Float32Array(tiles.length * side * side * C);
  tiles.forEach((t, b) => x.set(t.prepared.data, b * side * side * C));
  const probs = await pool.predict(x, tiles.length, side, C);
  return tiles.map(({ tile, prepared: { valid, cloud } }, b) => ({
    tile,
    probabilities: probs.subarray(b * side * side * K, (b + 1) * side * side * K),
    status: pixelStatus(valid, cloud),
  }));
}

/** Each pixel's status from the prepared tile's valid and cloud flags (a plain loop: a callback per pixel cost seconds a scene). */
function pixelStatus(valid: Uint8Array, cloud: Uint8Array): Uint8Array {
  const status = new Uint8Array(valid.length);
  for (let i = 0; i < valid.length; i++) {
    const c = cloud[i];
    status[i] = valid[i] ? PIXEL_STATUS.classified : c === NO_CLEAR_OBSERVATION ? PIXEL_STATUS.noClearObservation : c ? PIXEL_STATUS.cloud : PIXEL_STATUS.noData;
  }
  return status;
}
