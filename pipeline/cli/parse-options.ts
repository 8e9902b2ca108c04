import { SatError } from '../core/errors.js';

/** Commander argument parsers that turn a bad value into a usage error naming the flag. */
export function numberOption(flag: string): (text: string) => number {
  return (text) => {
    const v = Number(text);
    if (text.trim() === '' || !Number.isFinite(v)) throw new SatError('E_INPUT', `${flag} must be a number (got "${text}")`);
    return v;
  };
}

export function integerOption(flag: string): (text: string) => number {
  return (text) => {
    const v = Number(text);
    if (text.trim() === '' || !Number.isInteger(v)) throw new SatError('E_INPUT', `${flag} must be an integer (got "${text}")`);
    return v;
  };
}
