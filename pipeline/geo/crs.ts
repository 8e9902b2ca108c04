import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import geokeysToProj4 from 'geotiff-geokeys-to-proj4';
import proj4 from 'proj4';
import { SatError } from '../core/errors.js';

/** A coordinate reference system: its EPSG code when it has one, and a PROJ.4 definition proj4js understands. */
export interface Crs {
  epsg: number | null;
  proj4: string;
  name?: string;
}

export const WGS84: Crs = { epsg: 4326, proj4: '+proj=longlat +datum=WGS84 +no_defs', name: 'WGS 84' };

const require = createRequire(import.meta.url);
// epsg-index ships one small JSON file per code (s/<code>.json): read only the codes we meet.
const epsgDir = path.join(path.dirname(require.resolve('epsg-index/package.json')), 's');
const epsgCache = new Map<number, Crs>();

/**
 * Our coordinates are always (x, y) = (easting, northing) or (longitude, latitude), GeoJSON order,
 * so axis-order switches and the no-op "+type=crs" are removed from PROJ strings.
 */
function cleanProj4(def: string): string {
  return def
    .replace(/\s*\+axis=\w+/g, '')
    .replace(/\s*\+type=crs/g, '')
    .trim();
}

/** What epsg-index knows of a code (its PROJ string, name, area of use as [north, west, south, east]); null if nothing. */
export function epsgIndexEntry(code: number): { proj4?: string; name?: string; bbox?: number[]; area?: string } | null {
  try {
    return JSON.parse(readFileSync(path.join(epsgDir, `${Math.trunc(code)}.json`), 'utf8'));
  } catch {
    return null;
  }
}

export function crsFromEpsg(code: number): Crs {
  const cached = epsgCache.get(code);
  if (cached) return cached;
  const entry = epsgIndexEntry(code);
  if (!entry) throw new SatError('E_INPUT', `unknown EPSG code ${code}`);
  if (!entry.proj4) throw new SatError('E_UNSUPPORTED', `EPSG:${code} (${entry.name ?? 'unnamed'}) has no PROJ definition we can use`);
  const crs: Crs = { epsg: code, proj4: cleanProj4(entry.proj4), name: entry.name };
  epsgCache.set(code, crs);
  return crs;
}

/** The EPSG code GDAL reports for a GeoKey directory: a real code (32767 means user-defined), else null. */
export function epsgFromGeoKeys(geoKeys: Record<string, unknown>): number | null {
  const model = geoKeys.GTModelTypeGeoKey;
  const projected = geoKeys.ProjectedCSTypeGeoKey as number | undefined;
  const geographic = geoKeys.GeographicTypeGeoKey as number | undefined;
  const real = (code: number | undefined) => (code !== undefined && code > 0 && code < 32767 ? code : null);
  if (model === 1 || (model === undefined && projected !== undefined)) return real(projected);
  if (model === 2) return real(geographic);
  return null;
}

