import { SatError } from '../../core/errors.js';
import { logger } from '../../core/logger.js';
import { readBoundedBody } from '../../core/read-bounded-body.js';
import type { ByteRange, ByteSource } from './byte-source.js';

export interface HttpSourceOptions {
  /** Limit of one read, from the request through every redirect hop to the last byte of the body. */
  timeoutMs: number;
  /** A server that ignores Range requests is downloaded whole only up to this size. */
  maxFullDownloadBytes?: number;
  /**
   * When given, the only origins (scheme, host, port: see parseAllowedOrigin) this source connects to: the URL and
   * every redirect hop are checked before connecting, and failures are reported with one generic message (the
   * details go to the log), so that the reader cannot be used to probe what answers where. Undefined: any http(s)
   * URL, redirects followed, detailed errors (the CLI).
   */
  allowedOrigins?: readonly string[];
}

const FIRST_CHUNK = 64 * 1024;
const MAX_REDIRECTS = 5;
const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443' };

/** The canonical `scheme://host:port` of a URL (IDNA/IPv4 forms normalised by WHATWG URL, default port explicit). */
function originKey(url: URL): string {
  return `${url.protocol}//${url.hostname}:${url.port || DEFAULT_PORT[url.protocol]}`;
}

/**
 * One allow-list entry → its canonical `scheme://host:port`. Accepted: `https://example.org`, `http://127.0.0.1:8081`
 * (no port: the scheme's default), a bare `example.org` or `example.org:8443` (meaning https). Paths (other than `/`),
 * queries, fragments, credentials and schemes other than http/https are refused with E_CONFIG.
 */
export function parseAllowedOrigin(entry: string): string {
  const text = entry.trim();
  const bad = (why: string) => new SatError('E_CONFIG', `allowed origin "${entry}": ${why} (expected scheme://host[:port], e.g. https://example.org or http://127.0.0.1:8081)`);
  if (!text) throw bad('empty');
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    throw bad('not a valid origin');
  }
  if (!(url.protocol in DEFAULT_PORT)) throw bad(`scheme ${url.protocol.slice(0, -1)} is not http or https`);
  if (!url.hostname) throw bad('no host');
  if (url.username || url.password) throw bad('credentials are not allowed');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) throw bad('an origin has no path, query or fragment');
  return originKey(url);
}

/** Whether `url` (an http(s) URL) is on one of `allowed` (entries as accepted by parseAllowedOrigin). */
export function isOriginAllowed(url: string | URL, allowed: readonly string[]): boolean {
  let u: URL;
  try {
    u = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return false;
  }
  if (!(u.protocol in DEFAULT_PORT)) return false;
  const key = originKey(u);
  return allowed.some((entry) => {
    try {
      return parseAllowedOrigin(entry) === key;
    } catch {
      return false;
    }
  });
}

/** Thrown inside this module with the detailed reason; turned into a generic error when details are withheld. */
class Detailed extends SatError {}

/**
 * A remote GeoTIFF/COG read with HTTP Range requests: the header comes with the first request,
 * then only the byte ranges of the blocks a window needs. No response body is read past what was asked for:
 * a 206 answer larger than its range, or a 200 answer larger than maxFullDownloadBytes, is aborted mid-stream.
 */
