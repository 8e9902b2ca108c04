import type { DType } from '../types.js';

/** TIFF Compression tag values → our names. */
export const COMPRESSION_NAMES: Record<number, string> = {
  1: 'none',
  5: 'lzw',
  6: 'jpeg-old',
  7: 'jpeg',
  8: 'deflate',
  32946: 'deflate',
  32773: 'packbits',
  34712: 'jpeg2000',
  34887: 'lerc',
  34925: 'lzma',
  50000: 'zstd',
  50001: 'webp',
};

/** The compressions we decode (in decode-block.ts). */
export const SUPPORTED_COMPRESSIONS = new Set([1, 5, 7, 8, 32946, 32773, 34887, 50000]);

/** Everything a thread needs to decode one block, apart from its bytes. Plain data: it crosses to worker threads. */
export interface BlockCodec {
  compression: number;
  dtype: DType;
  /** Block width and the rows this block holds (the last strip of a striped file may hold fewer). */
  width: number;
  rows: number;
  /**
   * Rows of a full block (default `rows`): the most a block may decode to. The last strip of a striped file holds
   * fewer rows, but some writers store it full; anything larger than a full block (plus DECODE_MARGIN_BYTES) is refused.
   */
  fullRows?: number;
  /** Samples per pixel inside the block: all bands for PlanarConfiguration=1, one for =2. */
  samples: number;
  predictor: number;
  littleEndian: boolean;
  /** JPEGTables tag: shared quantisation/Huffman tables of JPEG-in-TIFF. */
  jpegTables?: Uint8Array;
  /** JPEG data stored as YCbCr (PhotometricInterpretation 6): converted to RGB like libjpeg does. */
  ycbcr?: boolean;
  /** 1 for bilevel images (GDAL's internal masks): bits are unpacked to one byte per pixel, 0 or 1. */
  bitsPerSample?: 1 | 8;
  /** LercParameters tag. */
  lercParameters?: number[];
}

/** Bytes a block may decode to beyond its full size (codec padding); more is refused as a decompression bomb. */
export const DECODE_MARGIN_BYTES = 4096;

/**
 * A block that decodes to more bytes than a full block holds (a decompression bomb) or fewer than it needs
 * (truncated data). Its name crosses thread boundaries so the reader can tell it from a corrupt stream.
 */
export class BlockSizeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlockSizeError';
  }
}
