import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readBoundedBody } from '../core/read-bounded-body.js';
import { SatError } from '../core/errors.js';
import { jsonErrorReason } from '../core/json-error.js';
import { logger } from '../core/logger.js';
import { insideRoots } from '../core/inside-roots.js';
import { formatBytes, readInputText } from '../core/read-input.js';
import { isOriginAllowed } from '../raster/sources/http-source.js';

/** Largest STAC document (a search page, an ItemCollection file) read into memory. */
export const MAX_STAC_DOCUMENT_BYTES = 64 * 1024 * 1024;

export interface StacReadOptions {
  /** Limit of one document read, from the request through every redirect hop to the last byte of the body. */
  timeoutMs: number;
  /** Largest document accepted (a catalogue answer is JSON held in memory). */
  maxBytes: number;
  /**
   * The only origins (`scheme://host[:port]`, see parseAllowedOrigin) remote documents may come from, checked before
   * the first request and before every redirect hop. Undefined: any http(s) URL (the CLI), as for imagery.
   */
  allowedOrigins?: readonly string[];
  /** The only folders local documents may lie in (symlinks resolved). Undefined: any file (the CLI). */
  localRoots?: readonly string[];
  /** Cancels every read (the caller gave up); distinct from the per-document timeout. */
  signal?: AbortSignal;
}

export interface StacRequest {
  method: 'GET' | 'POST';
  /** A POST's JSON body. */
  body?: unknown;
}

export interface StacJson {
  value: unknown;
  /** Where the document finally came from (after redirects; an absolute path for files): relative links resolve here. */
  location: string;
}

const MAX_REDIRECTS = 5;

const isHttp = (s: string) => /^https?:\/\//i.test(s);

/**
 * One STAC JSON document from a file or an http(s) URL, under the same policy as remote imagery (http-source.ts):
 * the allow-list is checked before connecting and before each redirect hop (at most 5), the timeout covers the whole
 * answer including its body, and the body is cut off past `maxBytes`. Files must be regular files under the same cap.
 * Failures name the document and the problem; with an allow-list, connection-level details (which say what answers
 * where) go to the log only, as for imagery.
 */
export async function readStacJson(location: string, options: StacReadOptions, request: StacRequest = { method: 'GET' }): Promise<StacJson> {
  if (!isHttp(location)) {
    if (/^[a-z][a-z0-9+.-]+:/i.test(location) && !/^file:/i.test(location)) {
      const scheme = location.slice(0, location.indexOf(':'));
      throw new SatError('E_UNSUPPORTED', `${location}: ${scheme}:// STAC documents are not supported (a file or an http(s) URL)`);
    }
    const file = path.resolve(/^file:/i.test(location) ? fileURLToPath(location) : location);
    if (options.localRoots && !insideRoots(file, options.localRoots)) throw new SatError('E_INPUT', `${location}: outside the data roots`);
    const text = readInputText(file, { maxBytes: options.maxBytes, what: 'STAC document' });
    return { value: parseJson(text, file), location: file };
  }

  const allowed = options.allowedOrigins;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  let target: URL;
  try {
    target = new URL(location);
  } catch {
    throw new SatError('E_INPUT', `${location}: not a valid URL`);
  }
  let method = request.method;
  let body = request.body === undefined ? undefined : JSON.stringify(request.body);
  try {
    for (let hop = 0; ; hop++) {
      if (target.protocol !== 'http:' && target.protocol !== 'https:') {
        throw new SatError('E_INPUT', `${location}: redirected to a ${target.protocol} URL`);
      }
      if (allowed && !isOriginAllowed(target, allowed)) {
        throw new SatError(
          'E_INPUT',
          hop === 0 ? `${location}: ${target.origin} is not an allowed origin` : `${location}: redirected (hop ${hop}) to ${target.origin}, which is not an allowed origin`,
        );
      }
      const res = await fetch(target, {
        method,
        body,
        headers: { Accept: 'application/geo+json, application/json', ...(body !== undefined && { 'Content-Type': 'application/json' }) },
        signal,
        redirect: 'manual',
      });
      if (res.status >= 300 && res.status < 400 && res.status !== 304) {
        await res.body?.cancel().catch(() => {});
        const next = res.headers.get('location');
        if (!next) throw new SatError('E_NOT_FOUND', `${location}: HTTP ${res.status} without a Location`);
        if (hop >= MAX_REDIRECTS) throw new SatError('E_NOT_FOUND', `${location}: more than ${MAX_REDIRECTS} redirects`);
        try {
          target = new URL(next, target);
        } catch {
          throw new SatError('E_NOT_FOUND', `${location}: redirected to an invalid URL`);
        }
        // 307/308 repeat the request as it was; the others turn it into a GET (as browsers and fetch do).
        if (res.status !== 307 && res.status !== 308) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      if (res.status !== 200) {
        await res.body?.cancel().catch(() => {});
        throw new SatError('E_NOT_FOUND', `${location}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
      }
      const text = await readCappedText(res, options.maxBytes, location);
      return { value: parseJson(text, location), location: target.href };
    }
  } catch (err) {
    if (timeout.aborted) throw new SatError('E_NOT_FOUND', `${location}: no complete answer within ${options.timeoutMs} ms`);
    if (options.signal?.aborted) throw new SatError('E_NOT_FOUND', `${location}: cancelled`);
    if (err instanceof SatError) throw err;
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const reason = e.cause?.code ?? e.cause?.message ?? e.message;
    if (!allowed) throw new SatError('E_NOT_FOUND', `${location}: cannot reach the server (${reason})`);
    logger.warn({ url: location, reason }, 'STAC document read failed');
    throw new SatError('E_NOT_FOUND', `${location}: cannot reach the server (connection details withheld)`);
  }
}

/** The body as text, refused before reading when its declared length is over the cap, and cut off once it passes it. */
async function readCappedText(res: Response, maxBytes: number, location: string): Promise<string> {
  const tooBig = () => new SatError('E_LIMIT', `${location}: the STAC document is larger than the limit of ${formatBytes(maxBytes)}`);
  return Buffer.from(await readBoundedBody(res, maxBytes, tooBig)).toString('utf8');
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SatError('E_FORMAT', `${where}: not JSON (${jsonErrorReason(err)}), so not a STAC document`);
  }
}
