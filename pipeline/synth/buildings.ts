import { hash2 } from './noise.js';

/** Street-block lattice inside settlements: at most one building per cell. */
export const BLOCK_M = 40;

export interface Building {
  id: string;
  /** Rectangle in scene metres from the origin: x to the east, y to the south. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * The building of lattice cell (cx, cy), if any: a pure function of the cell and the seed, so every tile
 * finds the same buildings. `isBuiltUp` tells whether the cell centre lies in a settlement.
 */
export function buildingInCell(cx: number, cy: number, seed: number, isBuiltUp: (mx: number, my: number) => boolean): Building | null {
  if (hash2(cx, cy, seed + 41) < 0.25) return null; // gardens, squares, streets
  const cxm = (cx + 0.5) * BLOCK_M;
  const cym = (cy + 0.5) * BLOCK_M;
  if (!isBuiltUp(cxm, cym)) return null;
  const w = 10 + 16 * hash2(cx, cy, seed + 42);
  const h = 10 + 16 * hash2(cx, cy, seed + 43);
  // Keep a 3 m street margin inside the cell.
  const x0 = cx * BLOCK_M + 3 + (BLOCK_M - 6 - w) * hash2(cx, cy, seed + 44);
  const y0 = cy * BLOCK_M + 3 + (BLOCK_M - 6 - h) * hash2(cx, cy, seed + 45);
  return { id: `b${cx}_${cy}`, x0, y0, x1: x0 + w, y1: y0 + h };
}

/** Buildings whose cells overlap a rectangle of scene metres. */
export function buildingsIn(
  mx0: number,
  my0: number,
  mx1: number,
  my1: number,
  seed: number,
  isBuiltUp: (mx: number, my: number) => boolean,
): Building[] {
  const out: Building[] = [];
  for (let cy = Math.floor(my0 / BLOCK_M); cy * BLOCK_M < my1; cy++) {
    for (let cx = Math.floor(mx0 / BLOCK_M); cx * BLOCK_M < mx1; cx++) {
      const b = buildingInCell(cx, cy, seed, isBuiltUp);
      if (b) out.push(b);
    }
  }
  return out;
}
