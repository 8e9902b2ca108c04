import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { SatError, type SatErrorCode } from '../core/errors.js';
import { packageRoot } from '../core/package-root.js';

/**
 * A configuration document (band recipe, class scheme, ...) given as an object, a YAML/JSON file, or the name of a
 * built-in one in config/FOLDER/NAME.yaml; validated by `schema`, every problem listed by its key path.
 */
export function loadYamlDocument<T>(input: string | object, folder: string, what: string, schema: z.ZodType<T>): { value: T; origin: string } {
  if (typeof input !== 'string') return { value: validate(schema, input, `invalid ${what} (inline)`, 'E_CONFIG'), origin: 'inline' };
  const builtin = path.join(packageRoot(), 'config', folder, `${input}.yaml`);
  const file = existsSync(input) ? input : existsSync(builtin) ? builtin : null;
  if (!file) throw new SatError('E_NOT_FOUND', `${what} '${input}': no such file or built-in ${what.split(' ').pop()}`);
  let value: unknown;
  try {
    value = YAML.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SatError('E_CONFIG', `${what} ${file}: not valid YAML (${(err as Error).message})`);
  }
  return { value: validate(schema, value, `invalid ${what} (${file})`, 'E_CONFIG'), origin: file };
}

/** Validates against a zod schema; on failure one error, `headline` then every bad key by its path. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, headline: string, code: SatErrorCode): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
  throw new SatError(code, `${headline}:\n${problems}`);
}
