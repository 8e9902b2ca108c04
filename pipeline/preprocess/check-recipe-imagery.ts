import { SatError } from '../core/errors.js';
import type { DType } from '../raster/types.js';
import type { BandRecipe } from './band-recipe.js';

/** Metadata keys that name the platform or sensor (GDAL's default domain, STAC-style and product-style spellings). */
const SENSOR_KEY = /^(SPACECRAFT(_ID|_NAME)?|PLATFORM|SENSOR(_ID)?|MISSION|SATELLITE|INSTRUMENT)$/i;

/** "Sentinel-2A", "SENTINEL_2", "sentinel2" → "sentinel2": spellings differ between products. */
const simplify = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * Refuses imagery the recipe was not written for, by what the recipe says it expects (`expects`): the data type
 * (a recipe that scales uint16 counts by 2e-5 turns 0-1 floats into a constant), the band count, and the sensor
 * where the file names one. Without this a recipe on the wrong imagery trains, predicts and reports an accuracy,
 * none of it meaning anything. Checked before training and at ingest.
 */
export function checkRecipeImagery(recipe: BandRecipe, scene: { source: string; bands: number; dtype: DType; metadata?: Record<string, string> }): void {
  const expects = recipe.expects;
  if (!expects) return;
  const problems: string[] = [];
  if (expects.dataTypes && !expects.dataTypes.includes(scene.dtype)) problems.push(`its data type is ${scene.dtype}, the recipe expects ${expects.dataTypes.join(' or ')}`);
  if (expects.bandCount) {
    const [min, max] = expects.bandCount;
    if (scene.bands < min || scene.bands > max) problems.push(`it has ${scene.bands} band(s), the recipe expects ${min === max ? min : `${min} to ${max}`}`);
  }
  if (expects.sensors) {
    const named = Object.entries(scene.metadata ?? {}).filter(([k]) => SENSOR_KEY.test(k));
    const wanted = expects.sensors.map(simplify);
    if (named.length > 0 && !named.some(([, v]) => wanted.some((w) => simplify(v).includes(w)))) {
      problems.push(`the file names its sensor ${named.map(([k, v]) => `${k}=${v}`).join(', ')}, the recipe is for ${expects.sensors.join(' or ')}`);
    }
  }
  if (problems.length) {
    throw new SatError('E_INPUT', `band recipe '${recipe.name}' does not fit ${scene.source}: ${problems.join('; ')} (choose or write a recipe for this imagery: config/recipes/)`);
  }
}
