/**
 * Encoding of TIFF image file directories (IFDs), classic or BigTIFF, little-endian.
 * An IFD is written as: entry count, entries sorted by tag, next-IFD offset, then the values
 * too large to sit inside their entry.
 */

export const TIFF_TYPE = { ASCII: 2, SHORT: 3, LONG: 4, DOUBLE: 12, LONG8: 16 } as const;
type TiffType = (typeof TIFF_TYPE)[keyof typeof TIFF_TYPE];

export interface TiffEntry {
  tag: number;
  type: TiffType;
  values: number[] | string;
}

const TYPE_SIZE: Record<TiffType, number> = { 2: 1, 3: 2, 4: 4, 12: 8, 16: 8 };

export function tiffHeader(bigTiff: boolean): Buffer {
  const header = Buffer.alloc(bigTiff ? 16 : 8);
  header.write('II', 0, 'latin1');
  if (bigTiff) {
    header.writeUInt16LE(43, 2);
    header.writeUInt16LE(8, 4);
  } else {
    header.writeUInt16LE(42, 2);
  }
  return header;
}

/** Where the header stores the first IFD's offset. */
export function firstIfdPointer(bigTiff: boolean): { position: number; size: number } {
  return bigTiff ? { position: 8, size: 8 } : { position: 4, size: 4 };
}

function valueBytes(entry: TiffEntry): Buffer {
  if (typeof entry.values === 'string') return Buffer.from(`${entry.values}\0`, 'latin1');
  const size = TYPE_SIZE[entry.type];
  const out = Buffer.alloc(entry.values.length * size);
  entry.values.forEach((v, i) => {
    const at = i * size;
    switch (entry.type) {
      case TIFF_TYPE.SHORT:
        out.writeUInt16LE(v, at);
        break;
      case TIFF_TYPE.LONG:
        out.writeUInt32LE(v, at);
        break;
      case TIFF_TYPE.DOUBLE:
        out.writeDoubleLE(v, at);
        break;
      case TIFF_TYPE.LONG8:
        out.writeBigUInt64LE(BigInt(v), at);
        break;
      default:
        throw new Error(`unexpected TIFF type ${entry.type}`);
    }
  });
  return out;
}

function writeOffset(buf: Buffer, at: number, value: number, bigTiff: boolean): void {
  if (bigTiff) buf.writeBigUInt64LE(BigInt(value), at);
  else buf.writeUInt32LE(value, at);
}

/**
 * The bytes of one IFD placed at file offset `at`, pointing to the next IFD at `next` (0 = last).
 * Values larger than an entry's slot are stored right after the entry table, word-aligned.
 */
export function encodeIfd(entries: TiffEntry[], at: number, next: number, bigTiff: boolean): Buffer {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  const countSize = bigTiff ? 8 : 2;
  const entrySize = bigTiff ? 20 : 12;
  const slot = bigTiff ? 8 : 4;
  const tableSize = countSize + sorted.length * entrySize + slot;
  const values = sorted.map(valueBytes);
  let dataSize = 0;
  for (const v of values) if (v.length > slot) dataSize += v.length + (v.length % 2);
  const buf = Buffer.alloc(tableSize + dataSize);
  if (bigTiff) buf.writeBigUInt64LE(BigInt(sorted.length), 0);
  else buf.writeUInt16LE(sorted.length, 0);
  let data = tableSize;
  sorted.forEach((entry, i) => {
    const e = countSize + i * entrySize;
    const bytes = values[i];
    const count = typeof entry.values === 'string' ? bytes.length : entry.values.length;
    buf.writeUInt16LE(entry.tag, e);
    buf.writeUInt16LE(entry.type, e + 2);
    if (bigTiff) buf.writeBigUInt64LE(BigInt(count), e + 4);
    else buf.writeUInt32LE(count, e + 4);
    const valueAt = e + (bigTiff ? 12 : 8);
    if (bytes.length <= slot) {
      bytes.copy(buf, valueAt);
    } else {
      writeOffset(buf, valueAt, at + data, bigTiff);
      bytes.copy(buf, data);
      data += bytes.length + (bytes.length % 2);
    }
  });
  writeOffset(buf, countSize + sorted.length * entrySize, next, bigTiff);
  return buf;
}
