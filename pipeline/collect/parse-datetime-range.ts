import { SatError } from '../core/errors.js';
import type { SearchQuery } from './search-query.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * `START/END` (STAC API's interval: RFC 3339 instants or dates, `..` or empty for an open end; one value = that
 * instant or day) → inclusive UTC instants. A bare date covers its whole day, so `2020-06-01/2020-07-31` includes
 * scenes taken on 31 July, as a user means it.
 */
export function parseDatetimeRange(text: string, flag = '--datetime'): NonNullable<SearchQuery['datetime']> {
  const parts = text.trim().split('/');
  if (parts.length > 2) throw new SatError('E_INPUT', `${flag} "${text}": expected START/END`);
  const [a, b = a] = parts;
  const start = instant(a, 'start', text, flag);
  const end = instant(b, 'end', text, flag);
  if (start === null && end === null && parts.length === 2) throw new SatError('E_INPUT', `${flag} "${text}": both ends are open`);
  if (start !== null && end !== null && start > end) throw new SatError('E_INPUT', `${flag} "${text}": the start is after the end`);
  return { start, end };
}

function instant(value: string, side: 'start' | 'end', text: string, flag: string): string | null {
  const v = value.trim();
  if (v === '' || v === '..') return null;
  let ms: number;
  if (DATE.test(v)) ms = Date.parse(`${v}T00:00:00Z`) + (side === 'end' ? 86_400_000 - 1 : 0);
  else if (INSTANT.test(v)) ms = Date.parse(v);
  else throw new SatError('E_INPUT', `${flag} "${text}": "${v}" is not a date (YYYY-MM-DD) or an RFC 3339 date-time`);
  if (!Number.isFinite(ms)) throw new SatError('E_INPUT', `${flag} "${text}": "${v}" is not a valid date`);
  // Date.parse rolls 2020-02-31 over to March: refuse dates that do not exist rather than search a shifted period.
  if (DATE.test(v) && new Date(ms).toISOString().slice(0, 10) !== v) throw new SatError('E_INPUT', `${flag} "${text}": "${v}" is not a valid date`);
  return new Date(ms).toISOString();
}
