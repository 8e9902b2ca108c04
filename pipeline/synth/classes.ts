/** The land-cover classes of synthetic scenes: ids in truth.tif, names and map colours. */
export const SYNTH_CLASSES = [
  { id: 1, name: 'water', colour: '#2b6cb0' },
  { id: 2, name: 'forest', colour: '#276749' },
  { id: 3, name: 'cropland', colour: '#d69e2e' },
  { id: 4, name: 'grassland', colour: '#9ae6b4' },
  { id: 5, name: 'built-up', colour: '#c53030' },
] as const;

export const WATER = 1;
export const FOREST = 2;
export const CROPLAND = 3;
export const GRASSLAND = 4;
export const BUILT_UP = 5;
