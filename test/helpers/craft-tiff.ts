/**
 * Hand-built TIFF files for hostile-input tests: a header, the blocks' bytes, then one or more IFDs whose
 * entries and next-IFD offsets the test chooses freely (loops, NaN georeferencing, huge claimed sizes...).
 */
import { constants, deflateRawSync } from 'node:zlib';
import { encodeIfd, firstIfdPointer, tiffHeader, TIFF_TYPE, type TiffEntry } from '../../pipeline/raster/tiff-directory.js';

export const TAG = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  PlanarConfiguration: 284,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  SampleFormat: 339,
  ModelPixelScale: 33550,
  ModelTiepoint: 33922,
  ModelTransformation: 34264,
  GeoKeyDirectory: 34735,
} as const;

export interface CraftOptions {
  width: number;
  height: number;
  samples?: number;
  /** TIFF Compression code (1 none, 8 deflate...). */
  compression?: number;
  /** Rows per strip (default: the whole image in one strip). */
  rowsPerStrip?: number;
  /** The blocks' bytes, stored right after the header; offsets and byte counts are filled in from them. */
  blocks: Uint8Array[];
  /** Replaces the computed offsets / byte counts (e.g. to point past the end of the file). */
  offsets?: number[];
  byteCounts?: number[];
  /** Further entries (georeferencing...), or entries replacing the defaults by tag. */
  extra?: TiffEntry[];
  bigTiff?: boolean;
  /** How many IFDs (copies of the same one) to chain, and where the last one points (default 0: the end). */
  ifdCount?: number;
  /** The last IFD's next offset, from the list of IFD offsets (e.g. ifds => ifds[0] makes a loop). */
  lastNext?: (ifdOffsets: number[]) => number;
}

/** A little-endian TIFF (or BigTIFF) with uint8 samples, striped. */
export function craftTiff(o: CraftOptions): Buffer {
  const bigTiff = o.bigTiff ?? false;
  const header = tiffHeader(bigTiff);
  const data = Buffer.concat(o.blocks.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)));
  let offset = header.length;
  const offsets = o.offsets ?? o.blocks.map((b) => {
    const at = offset;
    offset += b.length;
    return at;
  });
  const byteCounts = o.byteCounts ?? o.blocks.map((b) => b.length);
  const samples = o.samples ?? 1;
  const longs = bigTiff ? TIFF_TYPE.LONG8 : TIFF_TYPE.LONG;
  const entries = new Map<number, TiffEntry>();
  for (const e of [
    { tag: TAG.ImageWidth, type: TIFF_TYPE.LONG, values: [o.width] },
    { tag: TAG.ImageLength, type: TIFF_TYPE.LONG, values: [o.height] },
    { tag: TAG.BitsPerSample, type: TIFF_TYPE.SHORT, values: new Array(samples).fill(8) },
    { tag: TAG.Compression, type: TIFF_TYPE.SHORT, values: [o.compression ?? 1] },
    { tag: TAG.Photometric, type: TIFF_TYPE.SHORT, values: [1] },
    { tag: TAG.StripOffsets, type: longs, values: offsets },
    { tag: TAG.SamplesPerPixel, type: TIFF_TYPE.SHORT, values: [samples] },
    { tag: TAG.RowsPerStrip, type: TIFF_TYPE.LONG, values: [o.rowsPerStrip ?? o.height] },
    { tag: TAG.StripByteCounts, type: longs, values: byteCounts },
    { tag: TAG.PlanarConfiguration, type: TIFF_TYPE.SHORT, values: [1] },
    { tag: TAG.SampleFormat, type: TIFF_TYPE.SHORT, values: new Array(samples).fill(1) },
    ...(o.extra ?? []),
  ] as TiffEntry[]) {
    entries.set(e.tag, e);
  }
  const list = [...entries.values()];
  // Place the IFDs one after another (each IFD's size does not depend on where it is).
  const count = o.ifdCount ?? 1;
  const sizeOfOne = encodeIfd(list, 0, 0, bigTiff).length;
  let at = header.length + data.length;
  at += at % 2;
  const ifdOffsets = Array.from({ length: count }, (_, i) => at + i * (sizeOfOne + (sizeOfOne % 2)));
  const last = o.lastNext ? o.lastNext(ifdOffsets) : 0;
  const ifds = ifdOffsets.map((ifdAt, i) => {
    const bytes = encodeIfd(list, ifdAt, i + 1 < count ? ifdOffsets[i + 1] : last, bigTiff);
    return bytes.length % 2 ? Buffer.concat([bytes, Buffer.alloc(1)]) : bytes;
  });
  const pointer = firstIfdPointer(bigTiff);
  if (bigTiff) header.writeBigUInt64LE(BigInt(ifdOffsets[0]), pointer.position);
  else header.writeUInt32LE(ifdOffsets[0], pointer.position);
  const pad = Buffer.alloc(ifdOffsets[0] - header.length - data.length);
  return Buffer.concat([header, data, pad, ...ifds]);
}

/** GeoKeyDirectory values for a projected CRS with the given EPSG code (PixelIsArea). */
export function projectedGeoKeys(epsg: number): TiffEntry {
  return { tag: TAG.GeoKeyDirectory, type: TIFF_TYPE.SHORT, values: [1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, epsg] };
}

/**
 * A zlib stream of `size` zero bytes, built without deflating them: one compressed MiB of zeros (a non-final
 * block ending byte-aligned) repeated, then an empty final block and the Adler-32 of the zeros. About 1 KiB per MiB.
 */
export function zeroBomb(mib: number): Buffer {
  const chunk = deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: constants.Z_FULL_FLUSH, level: 9 });
  const size = mib * (1 << 20);
  const adler = ((size % 65521) << 16) | 1; // a = 1 + sum of bytes = 1; b = sum of a over the bytes = size
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(adler >>> 0);
  return Buffer.concat([Buffer.from([0x78, 0xda]), ...new Array(mib).fill(chunk), Buffer.from([0x03, 0x00]), trailer]);
}

/**
 * A TIFF LZW stream of zeros that expands as much as LZW allows: after each clear code, a zero and then always the
 * code about to be defined (each one byte longer than the last), until the 12-bit table is full. About 7 MB per cycle
 * from about 5.5 KB.
 */
export function lzwZeroBomb(cycles: number): Uint8Array {
  const bytes: number[] = [];
  let acc = 0;
  let accBits = 0;
  const write = (code: number, bits: number) => {
    acc = (acc << bits) | code;
    accBits += bits;
    while (accBits >= 8) {
      bytes.push((acc >> (accBits - 8)) & 0xff);
      accBits -= 8;
      acc &= (1 << accBits) - 1;
    }
  };
  let bits = 9;
  for (let cycle = 0; cycle < cycles; cycle++) {
    write(256, bits); // clear
    bits = 9;
    let size = 258;
    write(0, bits);
    for (;;) {
      write(size, bits);
      size++;
      if (size + 1 >= 1 << bits) {
        if (bits === 12) break;
        bits++;
      }
    }
  }
  write(257, bits); // end of information
  if (accBits > 0) bytes.push((acc << (8 - accBits)) & 0xff);
  return Uint8Array.from(bytes);
}
