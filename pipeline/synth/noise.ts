/**
 * Seeded, stateless noise: every value is a pure function of integer or real coordinates and a seed,
 * so any tile of a synthetic scene can be generated on its own, in any order, with identical results.
 */

/** A uniform value in [0, 1) from two integer coordinates and a seed (an integer hash, murmur3's finaliser). */
export function hash2(ix: number, iy: number, seed: number): number {
  let h = Math.imul(ix | 0, 0x27d4eb2d) ^ Math.imul(iy | 0, 0x165667b1) ^ Math.imul(seed | 0, 0x9e3779b9);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** Smooth value noise in [0, 1]: corner hashes of the unit cell, blended with a smoothstep. */
export function valueNoise(x: number, y: number, seed: number): number {
  const ix = Math.floor(x);
  const iy = Math.floor(y);
  const fx = x - ix;
  const fy = y - iy;
  const sx = fx * fx * (3 - 2 * fx);
  const sy = fy * fy * (3 - 2 * fy);
  const a = hash2(ix, iy, seed);
  const b = hash2(ix + 1, iy, seed);
  const c = hash2(ix, iy + 1, seed);
  const d = hash2(ix + 1, iy + 1, seed);
  return a + (b - a) * sx + (c - a) * sy + (a - b - c + d) * sx * sy;
}

/** Fractal noise in [0, 1]: octaves of value noise, each twice as fine and half as strong. */
export function fbm(x: number, y: number, seed: number, octaves = 4): number {
  let sum = 0;
  let amplitude = 1;
  let norm = 0;
  let f = 1;
  for (let o = 0; o < octaves; o++) {
    sum += amplitude * valueNoise(x * f, y * f, seed + o * 1013);
    norm += amplitude;
    amplitude *= 0.5;
    f *= 2;
  }
  return sum / norm;
}

/** An approximately normal value (mean 0, sd 1) from a pixel hash: the sum of four uniforms, rescaled. */
export function gaussian(ix: number, iy: number, seed: number): number {
  const s = hash2(ix, iy, seed) + hash2(ix, iy, seed + 1) + hash2(ix, iy, seed + 2) + hash2(ix, iy, seed + 3);
  return (s - 2) * 1.7320508075688772; // sd of a sum of 4 uniforms is sqrt(4/12)
}
