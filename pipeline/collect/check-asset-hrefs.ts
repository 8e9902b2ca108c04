import { SatError } from '../core/errors.js';
import { isOriginAllowed } from '../raster/sources/http-source.js';
import type { BandSource } from './resolve-band-source.js';

/**
 * Refuses, before anything is read or written, band sources the raster readers could not or may not open: hrefs of
 * schemes other than http(s) and files (s3://, gs://: catalogues list them beside https ones), and, under an
 * allow-list, http(s) hrefs on other origins. The readers check again at each redirect hop; this check only makes
 * a job fail at its start, naming the Item and asset, instead of half-way through its scenes.
 */
export function checkAssetHrefs(sources: readonly BandSource[], allowedOrigins?: readonly string[]): void {
  for (const s of sources) {
    const where = `item ${s.itemId}, asset ${s.assetKey}`;
    const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(s.href)?.[1]?.toLowerCase();
    if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
      throw new SatError('E_UNSUPPORTED', `${where}: ${scheme}:// assets cannot be read (${s.href.slice(0, 100)}); an http(s) URL or a file is needed`);
    }
    if (scheme !== undefined && allowedOrigins && !isOriginAllowed(s.href, allowedOrigins)) {
      throw new SatError('E_INPUT', `${where}: ${new URL(s.href).origin} is not an allowed origin (${s.href.slice(0, 100)})`);
    }
  }
}
