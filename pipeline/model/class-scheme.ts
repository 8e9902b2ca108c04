import { z } from 'zod';
import { loadYamlDocument } from '../config/load-yaml.js';
import { SatError } from '../core/errors.js';
import { ModelMetadataSchema, type ModelClass } from './model-package.js';

const SchemeSchema = z.object({ name: z.string(), classes: ModelMetadataSchema.shape.classes }).strict();

/** A class scheme (ids, names, colours) from a YAML file or a built-in name (config/classes/NAME.yaml). */
export function loadClassScheme(nameOrFile: string): ModelClass[] {
  const { value, origin } = loadYamlDocument(nameOrFile, 'classes', 'class scheme', SchemeSchema);
  const ids = value.classes.map((c) => c.id);
  if (new Set(ids).size !== ids.length) throw new SatError('E_CONFIG', `class scheme ${origin}: class ids must be unique`);
  return value.classes;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** A scheme for label ids that came without one: "class N" with distinct colours. */
export function schemeFromIds(ids: number[]): ModelClass[] {
  return [...ids].sort((a, b) => a - b).map((id, k) => ({ id, name: `class ${id}`, colour: PALETTE[k % PALETTE.length] }));
}
