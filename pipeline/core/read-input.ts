import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { SatError } from './errors.js';

/** Default cap of one input file read whole into memory (GeoJSON, CSV...): 256 MiB. */
export const DEFAULT_MAX_INPUT_BYTES = 256 * 1024 * 1024;

/** "312.5 MiB (327680000 bytes)": a size for messages. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${bytes} bytes` : `${Number(v.toFixed(1))} ${units[u]} (${bytes} bytes)`;
}

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * The bytes of an input file read whole, refusing what would not end or would not fit: the file must be a
 * regular file (not a FIFO, a device such as /dev/urandom, a socket or a directory) of at most `maxBytes` bytes.
 * It is stat-ed first, opened without blocking (a FIFO swapped in meanwhile cannot hang the open), checked again
 * on the open descriptor, and at most maxBytes + 1 bytes are read, so a file growing while read is refused too.
 * `what` names the input in messages ("regions file", "AOI"); `setting` names the setting that raises the cap.
 */
export function readInputFile(file: string, options: { maxBytes?: number; what?: string; setting?: string } = {}): Buffer {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_INPUT_BYTES;
  const what = options.what ?? 'input file';
  const tooLarge = (size: string) =>
    new SatError(
      'E_LIMIT',
      `${file}: ${what} of ${size} is larger than the limit of ${formatBytes(maxBytes)}${options.setting ? ` (setting ${options.setting})` : ''}`,
    );
  let stats: Stats;
  try {
    stats = statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new SatError('E_NOT_FOUND', `${file}: no such file`);
    throw new SatError('E_NOT_FOUND', `${file}: cannot read the ${what} (${(err as Error).message})`);
  }
  if (!stats.isFile()) throw new SatError('E_INPUT', `${file}: the ${what} is ${kindOf(stats)}, not a regular file`);
  if (stats.size > maxBytes) throw tooLarge(formatBytes(stats.size));
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new SatError('E_NOT_FOUND', `${file}: cannot read the ${what} (${(err as Error).message})`);
  }
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile()) throw new SatError('E_INPUT', `${file}: the ${what} is ${kindOf(opened)}, not a regular file`);
    if (opened.size > maxBytes) throw tooLarge(formatBytes(opened.size));
    // Room for the stat-ed size and one byte more (files in /proc report 0), grown up to the cap + 1.
    let buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(opened.size + 1, 64 * 1024)));
    let length = 0;
    for (;;) {
      if (length === buf.length) {
        if (buf.length > maxBytes) break;
        const bigger = Buffer.allocUnsafe(Math.min(maxBytes + 1, buf.length * 2));
        buf.copy(bigger, 0, 0, length);
        buf = bigger;
      }
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > maxBytes) throw tooLarge(`more than ${formatBytes(maxBytes)} (it grew while read)`);
    return buf.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** readInputFile as UTF-8 text. */
export function readInputText(file: string, options: { maxBytes?: number; what?: string; setting?: string } = {}): string {
  return readInputFile(file, options).toString('utf8');
}
