import { SatError } from '../core/errors.js';

/** One observation of the period on the analysis grid: its bands (NaN = no data) and where it is clear. */
export interface Observation {
  bands: Float32Array[];
  clear: Uint8Array;
  /** Days from the period's target date (best pixel), and the scene's cloud share (best pixel's tie-break). */
  daysFromTarget?: number;
  cloudShare?: number;
}

export interface Composite {
  bands: Float32Array[];
  /** Clear observations per pixel (the composite's support); 0 = no clear observation in the period. */
  clearCount: Uint16Array;
}

/**
 * The composite of a period, per pixel over the clear observations with data in every band:
 * - `median` (default): each band's median (the mean of the two middle values for an even count, as numpy's nanmedian),
 *   robust to the shadows and haze a mask misses;
 * - `best`: all bands of one observation, the one closest to the target date, then the least cloudy scene, then the
 *   earliest in the list — so the bands of a pixel stay consistent with each other.
 * Pixels without a clear observation are NaN in every band, and 0 in the clear count.
 */
export function compositeStack(observations: Observation[], method: 'median' | 'best' = 'median'): Composite {
  if (observations.length === 0) throw new SatError('E_INPUT', 'a composite needs at least one observation');
  const bandCount = observations[0].bands.length;
  const n = observations[0].clear.length;
  for (const o of observations) {
    if (o.bands.length !== bandCount || o.clear.length !== n || o.bands.some((b) => b.length !== n)) throw new SatError('E_INPUT', 'every observation of a composite must have the same bands on the same grid');
  }
  const bands = Array.from({ length: bandCount }, () => new Float32Array(n).fill(NaN));
  const clearCount = new Uint16Array(n);
  // Usable: clear and with data in every band. Computed once per observation, not per band.
  const usable = observations.map((o) => {
    const u = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (o.clear[i] !== 1) continue;
      let ok = 1;
      for (const b of o.bands) if (b[i] !== b[i]) ok = 0;
      u[i] = ok;
    }
    return u;
  });
  const order = observations
    .map((o, k) => ({ o, k }))
    .sort((a, b) => (a.o.daysFromTarget ?? 0) - (b.o.daysFromTarget ?? 0) || (a.o.cloudShare ?? 0) - (b.o.cloudShare ?? 0) || a.k - b.k)
    .map((x) => x.k);
  for (let i = 0; i < n; i++) {
    let count = 0;
    for (const u of usable) count += u[i];
    clearCount[i] = count;
    if (count === 0 || method !== 'best') continue;
    const pick = observations[order.find((k) => usable[k][i] === 1)!];
    for (let b = 0; b < bandCount; b++) bands[b][i] = pick.bands[b][i];
  }
  if (method === 'best') return { bands, clearCount };
  const values = new Float64Array(observations.length);
  const K = observations.length;
  for (let b = 0; b < bandCount; b++) {
    const source = observations.map((o) => o.bands[b]);
    const dst = bands[b];
    for (let i = 0; i < n; i++) {
      if (clearCount[i] === 0) continue;
      // Insertion sort: a pixel has at most a few dozen observations.
      let m = 0;
      for (let k = 0; k < K; k++) {
        if (usable[k][i] === 0) continue;
        const v = source[k][i];
        let j = m++;
        while (j > 0 && values[j - 1] > v) {
          values[j] = values[j - 1];
          j--;
        }
        values[j] = v;
      }
      dst[i] = m % 2 === 1 ? values[m >> 1] : (values[m / 2 - 1] + values[m / 2]) / 2;
    }
  }
  return { bands, clearCount };
}
