import type { z } from 'zod';
import { SatError } from '../core/errors.js';

/**
 * A STAC document checked against `schema`, or an error naming the document, what it should have been and the first
 * problems by key path (a catalogue's answer can be huge: three problems say enough).
 */
export function parseStac<T>(schema: z.ZodType<T>, value: unknown, what: string, where: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const listed = issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  const more = issues.length > 3 ? `; and ${issues.length - 3} more` : '';
  throw new SatError('E_FORMAT', `${where}: not a STAC ${what} (${listed.join('; ')}${more})`);
}
