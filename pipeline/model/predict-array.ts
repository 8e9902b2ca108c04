import { makeTileGrid, type Tile } from '../tiling/tile-grid.js';
import { predictBatch } from './predict-batch.js';
import { roundUp } from './prediction-plan.js';
import { tf } from './runtime.js';
import { TileBlender } from './tile-blender.js';

export interface InMemoryScene {
  width: number;
  height: number;
  channels: number;
  /** HWC, normalised, 0 where invalid. */
  features: Float32Array;
}

export interface PredictArrayOptions {
  classes: number;
  /** The model's receptive radius and input multiple (from its metadata or architecture). */
  halo: number;
  multipleOf: number;
  tileSize?: number;
  batchSize?: number;
}

/**
 * Class probabilities (HWC, K per pixel) for a scene held in memory, by the same tiling and blending as whole-scene
 * prediction (so evaluation sees exactly what `sat predict` would write), without the GeoTIFF I/O.
 */
export async function predictArray(model: tf.LayersModel, scene: InMemoryScene, o: PredictArrayOptions): Promise<Float32Array> {
  const K = o.classes;
  const halo = roundUp(o.halo, o.multipleOf);
  const tileSize = roundUp(o.tileSize ?? Math.min(256, Math.max(scene.width, scene.height)), Math.max(16, o.multipleOf));
  const grid = makeTileGrid(scene, { tileSize, halo });
  const out = new Float32Array(scene.width * scene.height * K);
  const blender = new TileBlender(
    grid,
    K,
    ({ tile, probabilities }) => {
      const { core } = tile;
      for (let r = 0; r < core.height; r++) {
        out.set(probabilities.subarray(r * core.width * K, (r + 1) * core.width * K), ((core.row + r) * scene.width + core.col) * K);
      }
    },
    o.halo,
  );
  const side = tileSize + 2 * halo;
  const C = scene.channels;
  const batchSize = o.batchSize ?? 4;
  for (let start = 0; start < grid.tiles.length; start += batchSize) {
    const tiles = grid.tiles.slice(start, start + batchSize);
    const input = new Float32Array(tiles.length * side * side * C);
    tiles.forEach((tile, b) => copyWindow(scene, tile, input, b * side * side * C));
    const probs = await predictBatch(model, input, tiles.length, side, C);
    for (let b = 0; b < tiles.length; b++) {
      const valid = new Uint8Array(side * side).fill(1);
      await blender.add(tiles[b], probs.subarray(b * side * side * K, (b + 1) * side * side * K), valid);
    }
  }
  return out;
}

/** A tile's read window out of the scene, zero outside it (as preprocessing marks pixels outside the scene). */
function copyWindow(scene: InMemoryScene, tile: Tile, target: Float32Array, offset: number): void {
  const { col, row, width, height } = tile.read;
  const C = scene.channels;
  for (let y = 0; y < height; y++) {
    const sy = row + y;
    if (sy < 0 || sy >= scene.height) continue;
    const x0 = Math.max(0, -col);
    const x1 = Math.min(width, scene.width - col);
    if (x1 <= x0) continue;
    const src = (sy * scene.width + col + x0) * C;
    target.set(scene.features.subarray(src, src + (x1 - x0) * C), offset + (y * width + x0) * C);
  }
}
