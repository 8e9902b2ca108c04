/**
 * A TIFF's header is a claim, not a fact. Before geotiff.js parses anything, we walk the chain of image file
 * directories (IFDs) ourselves, reading only the header, each IFD's entry count, its entry table and its
 * next-IFD offset, and refuse what would make a parser loop or allocate without bound:
 * - a chain that loops (an IFD pointing to itself or to an earlier one), classic or BigTIFF;
 * - more than MAX_IFDS directories (overviews and masks never come close);
 * - an IFD, or a tag's values (e.g. a block index or a text tag claiming billions of values), past the end of the file.
 * A header that is not TIFF at all is left to geotiff.js, whose message says so.
 */
import { SatError } from '../core/errors.js';
import type { ByteSource } from './sources/byte-source.js';

/** Most directories we accept in one file: full resolution + overviews + masks are a few dozen at most. */
export const MAX_IFDS = 1000;
/** Bytes read at a time while walking the chain. */
const READ_CHUNK = 16 * 1024;

/** Bytes per value of each TIFF field type (0 = unknown type: its values are never read). */
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8 };

export interface IfdChain {
  littleEndian: boolean;
  bigTiff: boolean;
  /** File offset of each IFD, in chain order. */
  offsets: number[];
}

function corrupt(name: string, problem: string): SatError {
  return new SatError('E_FORMAT', `${name}: cannot parse the TIFF structure, the file is corrupt or truncated (${problem})`);
}

/** Walks the IFD chain; null when the header is not a TIFF header (geotiff.js then says what it is not). */
export async function walkIfdChain(source: ByteSource, maxIfds = MAX_IFDS): Promise<IfdChain | null> {
  const name = source.name;
  const size = source.size;
  const [head] = await source.read([{ offset: 0, length: READ_CHUNK }]);
  if (head.length < 8) return null;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const order = view.getUint16(0, false);
  if (order !== 0x4949 && order !== 0x4d4d) return null;
  const le = order === 0x4949;
  const magic = view.getUint16(2, le);
  if (magic !== 42 && magic !== 43) return null;
  const bigTiff = magic === 43;
  if (bigTiff && (head.length < 16 || view.getUint16(4, le) !== 8)) return null;
  const countSize = bigTiff ? 8 : 2;
  const entrySize = bigTiff ? 20 : 12;
  const slot = bigTiff ? 8 : 4;
  const headerSize = bigTiff ? 16 : 8;

  // Reads go through a small window of the file, so a directory costs one read (one HTTP request) at most.
  let chunk = head;
  let chunkStart = 0;
  const bytesAt = async (offset: number, length: number): Promise<DataView> => {
    if (offset < chunkStart || offset + length > chunkStart + chunk.length) {
      [chunk] = await source.read([{ offset, length: Math.max(length, READ_CHUNK) }]);
      chunkStart = offset;
    }
    const at = offset - chunkStart;
    return new DataView(chunk.buffer, chunk.byteOffset + at, Math.min(length, chunk.length - at));
  };

  const readOffset = (v: DataView, at: number): number => (bigTiff ? Number(v.getBigUint64(at, le)) : v.getUint32(at, le));
  const seen = new Set<number>();
  const offsets: number[] = [];
  let next = readOffset(view, bigTiff ? 8 : 4);
  while (next !== 0) {
    const index = offsets.length;
    if (seen.has(next)) {
      const first = offsets.indexOf(next);
      throw new SatError(
        'E_INPUT',
        `${name}: invalid TIFF: the directory chain loops (IFD ${index - 1} points back to IFD ${first} at offset ${next})`,
      );
    }
    if (index >= maxIfds) {
      throw new SatError('E_INPUT', `${name}: invalid TIFF: more than ${maxIfds} image directories (IFDs), the limit`);
    }
    if (next < headerSize || next + countSize > size) {
      throw corrupt(name, `IFD ${index} at offset ${next} is outside the file of ${size} bytes`);
    }
    seen.add(next);
    offsets.push(next);
    const cv = await bytesAt(next, countSize);
    const count = bigTiff ? Number(cv.getBigUint64(0, le)) : cv.getUint16(0, le);
    const tableEnd = next + countSize + count * entrySize + slot;
    if (count === 0 || tableEnd > size) {
      throw corrupt(name, count === 0 ? `IFD ${index} at offset ${next} has no entries` : `IFD ${index} at offset ${next} claims ${count} entries, past the end of the file of ${size} bytes`);
    }
    const tv = await bytesAt(next + countSize, count * entrySize + slot);
    for (let e = 0; e < count; e++) {
      const at = e * entrySize;
      const tag = tv.getUint16(at, le);
      const typeSize = TYPE_SIZE[tv.getUint16(at + 2, le)] ?? 0;
      const values = bigTiff ? Number(tv.getBigUint64(at + 4, le)) : tv.getUint32(at + 4, le);
      const bytes = values * typeSize;
      if (bytes <= slot) continue;
      const valueOffset = readOffset(tv, at + (bigTiff ? 12 : 8));
      if (valueOffset + bytes > size) {
        throw new SatError(
          'E_INPUT',
          `${name}: invalid TIFF: tag ${tag} of IFD ${index} claims ${values} values (${bytes} bytes) at offset ${valueOffset}, past the end of the file of ${size} bytes`,
        );
      }
    }
    next = readOffset(tv, count * entrySize);
  }
  if (offsets.length === 0) throw corrupt(name, 'no image directory');
  return { littleEndian: le, bigTiff, offsets };
}
