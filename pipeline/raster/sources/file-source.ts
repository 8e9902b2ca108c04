import { open, stat, type FileHandle } from 'node:fs/promises';
import { SatError } from '../../core/errors.js';
import type { ByteRange, ByteSource } from './byte-source.js';

export async function openFileSource(file: string): Promise<ByteSource> {
  let info;
  try {
    info = await stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SatError('E_NOT_FOUND', code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code})`);
  }
  if (info.isDirectory()) throw new SatError('E_INPUT', `${file}: is a directory, not a raster file`);
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw new SatError('E_NOT_FOUND', `${file}: cannot open (${(err as NodeJS.ErrnoException).code})`);
  }
  let bytesRead = 0;
  const size = info.size;
  return {
    name: file,
    size,
    version: null,
    get bytesRead() {
      return bytesRead;
    },
    async read(ranges: ByteRange[]) {
      return Promise.all(
        ranges.map(async ({ offset, length }) => {
          if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
            throw new SatError('E_FORMAT', `${file}: invalid byte range (offset ${offset}, ${length} bytes): the file's block index is corrupt`);
          }
          const n = Math.max(0, Math.min(length, size - offset));
          const buf = new Uint8Array(n);
          let done = 0;
          while (done < n) {
            const { bytesRead: got } = await handle.read(buf, done, n - done, offset + done);
            if (got === 0) break;
            done += got;
          }
          bytesRead += done;
          return done === n ? buf : buf.subarray(0, done);
        }),
      );
    },
    close: () => handle.close(),
  };
}
