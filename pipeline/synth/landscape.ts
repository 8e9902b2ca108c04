import { BUILT_UP, CROPLAND, FOREST, GRASSLAND, WATER } from './classes.js';
import { fbm, hash2 } from './noise.js';

/**
 * The continuous fields behind a landscape, in metres from the scene's origin. They vary over hundreds of
 * metres or more, so they can be sampled on a coarse lattice and interpolated (see sampleFields).
 */
export interface LandscapeFields {
  river: number; // distance-like: a river where |river - 0.5| is small
  lake: number;
  urban: number;
  forest: number;
  agri: number;
  cloud: number;
}

export const FIELD_NAMES: (keyof LandscapeFields)[] = ['river', 'lake', 'urban', 'forest', 'agri', 'cloud'];

/**
 * Places that every scene has, whatever its size: a town and a lake, at seeded spots away from the edges
 * (in metres). Without them a small scene could miss whole classes.
 */
export interface Anchors {
  town: [number, number];
  lake: [number, number];
}

export function sceneAnchors(widthM: number, heightM: number, seed: number): Anchors {
  const at = (k: number): [number, number] => [widthM * (0.2 + 0.6 * hash2(k, 0, seed + 71)), heightM * (0.2 + 0.6 * hash2(k, 1, seed + 71))];
  return { town: at(1), lake: at(2) };
}

const bump = (mx: number, my: number, [cx, cy]: [number, number], sigma: number) => Math.exp(-((mx - cx) ** 2 + (my - cy) ** 2) / (2 * sigma * sigma));

export function fieldsAt(mx: number, my: number, seed: number, anchors: Anchors): number[] {
  // Domain warping bends rivers and forest edges so they do not follow the noise lattice.
  const wx = mx + 600 * (fbm(mx / 4000, my / 4000, seed + 11, 3) - 0.5);
  const wy = my + 600 * (fbm(mx / 4000, my / 4000, seed + 12, 3) - 0.5);
  return [
    fbm(wx / 6000, wy / 6000, seed + 1, 3),
    fbm(mx / 2500, my / 2500, seed + 2, 3) + 0.45 * bump(mx, my, anchors.lake, 250),
    fbm(mx / 3000, my / 3000, seed + 3, 3) + 0.4 * bump(mx, my, anchors.town, 500),
    fbm(wx / 1800, wy / 1800, seed + 4, 4),
    fbm(mx / 5000, my / 5000, seed + 5, 2),
    fbm(mx / 3500, my / 3500, seed + 6, 4),
  ];
}

/** Field parcel lattice: agricultural land is cut into parcels of PARCEL_M x PARCEL_M/1.6 metres. */
export const PARCEL_M = 240;

export function parcelOf(mx: number, my: number): [number, number] {
  return [Math.floor(mx / PARCEL_M), Math.floor(my / (PARCEL_M / 1.6))];
}

/** The class of a point from its fields: water, then settlements, forest, and fields or meadows by parcel. */
export function classFromFields(f: ArrayLike<number>, mx: number, my: number, seed: number): number {
  if (Math.abs(f[0] - 0.5) < 0.012 || f[1] > 0.76) return WATER;
  if (f[2] > 0.72) return BUILT_UP;
  if (f[3] > 0.56) return FOREST;
  const [px, py] = parcelOf(mx, my);
  return hash2(px, py, seed + 21) < 0.35 + 0.5 * f[4] ? CROPLAND : GRASSLAND;
}