/** CRS of a GeoTIFF from its GeoKeys (as geotiff.js returns them); null when the file declares none. */
export function crsFromGeoKeys(geoKeys: Record<string, unknown>): Crs | null {
  const model = geoKeys.GTModelTypeGeoKey;
  if (model !== 1 && model !== 2 && geoKeys.ProjectedCSTypeGeoKey === undefined && geoKeys.GeographicTypeGeoKey === undefined) return null;
  const epsg = epsgFromGeoKeys(geoKeys);
  // Codes above 32767 (user-defined) are private to some producer (GeoTIFF 1.0): no reader can know them.
  const projectedModel = model === 1 || (model === undefined && geoKeys.ProjectedCSTypeGeoKey !== undefined);
  const declaredKey = projectedModel ? 'ProjectedCSTypeGeoKey' : model === 2 ? 'GeographicTypeGeoKey' : null;
  const declared = declaredKey ? geoKeys[declaredKey] : undefined;
  if (typeof declared === 'number' && declared > 32767) {
    throw new SatError('E_INPUT', `unknown EPSG code ${declared} (${declaredKey}): not a coordinate system we know`);
  }
  if (epsg !== null) {
    // A code outside the EPSG index is refused: building a definition from the other keys would silently
    // give something else (geotiff-geokeys-to-proj4 falls back to +proj=longlat).
    try {
      return crsFromEpsg(epsg);
    } catch (err) {
      if (err instanceof SatError && /unknown EPSG code/.test(err.message)) {
        const key = geoKeys.ProjectedCSTypeGeoKey === epsg ? 'ProjectedCSTypeGeoKey' : 'GeographicTypeGeoKey';
        throw new SatError('E_INPUT', `unknown EPSG code ${epsg} (${key}): not a coordinate system we know`, { cause: err });
      }
      // a code in the index without a PROJ definition: build one from the keys below
    }
  }
  const converted = geokeysToProj4.toProj4(geoKeys as never);
  if (!converted?.proj4) return null;
  const name = typeof geoKeys.GTCitationGeoKey === 'string' ? geoKeys.GTCitationGeoKey : undefined;
  return { epsg, proj4: cleanProj4(converted.proj4), name };
}

/**
 * A CRS from a name as found in GeoJSON `crs` members, job specs and CLI flags:
 * "EPSG:4326", "epsg:32633", "urn:ogc:def:crs:EPSG::32633", "urn:ogc:def:crs:OGC:1.3:CRS84", WKT, or a PROJ string.
 */
export function parseCrs(name: string): Crs {
  const text = name.trim();
  if (/^(urn:ogc:def:crs:OGC:(1\.3)?:CRS84|CRS84|OGC:CRS84)$/i.test(text)) return WGS84;
  const epsg = /^(?:EPSG:|urn:ogc:def:crs:EPSG:[\d.]*:|https?:\/\/www\.opengis\.net\/def\/crs\/EPSG\/0\/)(\d+)$/i.exec(text);
  if (epsg) return Number(epsg[1]) === 4326 ? WGS84 : crsFromEpsg(Number(epsg[1]));
  if (/^(PROJCS|GEOGCS|PROJCRS|GEOGCRS|GEODCRS)\[/i.test(text)) {
    // WKT (as in .prj files): EPSG code when it names one at the top level, else proj4js's own WKT parser.
    const authority = /AUTHORITY\["EPSG",\s*"?(\d+)"?\]\s*\]\s*$|ID\["EPSG",\s*(\d+)\]\s*\]\s*$/i.exec(text);
    if (authority) return crsFromEpsg(Number(authority[1] ?? authority[2]));
    try {
      proj4(text, WGS84.proj4);
    } catch (err) {
      throw new SatError('E_INPUT', `cannot use the WKT coordinate system (${(err as Error).message})`);
    }
    return { epsg: null, proj4: text };
  }
  if (text.startsWith('+proj=')) {
    try {
      proj4(text, WGS84.proj4);
    } catch (err) {
      throw new SatError('E_INPUT', `invalid PROJ definition "${text}": ${(err as Error).message}`);
    }
    return { epsg: null, proj4: cleanProj4(text) };
  }
  throw new SatError('E_INPUT', `unrecognised CRS "${name}" (expected e.g. EPSG:4326, urn:ogc:def:crs:EPSG::32633, WKT or a +proj string)`);
}

export type Transform = (xy: [number, number]) => [number, number];

/** A point transform from one CRS to another (identity when both are the same definition). */
export function makeTransform(from: Crs, to: Crs): Transform {
  if (from.proj4 === to.proj4) return (xy) => [xy[0], xy[1]];
  const converter = proj4(from.proj4, to.proj4);
  return (xy) => {
    const [x, y] = converter.forward([xy[0], xy[1]]);
    return [x, y];
  };
}

export function sameCrs(a: Crs, b: Crs): boolean {
  return (a.epsg !== null && a.epsg === b.epsg) || a.proj4 === b.proj4;
}
