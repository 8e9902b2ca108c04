import { crsFromEpsg, type Crs } from '../geo/crs.js';

/** The WGS 84 / UTM zone CRS of a longitude/latitude (EPSG:326zz north of the equator, 327zz south). */
export function utmCrsFor(lon: number, lat: number): Crs {
  const zone = Math.min(60, Math.max(1, Math.floor((((lon + 180) % 360) + 360) % 360 / 6) + 1));
  return crsFromEpsg((lat >= 0 ? 32600 : 32700) + zone);
}
