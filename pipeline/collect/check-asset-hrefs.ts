import { SatError } from '../core/errors.js';
import { insideRoots } from '../core/inside-roots.js';
import { isOriginAllowed } from '../raster/sources/http-source.js';
import type { BandSource } from './resolve-band-source.js';

export interface AssetPolicy {
  /** Origins http(s) assets may come from (unset: any). */
  allowedOrigins?: readonly string[];
  /** Folders local assets must lie in, symlinks resolved (unset: any). */
  localRoots?: readonly string[];
}

/**
 * Refuses, before anything is read or written, band sources the raster readers could not or may not open: hrefs of
 * schemes other than http(s) and files (s3://, gs://: catalogues list them beside https ones), http(s) hrefs on
 * origins off the allow-list, and files outside the data roots (a catalogue is data from elsewhere: its hrefs must
 * not reach files a job could not name itself). The readers check origins again at each redirect hop; this check
 * makes a job fail at its start, naming the Item and asset, instead of half-way through its scenes.
 */
export function checkAssetHrefs(sources: readonly BandSource[], policy: AssetPolicy = {}): void {
  for (const s of sources) {
    const where = `item ${s.itemId}, asset ${s.assetKey}`;
    const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(s.href)?.[1]?.toLowerCase();
    if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
      throw new SatError('E_UNSUPPORTED', `${where}: ${scheme}:// assets cannot be read (${s.href.slice(0, 100)}); an http(s) URL or a file is needed`);
    }
    if (scheme !== undefined && policy.allowedOrigins && !isOriginAllowed(s.href, policy.allowedOrigins)) {
      throw new SatError('E_INPUT', `${where}: ${new URL(s.href).origin} is not an allowed origin (${s.href.slice(0, 100)})`);
    }
    if (scheme === undefined && policy.localRoots && !insideRoots(s.href, policy.localRoots)) {
      throw new SatError('E_INPUT', `${where}: the file ${s.href.slice(0, 100)} is outside the data roots`);
    }
  }
}
