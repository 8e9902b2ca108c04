import { SatError } from '../core/errors.js';
import type { BandRecipe } from './band-recipe.js';
import { preprocessTile, type PreparedTile } from './preprocess-tile.js';
import type { RasterReader } from '../raster/open-raster.js';
import type { Tile } from '../tiling/tile-grid.js';

export interface PreparedTileResult {
  tile: Tile;
  prepared: PreparedTile;
}

/** The source bands a recipe needs, 1-based, so reads skip the others. */
function sourceBands(recipe: BandRecipe): number[] {
  const bands = new Set<number>(recipe.bands.map((b) => b.source));
  const mask = recipe.cloudMask;
  if (mask && 'source' in mask && typeof mask.source === 'number') bands.add(mask.source);
  return [...bands].sort((a, b) => a - b);
}

/** Refuses a scene that cannot feed the recipe: bands it lacks, an auxiliary cloud mask it was not given. */
export function checkRecipeFits(recipe: BandRecipe, scene: { source: string; bands: number }, hasAux: boolean): void {
  const missing = sourceBands(recipe).filter((b) => b > scene.bands);
  if (missing.length > 0) {
    throw new SatError('E_INPUT', `band recipe '${recipe.name}' needs band(s) ${missing.join(', ')} but ${scene.source} has ${scene.bands} band(s)`);
  }
  if (recipe.cloudMask && 'source' in recipe.cloudMask && recipe.cloudMask.source === 'aux' && !hasAux) {
    throw new SatError('E_INPUT', `band recipe '${recipe.name}' takes its cloud mask from an auxiliary raster, but none was given`);
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

/**
 * "tile" + "preprocess" for one tile: reads its window (core + halo) of the scene's bands the recipe needs (and of
 * the auxiliary cloud mask) and turns it into an analysis-ready tile. Decoding runs on the reader's worker pool, so
 * several tiles prepared at once keep every core busy.
 */
export async function prepareTile(input: { scene: RasterReader; aux?: RasterReader; tile: Tile; recipe: BandRecipe }): Promise<PreparedTileResult> {
  const { scene, aux, tile, recipe } = input;
  checkRecipeFits(recipe, scene.info, aux !== undefined);
  const bands = sourceBands(recipe);
  const [raw, auxData] = await Promise.all([scene.read(tile.read, { bands }), aux ? aux.read(tile.read, { bands: [1] }) : Promise.resolve(undefined)]);
  // The recipe refers to bands by their number in the file; we read only `bands`, so renumber them.
  const prepared = preprocessTile(raw, renumberSources(recipe, bands), {
    sceneWidth: scene.info.width,
    sceneHeight: scene.info.height,
    nodata: scene.info.nodata,
    aux: auxData?.bands[0],
  });
  return { tile, prepared };
}
