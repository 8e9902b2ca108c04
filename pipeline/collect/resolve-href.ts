import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SatError } from '../core/errors.js';

const isHttp = (s: string) => /^https?:\/\//i.test(s);

/**
 * A link or asset href made absolute against the document it appears in (`base`: an http(s) URL or an absolute
 * path), as STAC allows relative hrefs in static catalogues and in files copied beside their imagery. Absolute hrefs
 * of other schemes (s3://, which readers then refuse by name) are kept as they are. A remote document may not point
 * at local files (`file:`): that would let any catalogue make us read this machine's files.
 */
export function resolveHref(href: string, base: string): string {
  if (/^file:/i.test(href)) {
    if (isHttp(base)) throw new SatError('E_INPUT', `${base}: links to a local file (${href.slice(0, 80)}), which a remote STAC document may not`);
    return fileURLToPath(href);
  }
  if (/^[a-z][a-z0-9+.-]+:/i.test(href)) return href;
  if (isHttp(base)) return new URL(href, base).href;
  return path.resolve(path.dirname(base), href);
}
