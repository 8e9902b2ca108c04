import { z } from 'zod';
import { loadYamlDocument } from '../config/load-yaml.js';
import { SatError } from '../core/errors.js';
import { INDEX_BANDS, type SpectralIndex } from './spectral-indices.js';

const source = z.union([z.number().int().min(1), z.literal('aux')]);

export const BandRecipeSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    /** Output bands in order: which input band (1-based) and how to scale its values to reflectance. */
    bands: z
      .array(
        z
          .object({
            name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'lowercase letters, digits and _'),
            source: z.number().int().min(1),
            scale: z.number().default(1),
            offset: z.number().default(0),
          })
          .strict(),
      )
      .min(1),
    /** Overrides the file's nodata value; input pixels equal to it (or NaN) are invalid. */
    nodata: z.number().nullable().optional(),
    /** Scaled values outside [min, max] are invalid (saturated or corrupt). */
    validRange: z.tuple([z.number(), z.number()]).optional(),
    cloudMask: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('mask-band'), source, cloudValues: z.array(z.number()).min(1) }).strict(),
        z.object({ kind: z.literal('scene-classification'), source, classes: z.array(z.number().int()).default([3, 8, 9, 10]) }).strict(),
        z.object({ kind: z.literal('bitmask'), source, bits: z.array(z.number().int().min(0).max(31)).min(1) }).strict(),
        z.object({ kind: z.literal('threshold'), band: z.string(), above: z.number() }).strict(),
        /** A composite's clear-observation count (sat composite's clear_count.tif): 0 = no clear observation in the period. */
        z.object({ kind: z.literal('clear-count'), source }).strict(),
      ])
      .optional(),
    indices: z.array(z.enum(['ndvi', 'ndwi', 'ndbi', 'savi', 'evi'])).default([]),
    /** The imagery the recipe is written for (check-recipe-imagery.ts): data types, band count [min, max], sensors. */
    expects: z
      .object({
        dataTypes: z.array(z.enum(['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'float64'])).min(1).optional(),
        bandCount: z.tuple([z.number().int().min(1), z.number().int().min(1)]).optional(),
        /** Matched, ignoring case and punctuation, against the file's SPACECRAFT/PLATFORM/SENSOR/MISSION metadata when it has any. */
        sensors: z.array(z.string().min(1)).min(1).optional(),
      })
      .strict()
      .optional(),
    normalisation: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('none') }).strict(),
        z.object({ kind: z.literal('zscore'), mean: z.array(z.number()), std: z.array(z.number().positive()) }).strict(),
        z.object({ kind: z.literal('minmax'), min: z.array(z.number()), max: z.array(z.number()) }).strict(),
      ])
      .default({ kind: 'none' }),
  })
  .strict();

export type BandRecipe = z.infer<typeof BandRecipeSchema>;

/** Output channel names: the recipe's bands, then its indices. */
export function recipeChannels(recipe: BandRecipe): string[] {
  return [...recipe.bands.map((b) => b.name), ...recipe.indices];
}

/** Checks that go beyond the schema: names the indices need, normalisation lengths, threshold band. */
function checkConsistency(recipe: BandRecipe, origin: string): void {
  const fail = (why: string) => {
    throw new SatError('E_CONFIG', `band recipe '${recipe.name}' (${origin}): ${why}`);
  };
  const names = new Set(recipe.bands.map((b) => b.name));
  if (names.size !== recipe.bands.length) fail('band names must be unique');
  for (const index of recipe.indices) {
    const missing = INDEX_BANDS[index as SpectralIndex].filter((n) => !names.has(n));
    if (missing.length) fail(`index ${index} needs band(s) named ${missing.join(', ')}`);
  }
  if (recipe.cloudMask?.kind === 'threshold' && !names.has(recipe.cloudMask.band)) fail(`cloud threshold refers to unknown band '${recipe.cloudMask.band}'`);
  const channels = recipeChannels(recipe).length;
  const n = recipe.normalisation;
  const lengths = n.kind === 'zscore' ? [n.mean.length, n.std.length] : n.kind === 'minmax' ? [n.min.length, n.max.length] : [];
  if (lengths.some((l) => l !== channels)) fail(`normalisation needs ${channels} values per parameter (one per channel: ${recipeChannels(recipe).join(', ')})`);
  if (recipe.validRange && !(recipe.validRange[0] < recipe.validRange[1])) fail('validRange must be [min, max] with min < max');
}

/**
 * A band recipe from an object, a YAML/JSON file, or the name of a built-in recipe (config/recipes/NAME.yaml).
 * Invalid recipes give E_CONFIG listing every problem by its path.
 */
export function loadBandRecipe(input: string | object): BandRecipe {
  const { value, origin } = loadYamlDocument(input, 'recipes', 'band recipe', BandRecipeSchema);
  checkConsistency(value, origin);
  return value;
}
