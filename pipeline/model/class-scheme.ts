import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { SatError } from '../core/errors.js';
import { packageRoot } from '../core/package-root.js';
import { ModelMetadataSchema, type ModelClass } from './model-package.js';

const SchemeSchema = z.object({ name: z.string(), classes: ModelMetadataSchema.shape.classes }).strict();

/** A class scheme (ids, names, colours) from a YAML file or a built-in name (config/classes/NAME.yaml). */
export function loadClassScheme(nameOrFile: string): ModelClass[] {
  const builtin = path.join(packageRoot(), 'config', 'classes', `${nameOrFile}.yaml`);
  const file = existsSync(nameOrFile) ? nameOrFile : existsSync(builtin) ? builtin : null;
  if (!file) throw new SatError('E_NOT_FOUND', `class scheme '${nameOrFile}': no such file or built-in scheme`);
  let value: unknown;
  try {
    value = YAML.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SatError('E_CONFIG', `class scheme ${file}: not valid YAML (${(err as Error).message})`);
  }
  const parsed = SchemeSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
    throw new SatError('E_CONFIG', `invalid class scheme (${file}):\n${problems}`);
  }
  const ids = parsed.data.classes.map((c) => c.id);
  if (new Set(ids).size !== ids.length) throw new SatError('E_CONFIG', `class scheme ${file}: class ids must be unique`);
  return parsed.data.classes;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** A scheme for label ids that came without one: "class N" with distinct colours. */
export function schemeFromIds(ids: number[]): ModelClass[] {
  return [...ids].sort((a, b) => a - b).map((id, k) => ({ id, name: `class ${id}`, colour: PALETTE[k % PALETTE.length] }));
}
