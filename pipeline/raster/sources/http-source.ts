import { SatError } from '../../core/errors.js';
import type { ByteRange, ByteSource } from './byte-source.js';

export interface HttpSourceOptions {
  timeoutMs: number;
  /** A server that ignores Range requests is downloaded whole only up to this size. */
  maxFullDownloadBytes?: number;
}

const FIRST_CHUNK = 64 * 1024;

/**
 * A remote GeoTIFF/COG read with HTTP Range requests: the header comes with the first request,
 * then only the byte ranges of the blocks a window needs.
 */
export async function openHttpSource(url: string, options: HttpSourceOptions): Promise<ByteSource> {
  const maxFull = options.maxFullDownloadBytes ?? 64 * 1024 * 1024;
  let bytesRead = 0;

  const get = async (range: string | null): Promise<Response> => {
    try {
      return await fetch(url, {
        headers: range ? { Range: range } : {},
        signal: AbortSignal.timeout(options.timeoutMs),
        redirect: 'follow',
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError') throw new SatError('E_NOT_FOUND', `${url}: no answer within ${options.timeoutMs} ms`);
      const why = e.cause?.code ?? e.cause?.message ?? e.message;
      throw new SatError('E_NOT_FOUND', `${url}: cannot reach the server (${why})`);
    }
  };
  const failIfBad = (res: Response) => {
    if (res.status === 404 || res.status === 410) throw new SatError('E_NOT_FOUND', `${url}: HTTP ${res.status} ${res.statusText} (no such file)`);
    if (res.status === 401 || res.status === 403) throw new SatError('E_NOT_FOUND', `${url}: HTTP ${res.status} ${res.statusText} (access denied)`);
    if (res.status >= 400) throw new SatError('E_NOT_FOUND', `${url}: HTTP ${res.status} ${res.statusText}`);
  };

  const first = await get(`bytes=0-${FIRST_CHUNK - 1}`);
  failIfBad(first);
  let size: number;
  let whole: Uint8Array | null = null;
  let head: Uint8Array;
  if (first.status === 206) {
    const total = /\/(\d+)\s*$/.exec(first.headers.get('content-range') ?? '');
    if (!total) throw new SatError('E_UNSUPPORTED', `${url}: the server's Content-Range gives no total size`);
    size = Number(total[1]);
    head = new Uint8Array(await first.arrayBuffer());
  } else {
    // The server ignored Range: take the whole file if it is small, else refuse (a COG reader must not download gigabytes).
    const length = Number(first.headers.get('content-length') ?? NaN);
    if (!(length <= maxFull)) {
      await first.body?.cancel();
      throw new SatError(
        'E_UNSUPPORTED',
        `${url}: the server does not support HTTP range requests and the file is ${Number.isFinite(length) ? `${length} bytes` : 'of unknown size'} (limit for a full download: ${maxFull} bytes)`,
      );
    }
    whole = new Uint8Array(await first.arrayBuffer());
    size = whole.length;
    head = whole;
  }
  bytesRead += head.length;

  const readOne = async ({ offset, length }: ByteRange): Promise<Uint8Array> => {
    const end = Math.min(offset + length, size);
    if (end <= offset) return new Uint8Array(0);
    if (whole) return whole.subarray(offset, end);
    if (end <= head.length) return head.subarray(offset, end);
    const res = await get(`bytes=${offset}-${end - 1}`);
    failIfBad(res);
    if (res.status !== 206) {
      await res.body?.cancel();
      throw new SatError('E_UNSUPPORTED', `${url}: the server stopped honouring range requests (HTTP ${res.status})`);
    }
    const data = new Uint8Array(await res.arrayBuffer());
    bytesRead += data.length;
    if (data.length !== end - offset) {
      throw new SatError('E_FORMAT', `${url}: asked for bytes ${offset}-${end - 1} and got ${data.length} bytes instead of ${end - offset}`);
    }
    return data;
  };

  return {
    name: url,
    size,
    get bytesRead() {
      return bytesRead;
    },
    read: (ranges) => Promise.all(ranges.map(readOne)),
    close: async () => {},
  };
}
