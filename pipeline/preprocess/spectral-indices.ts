/**
 * Normalised spectral indices on reflectance. Each takes the named bands' values of one pixel and
 * returns NaN where it is undefined (zero denominator), which the caller turns into an invalid pixel.
 */
export type SpectralIndex = 'ndvi' | 'ndwi' | 'ndbi' | 'savi' | 'evi';

/** The band names (recipe names) each index needs. */
export const INDEX_BANDS: Record<SpectralIndex, string[]> = {
  ndvi: ['nir', 'red'],
  ndwi: ['green', 'nir'], // McFeeters 1996: open water
  ndbi: ['swir1', 'nir'], // Zha et al. 2003: built-up
  savi: ['nir', 'red'], // Huete 1988, L = 0.5
  evi: ['nir', 'red', 'blue'], // Huete et al. 2002
};

const ratio = (a: number, b: number) => {
  const d = a + b;
  return d === 0 ? NaN : (a - b) / d;
};

/** Index functions over the values of INDEX_BANDS[index], in that order. */
export const INDEX_FORMULAS: Record<SpectralIndex, (v: Float64Array) => number> = {
  ndvi: (v) => ratio(v[0], v[1]),
  ndwi: (v) => ratio(v[0], v[1]),
  ndbi: (v) => ratio(v[0], v[1]),
  savi: (v) => {
    const d = v[0] + v[1] + 0.5;
    return d === 0 ? NaN : (1.5 * (v[0] - v[1])) / d;
  },
  evi: (v) => {
    const d = v[0] + 6 * v[1] - 7.5 * v[2] + 1;
    return d === 0 ? NaN : (2.5 * (v[0] - v[1])) / d;
  },
};
