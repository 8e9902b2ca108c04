import { SatError } from '../core/errors.js';
import type { BandRecipe } from '../preprocess/band-recipe.js';
import { preprocessTile, type PreparedTile } from '../preprocess/preprocess-tile.js';
import type { RasterReader } from '../raster/open-raster.js';
import type { Tile, TileGrid } from '../tiling/tile-grid.js';
import type { StageContext } from './stage-context.js';

export interface PreparedTileResult {
  tile: Tile;
  prepared: PreparedTile;
}

export interface PrepareTilesInput {
  scene: RasterReader;
  grid: TileGrid;
  recipe: BandRecipe;
  /** Auxiliary raster on the scene's grid (e.g. a cloud mask) for recipes whose cloud mask source is 'aux'. */
  aux?: RasterReader;
  /** Tile reads kept in flight while the current tile is preprocessed; default 4. */
  prefetch?: number;
}

/** The source bands a recipe needs, 1-based, so reads skip the others. */
function sourceBands(recipe: BandRecipe): number[] {
  const bands = new Set<number>(recipe.bands.map((b) => b.source));
  const mask = recipe.cloudMask;
  if (mask && 'source' in mask && typeof mask.source === 'number') bands.add(mask.source);
  return [...bands].sort((a, b) => a - b);
}

/**
 * Stages "tile" + "preprocess", streaming: reads each tile's window (core + halo) and turns it into an
 * analysis-ready tile, yielding tiles in grid order. Memory stays bounded by the prefetch depth, whatever
 * the scene size; decoding runs on the reader's worker pool while this thread preprocesses.
 */
export async function* prepareTiles(input: PrepareTilesInput, ctx: StageContext): AsyncGenerator<PreparedTileResult> {
  const { scene, grid, recipe, aux } = input;
  const bands = sourceBands(recipe);
  const missing = bands.filter((b) => b > scene.info.bands);
  if (missing.length > 0) {
    throw new SatError(
      'E_INPUT',
      `band recipe '${recipe.name}' needs band(s) ${missing.join(', ')} but ${scene.info.source} has ${scene.info.bands} band(s)`,
    );
  }
  if (recipe.cloudMask && 'source' in recipe.cloudMask && recipe.cloudMask.source === 'aux' && !aux) {
    throw new SatError('E_INPUT', `band recipe '${recipe.name}' takes its cloud mask from an auxiliary raster, but none was given`);
  }
  // The recipe refers to bands by their number in the file; we read only `bands`, so renumber them.
  const readRecipe: BandRecipe = renumberSources(recipe, bands);
  const depth = Math.max(1, input.prefetch ?? 4);
  const read = (tile: Tile) =>
    Promise.all([scene.read(tile.read, { bands }), aux ? aux.read(tile.read, { bands: [1] }) : Promise.resolve(undefined)]);

  const pending: Array<ReturnType<typeof read>> = [];
  let next = 0;
  const total = grid.tiles.length;
  for (let done = 0; done < total; done++) {
    while (next < total && pending.length < depth) {
      const ahead = read(grid.tiles[next++]);
      ahead.catch(() => {}); // a failed read ahead surfaces when its turn comes, not as an unhandled rejection
      pending.push(ahead);
    }
    ctx.signal?.throwIfAborted();
    const [raw, auxData] = await pending.shift()!;
    const tile = grid.tiles[done];
    const prepared = preprocessTile(raw, readRecipe, {
      sceneWidth: scene.info.width,
      sceneHeight: scene.info.height,
      nodata: scene.info.nodata,
      aux: auxData?.bands[0],
    });
    ctx.progress((done + 1) / total, tile.id);
    yield { tile, prepared };
  }
}

function renumberSources(recipe: BandRecipe, bands: number[]): BandRecipe {
  const position = (source: number) => bands.indexOf(source) + 1;
  const cloudMask =
    recipe.cloudMask && 'source' in recipe.cloudMask && typeof recipe.cloudMask.source === 'number'
      ? { ...recipe.cloudMask, source: position(recipe.cloudMask.source) }
      : recipe.cloudMask;
  return { ...recipe, bands: recipe.bands.map((b) => ({ ...b, source: position(b.source) })), cloudMask } as BandRecipe;
}
