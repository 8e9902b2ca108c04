import { inflateSync } from 'node:zlib';
import { allocPixels, DTYPE_BYTES, pixelsAt, viewPixels, type DType, type PixelArray } from '../types.js';
import { BlockSizeError, DECODE_MARGIN_BYTES, type BlockCodec } from './block-codec.js';
import { decodeLzw, decodePackBits, decodeZstdBounded, jpegFrameSize, lercBlobSize, zstdDeclaredSize } from './bounded-codecs.js';
import { undoFloatingPointPrediction, undoHorizontalDifferencing } from './predictor.js';
import { toPlanes, toPlanesUndoingDifferences } from './to-planes.js';

type GeotiffDecoder = { decodeBlock(buffer: ArrayBuffer): ArrayBuffer | Promise<ArrayBuffer> };

// geotiff.js decoders hold parsed state (JPEG tables, wasm instances): one per codec configuration per thread.
const decoders = new Map<string, Promise<GeotiffDecoder>>();

function geotiffDecoder(codec: BlockCodec): Promise<GeotiffDecoder> {
  const key = `${codec.compression}:${codec.jpegTables ? Buffer.from(codec.jpegTables).toString('base64') : ''}:${codec.lercParameters ?? ''}`;
  let decoder = decoders.get(key);
  if (!decoder) {
    const bits = DTYPE_BYTES[codec.dtype] * 8;
    // geotiff.js is loaded on first use: DEFLATE, LZW, PackBits and ZSTD (most files) never need it, and every
    // decode thread would pay for loading it.
    decoder = import('geotiff').then(({ getDecoder }) => getDecoder(codec.compression, {
      tileWidth: codec.width,
      tileHeight: codec.rows,
      predictor: 1, // we undo predictors ourselves, after byte order is fixed
      bitsPerSample: new Array(codec.samples).fill(bits),
      planarConfiguration: codec.samples > 1 ? 1 : 2,
      samplesPerPixel: codec.samples,
      JPEGTables: codec.jpegTables,
      LercParameters: codec.lercParameters,
    } as never) as unknown as Promise<GeotiffDecoder>);
    decoders.set(key, decoder);
  }
  return decoder;
}

function copyToOwnBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function swapBytes(bytes: Uint8Array, width: number): void {
  for (let i = 0; i + width <= bytes.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/** How a decoded block's samples are laid out: as stored (pixel-interleaved) or one plane per sample. */
export type BlockLayoutOrder = 'interleaved' | 'planes';

/**
 * Decodes one compressed TIFF block into native-order samples of `codec.dtype` (width * rows * samples of them):
 * pixel-interleaved when samples > 1, or with `order` 'planes' one plane of width * rows per sample.
 * Throws a plain Error describing the problem; the caller names the file and block.
 */
export async function decodeBlock(codec: BlockCodec, compressed: Uint8Array, order: BlockLayoutOrder = 'interleaved'): Promise<ArrayBuffer> {
  const { samples, differenced } = await decodeSamples(codec, compressed);
  if (order === 'planes' && codec.samples > 1) {
    const out = allocPixels(codec.dtype, samples.length);
    if (differenced) toPlanesUndoingDifferences(samples as IntegerPixels, out as IntegerPixels, codec.width, codec.rows, codec.samples);
    else toPlanes(samples, out, codec.width, codec.rows, codec.samples);
    return out.buffer as ArrayBuffer;
  }
  // Own memory of exactly the block's size: the codec's output may be longer, pooled or the compressed bytes themselves.
  const own = samples.byteOffset === 0 && samples.byteLength === samples.buffer.byteLength ? samples : samples.slice();
  if (differenced) undoHorizontalDifferencing(own as IntegerPixels, codec.width, codec.rows, codec.samples);
  return own.buffer as ArrayBuffer;
}

/**
 * A block's samples as its codec gives them: pixel-interleaved, native order, possibly a view into the codec's
 * output (read it, do not keep it). `differenced`: horizontal differencing (predictor 2) is still to be undone, left to
 * the caller so that it can be undone on the way to where the samples go (planes, statistics).
 */
export interface DecodedSamples {
  samples: PixelArray;
  differenced: boolean;
}

/** Decodes one compressed TIFF block (see DecodedSamples), refusing data that decodes larger or shorter than the block. */
export async function decodeSamples(codec: BlockCodec, compressed: Uint8Array): Promise<DecodedSamples> {
  const bytesPerSample = DTYPE_BYTES[codec.dtype];
  const bilevel = codec.bitsPerSample === 1;
  // Bilevel rows are packed 8 pixels a byte, each row starting on a byte.
  const rowBytes = bilevel ? Math.ceil(codec.width / 8) : codec.width * codec.samples * bytesPerSample;
  const expected = rowBytes * codec.rows;
  // The most a block may decode to: a full block (the last strip may be stored full) and a little padding.
  const limit = rowBytes * Math.max(codec.rows, codec.fullRows ?? codec.rows) + DECODE_MARGIN_BYTES;
  const tooLarge = (what: string) =>
    new BlockSizeError(
      `${what} than the ${codec.width} x ${codec.rows} block holds (${expected} bytes, at most ${limit} accepted): refused as a decompression bomb`,
    );
  let raw: Uint8Array;
  switch (codec.compression) {
    case 1:
      raw = compressed;
      break;
    case 8:
    case 32946:
      try {
        // Inflating stops at the limit: a bomb never takes more memory than a block. One output chunk of the limit's
        // size: zlib's default (16 KiB) would inflate a block in pieces and concatenate them.
        raw = inflateSync(compressed, { maxOutputLength: limit + 1, chunkSize: Math.max(limit + 1, 64) });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(`DEFLATE data inflates to more`);
        throw new Error(`DEFLATE data is corrupt (${(err as Error).message})`);
      }
      break;
    case 5:
      raw = decodeLzw(compressed, limit, () => tooLarge('LZW data decodes to more'));
      break;
    case 32773:
      raw = decodePackBits(compressed, limit, () => tooLarge('PackBits data decodes to more'));
      break;
    case 34887: {
      // LERC decodes straight to typed samples, with no predictor and in native order. Its extra DEFLATE layer is
      // inflated here, with a limit (geotiff.js would inflate without one), and the blob's declared size checked.
      const lercLimit = 2 * limit + 65536; // a LERC blob is at most about its raw size, plus headers and masks
      let blob = compressed;
      let lercCodec = codec;
      const addCompression = codec.lercParameters?.[1] ?? 0;
      if (addCompression === 1) {
        try {
          blob = inflateSync(compressed, { maxOutputLength: lercLimit + 1 });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge('LERC+DEFLATE data inflates to more');
          throw new Error(`DEFLATE data is corrupt (${(err as Error).message})`);
        }
        lercCodec = { ...codec, lercParameters: [codec.lercParameters![0], 0] };
      } else if (addCompression === 2) {
        const declared = zstdDeclaredSize(compressed);
        if (declared !== null && declared > lercLimit) throw tooLarge(`LERC+ZSTD frame declares ${declared} bytes, more`);
      }
      const dims = addCompression === 2 ? null : lercBlobSize(blob);
      if (dims && dims.rows * dims.cols * dims.depth * bytesPerSample > limit) {
        throw tooLarge(`LERC blob of ${dims.cols} x ${dims.rows} x ${dims.depth} values is larger`);
      }
      const out = new Uint8Array(await (await geotiffDecoder(lercCodec)).decodeBlock(copyToOwnBuffer(blob)));
      if (out.length > limit) throw tooLarge(`LERC block decodes to ${out.length} bytes, more`);
      if (out.length < expected) throw new BlockSizeError(`LERC block decoded to ${out.length} bytes, expected ${expected} (truncated data)`);
      return { samples: viewPixels(codec.dtype, copyToOwnBuffer(out.subarray(0, expected))), differenced: false };
    }
    default:
      // geotiff.js allocates what the stream declares: check the declaration first.
      if (codec.compression === 50000) {
        const declared = zstdDeclaredSize(compressed);
        if (declared !== null && declared > limit) throw tooLarge(`ZSTD frame declares ${declared} bytes, more`);
        // Frames that declare no size would be decoded by streaming, without bound: decode into a buffer of the limit.
        raw = await decodeZstdBounded(compressed, limit);
        // zstd reports data that needs a larger buffer, like corrupt data, as an error: nothing comes back.
        if (raw.length === 0 && expected > 0) {
          throw new BlockSizeError(`ZSTD data does not decode into the ${codec.width} x ${codec.rows} block (${expected} bytes, at most ${limit} accepted): larger (a decompression bomb) or corrupt`);
        }
        if (raw.length > limit) throw tooLarge('ZSTD data decodes to more');
        break;
      }
      if (codec.compression === 7) {
        const frame = jpegFrameSize(compressed);
        const fullRows = Math.max(codec.rows, codec.fullRows ?? codec.rows);
        if (frame && (frame.width > codec.width + 16 || frame.height > fullRows + 16)) {
          throw tooLarge(`JPEG frame of ${frame.width} x ${frame.height} pixels is larger`);
        }
      }
      try {
        raw = new Uint8Array(await (await geotiffDecoder(codec)).decodeBlock(copyToOwnBuffer(compressed)));
      } catch (err) {
        throw new Error(`block data is corrupt (${(err as Error).message})`);
      }
      if (raw.length > limit) throw tooLarge(`block decodes to ${raw.length} bytes, more`);
  }
  // Short data is an error, as in GDAL (libtiff: "Not enough data"); the rows of a short last strip are not.
  if (raw.length < expected) throw new BlockSizeError(`block decoded to ${raw.length} bytes, expected ${expected} (truncated data)`);
  if (bilevel) return { samples: new Uint8Array(unpackBits(raw, codec.width, codec.rows)), differenced: false };
  const count = expected / bytesPerSample;
  const nativeOrder = codec.littleEndian || bytesPerSample === 1 || codec.compression === 7;
  if (!codec.dtype.startsWith('float') && nativeOrder && !codec.ycbcr && (codec.predictor === 1 || codec.predictor === 2)) {
    // The common case (integer samples, maybe differenced): read straight from the codec's output.
    return { samples: samplesOf(codec.dtype, raw, count), differenced: codec.predictor === 2 };
  }
  return { samples: viewPixels(codec.dtype, undoPrediction(codec, raw, expected, bytesPerSample)), differenced: false };
}

type IntegerPixels = Exclude<PixelArray, Float32Array | Float64Array>;

/** The first `count` samples of a codec's output, read in place when aligned for the type (copied when not). */
function samplesOf(dtype: DType, raw: Uint8Array, count: number): PixelArray {
  const bytes = raw.byteOffset % DTYPE_BYTES[dtype] === 0 ? raw : raw.slice(0, count * DTYPE_BYTES[dtype]);
  return pixelsAt(dtype, bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
}

/** Interleaved native-order samples from a codec's output: colour conversion, byte order and predictor undone. */
function undoPrediction(codec: BlockCodec, raw: Uint8Array, expected: number, bytesPerSample: number): ArrayBuffer {
  // Own, aligned memory of exactly the block's size (inflate may return a pooled or longer buffer).
  let bytes: Uint8Array<ArrayBuffer> = new Uint8Array(expected);
  bytes.set(raw.subarray(0, expected));

  if (codec.ycbcr) ycbcrToRgb(bytes);
  if (codec.predictor === 3) {
    if (bytesPerSample !== 4 && bytesPerSample !== 8) throw new Error(`floating-point predictor on ${codec.dtype} data`);
    bytes = undoFloatingPointPrediction(bytes, codec.width, codec.rows, codec.samples, bytesPerSample);
    return bytes.buffer;
  }
  if (!codec.littleEndian && bytesPerSample > 1 && codec.compression !== 7) swapBytes(bytes, bytesPerSample);
  if (codec.predictor === 2) {
    if (codec.dtype.startsWith('float')) throw new Error(`horizontal predictor on ${codec.dtype} data`);
    const view = viewPixels(codec.dtype, bytes.buffer) as Exclude<PixelArray, Float32Array | Float64Array>;
    undoHorizontalDifferencing(view, codec.width, codec.rows, codec.samples);
  }
  return bytes.buffer;
}

// libjpeg's fixed-point YCbCr → RGB (jdcolor.c), so that our pixels are the ones GDAL reports.
const SCALE = 16;
const HALF = 1 << (SCALE - 1);
const fix = (x: number) => Math.round(x * (1 << SCALE));
const crR = new Int32Array(256);
const cbB = new Int32Array(256);
const crG = new Int32Array(256);
const cbG = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  crR[i] = (fix(1.402) * x + HALF) >> SCALE;
  cbB[i] = (fix(1.772) * x + HALF) >> SCALE;
  crG[i] = -fix(0.71414) * x;
  cbG[i] = -fix(0.34414) * x + HALF;
}

function ycbcrToRgb(pixels: Uint8Array): void {
  const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);
  for (let i = 0; i + 2 < pixels.length; i += 3) {
    const y = pixels[i];
    const cb = pixels[i + 1];
    const cr = pixels[i + 2];
    pixels[i] = clamp(y + crR[cr]);
    pixels[i + 1] = clamp(y + ((cbG[cb] + crG[cr]) >> SCALE));
    pixels[i + 2] = clamp(y + cbB[cb]);
  }
}

/** One byte per pixel (0 or 1) from rows of bits, most significant bit first. */
function unpackBits(packed: Uint8Array, width: number, rows: number): ArrayBuffer {
  const out = new Uint8Array(width * rows);
  const rowBytes = Math.ceil(width / 8);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < width; c++) out[r * width + c] = (packed[r * rowBytes + (c >> 3)] >> (7 - (c & 7))) & 1;
  }
  return out.buffer;
}
