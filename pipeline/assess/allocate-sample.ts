import { SatError } from '../core/errors.js';

/**
 * Sample sizes per stratum for a stratified random sample (Olofsson et al. 2014 good practice): rare strata
 * get at least `minPerStratum` units (or all their units, if fewer), the rest of the sample goes to the other
 * strata in proportion to their size. Integers by largest remainders, so the sizes add up to `total` exactly.
 */
export function allocateSample(stratumSizes: number[], total: number, minPerStratum = 50): number[] {
  if (!Number.isInteger(total) || total <= 0) throw new SatError('E_INPUT', `the sample size must be a positive integer (got ${total})`);
  const population = stratumSizes.reduce((a, b) => a + b, 0);
  if (total > population) throw new SatError('E_INPUT', `a sample of ${total} is larger than the ${population} units there are`);
  const floors = stratumSizes.reduce((a, s) => a + Math.min(minPerStratum, s), 0);
  if (floors > total) {
    throw new SatError('E_INPUT', `the minimum of ${minPerStratum} units per stratum needs ${floors} units, more than the sample of ${total}`);
  }
  const fixed = new Array<number | null>(stratumSizes.length).fill(null);
  stratumSizes.forEach((s, i) => {
    if (s === 0) fixed[i] = 0;
  });
  // Strata whose proportional share falls below the floor get the floor; repeat, since that leaves less for the rest.
  for (;;) {
    const left = total - fixed.reduce((a: number, f) => a + (f ?? 0), 0);
    const open = stratumSizes.map((s, i) => (fixed[i] === null ? s : 0));
    const openSize = open.reduce((a, b) => a + b, 0);
    let changed = false;
    open.forEach((s, i) => {
      if (fixed[i] !== null) return;
      const floor = Math.min(minPerStratum, stratumSizes[i]);
      if ((left * s) / openSize < floor) {
        fixed[i] = floor;
        changed = true;
      }
    });
    if (!changed) {
      const shares = open.map((s) => (openSize > 0 ? (left * s) / openSize : 0));
      const sizes = shares.map((x, i) => (fixed[i] !== null ? fixed[i]! : Math.floor(x)));
      let remainder = total - sizes.reduce((a, b) => a + b, 0);
      const order = shares
        .map((x, i) => ({ i, r: fixed[i] !== null ? -1 : x - Math.floor(x) }))
        .sort((a, b) => b.r - a.r || a.i - b.i);
      for (const { i, r } of order) {
        if (remainder <= 0 || r < 0) break;
        if (sizes[i] < stratumSizes[i]) {
          sizes[i]++;
          remainder--;
        }
      }
      return sizes;
    }
  }
}