export async function openHttpSource(url: string, options: HttpSourceOptions): Promise<ByteSource> {
  const maxFull = options.maxFullDownloadBytes ?? 64 * 1024 * 1024;
  const allowed = options.allowedOrigins?.map(parseAllowedOrigin);
  const withhold = allowed !== undefined;
  let bytesRead = 0;

  /** Runs one logical read; with an allow-list, any failure becomes the same message (details logged). */
  const guarded = async <T>(what: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const signal = AbortSignal.timeout(options.timeoutMs);
    try {
      return await fn(signal);
    } catch (err) {
      let detailed: SatError;
      if (signal.aborted) detailed = new Detailed('E_NOT_FOUND', `${url}: no complete answer within ${options.timeoutMs} ms`);
      else if (err instanceof SatError) detailed = err;
      else {
        const e = err as Error & { cause?: { code?: string; message?: string } };
        detailed = new Detailed('E_NOT_FOUND', `${url}: cannot reach the server (${e.cause?.code ?? e.cause?.message ?? e.message})`);
      }
      if (!withhold) throw detailed;
      logger.warn({ url, read: what, reason: detailed.message }, 'remote imagery read failed');
      throw new SatError('E_NOT_FOUND', `${url} could not be read as a GeoTIFF over http(s) (status and connection details withheld)`, { cause: detailed });
    }
  };

  const checkOrigin = (target: URL, hop: number) => {
    if (!(target.protocol in DEFAULT_PORT)) throw new Detailed('E_INPUT', `${url}: redirected to a ${target.protocol} URL`);
    if (allowed && !allowed.includes(originKey(target))) {
      throw new Detailed('E_INPUT', hop === 0 ? `${url}: ${originKey(target)} is not an allowed origin` : `${url}: redirected (hop ${hop}) to ${originKey(target)}, which is not an allowed origin`);
    }
  };

  /** GET with redirects followed by hand, each hop checked against the allow-list before connecting. */
  const get = async (range: string, signal: AbortSignal): Promise<Response> => {
    let target = new URL(url);
    for (let hop = 0; ; hop++) {
      checkOrigin(target, hop);
      const res = await fetch(target, { headers: { Range: range }, signal, redirect: 'manual' });
      if (res.status < 300 || res.status >= 400 || res.status === 304) return res;
      const location = res.headers.get('location');
      await res.body?.cancel().catch(() => {});
      if (!location) throw new Detailed('E_NOT_FOUND', `${url}: HTTP ${res.status} without a Location`);
      if (hop >= MAX_REDIRECTS) throw new Detailed('E_NOT_FOUND', `${url}: more than ${MAX_REDIRECTS} redirects`);
      try {
        target = new URL(location, target);
      } catch {
        throw new Detailed('E_NOT_FOUND', `${url}: redirected to an invalid URL`);
      }
    }
  };

  const failIfBad = async (res: Response) => {
    if (res.status === 200 || res.status === 206) return;
    await res.body?.cancel().catch(() => {});
    if (res.status === 404 || res.status === 410) throw new Detailed('E_NOT_FOUND', `${url}: HTTP ${res.status} ${res.statusText} (no such file)`);
    if (res.status === 401 || res.status === 403) throw new Detailed('E_NOT_FOUND', `${url}: HTTP ${res.status} ${res.statusText} (access denied)`);
    throw new Detailed('E_NOT_FOUND', `${url}: HTTP ${res.status} ${res.statusText}`);
  };

  /**
   * The body, but never more than `limit` bytes: a declared Content-Length over it is refused before reading, and the
   * stream is cancelled as soon as it passes it (a lying or absent Content-Length).
   */
  const contentRange = (res: Response) => /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(res.headers.get('content-range') ?? '');

  // A URL off the allow-list is refused before any connection, with a plain policy message (it reveals nothing remote).
  if (allowed) {
    let start: URL | null = null;
    try {
      start = new URL(url);
    } catch {
      /* reported below like any unreachable URL */
    }
    if (start && (!(start.protocol in DEFAULT_PORT) || !allowed.includes(originKey(start)))) {
      throw new SatError('E_INPUT', `${url}: ${start.protocol in DEFAULT_PORT ? originKey(start) : start.protocol} is not an allowed origin`);
    }
  }

  let version: string | null = null;
  const opened = await guarded('header', async (signal) => {
    const first = await get(`bytes=0-${FIRST_CHUNK - 1}`, signal);
    await failIfBad(first);
    version = first.headers.get('etag') ?? (first.headers.get('last-modified') ? `last-modified: ${first.headers.get('last-modified')}` : null);
    if (first.status === 206) {
      const m = contentRange(first);
      if (!m || m[3] === '*') {
        await first.body?.cancel().catch(() => {});
        throw new Detailed('E_UNSUPPORTED', `${url}: the server's Content-Range gives no total size`);
      }
      if (Number(m[1]) !== 0) {
        await first.body?.cancel().catch(() => {});
        throw new Detailed('E_FORMAT', `${url}: asked for bytes from 0 and got a range from ${m[1]}`);
      }
      const head = await readBoundedBody(first, FIRST_CHUNK, () => new Detailed('E_FORMAT', `${url}: asked for ${FIRST_CHUNK} bytes and the server sent more`));
      return { size: Number(m[3]), head, whole: null as Uint8Array | null };
    }
    // The server ignored Range: take the whole file if it is small, else refuse (a COG reader must not download gigabytes).
    const declared = Number(first.headers.get('content-length') ?? NaN);
    const whole = await readBoundedBody(first, maxFull, () =>
      new Detailed(
        'E_UNSUPPORTED',
        `${url}: the server does not support HTTP range requests and the file is ${Number.isFinite(declared) ? `${declared} bytes` : `larger than ${maxFull} bytes`} (limit for a full download: ${maxFull} bytes)`,
      ),
    );
    return { size: whole.length, head: whole, whole };
  });
  const { size, head, whole } = opened;
  bytesRead += head.length;

  const readOne = async ({ offset, length }: ByteRange): Promise<Uint8Array> => {
    const end = Math.min(offset + length, size);
    if (end <= offset) return new Uint8Array(0);
    if (whole) return whole.subarray(offset, end);
    if (end <= head.length) return head.subarray(offset, end);
    return guarded(`bytes ${offset}-${end - 1}`, async (signal) => {
      const res = await get(`bytes=${offset}-${end - 1}`, signal);
      await failIfBad(res);
      if (res.status !== 206) {
        await res.body?.cancel().catch(() => {});
        throw new Detailed('E_UNSUPPORTED', `${url}: the server stopped honouring range requests (HTTP ${res.status})`);
      }
      const m = contentRange(res);
      if (m && Number(m[1]) !== offset) {
        await res.body?.cancel().catch(() => {});
        throw new Detailed('E_FORMAT', `${url}: asked for bytes from ${offset} and got a range from ${m[1]}`);
      }
      const want = end - offset;
      const data = await readBoundedBody(res, want, () => new Detailed('E_FORMAT', `${url}: asked for bytes ${offset}-${end - 1} (${want} bytes) and the server sent more`));
      bytesRead += data.length;
      if (data.length !== want) {
        throw new Detailed('E_FORMAT', `${url}: asked for bytes ${offset}-${end - 1} and got ${data.length} bytes instead of ${want}`);
      }
      return data;
    });
  };

  return {
    name: url,
    size,
    version,
    get bytesRead() {
      return bytesRead;
    },
    read: (ranges) => Promise.all(ranges.map(readOne)),
    close: async () => {},
  };
}
