import { SatError } from '../core/errors.js';

/** `W,S,E,N` in WGS84 degrees → a checked box (west < east: boxes across the antimeridian are two searches). */
export function parseBbox(text: string, flag = '--bbox'): [number, number, number, number] {
  const values = text.split(',').map((v) => Number(v.trim()));
  if (values.length !== 4 || values.some((v, i) => !Number.isFinite(v) || text.split(',')[i].trim() === '')) {
    throw new SatError('E_INPUT', `${flag} "${text}": expected four numbers W,S,E,N (degrees)`);
  }
  const [w, s, e, n] = values;
  if (w < -180 || e > 180 || s < -90 || n > 90) throw new SatError('E_INPUT', `${flag} "${text}": longitudes must lie in -180..180 and latitudes in -90..90`);
  if (w >= e) throw new SatError('E_INPUT', `${flag} "${text}": west (${w}) must be less than east (${e}); split a box across the antimeridian in two`);
  if (s >= n) throw new SatError('E_INPUT', `${flag} "${text}": south (${s}) must be less than north (${n})`);
  return [w, s, e, n];
}
