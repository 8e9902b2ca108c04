import { SatError } from '../core/errors.js';
import type { ModelMetadata } from './model-package.js';
import { makeTileGrid, type TileGrid, type TileGridSpec } from '../tiling/tile-grid.js';

export function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}

/** The tiling a model needs: tile size from the settings, a halo of at least the model's receptive radius. */
export function modelTiling(metadata: ModelMetadata, settings: TileGridSpec): TileGridSpec {
  const m = metadata.input.multipleOf;
  const { tileSize } = settings;
  if (tileSize % 16 !== 0 || tileSize % m !== 0) {
    throw new SatError('E_CONFIG', `tile size ${tileSize} must be a multiple of 16 and of the model's input multiple ${m}`);
  }
  const halo = roundUp(Math.max(settings.halo, metadata.input.halo), m);
  if (halo >= tileSize) throw new SatError('E_CONFIG', `the model needs a halo of ${halo} px, more than the tile size ${tileSize}: raise tiling.tileSize`);
  return { tileSize, halo };
}

/** The tiles of a prediction: those to classify, and every tile of the scene (the others are written as nodata). */
export interface PredictionPlan {
  tileSize: number;
  halo: number;
  grid: TileGrid;
  fullGrid: TileGrid;
}

/** The prediction plan of a scene for a tiling and the chosen tile ids (all when `tiles` is omitted). */
export function predictionPlan(scene: { width: number; height: number }, tiling: TileGridSpec, tiles?: readonly string[]): PredictionPlan {
  const chosen = tiles && new Set(tiles);
  return { ...tiling, grid: makeTileGrid(scene, tiling, chosen && ((t) => chosen.has(t.id))), fullGrid: makeTileGrid(scene, tiling) };
}
