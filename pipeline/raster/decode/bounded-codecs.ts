import { ZSTDDecoder } from 'zstddec/stream';

/**
 * Decoders that stop at an output limit, for the codecs whose geotiff.js decoders grow a JS array without bound
 * (LZW, PackBits: a small hostile block would take gigabytes before its size could be checked), and a check of the
 * content size a ZSTD frame declares before geotiff.js allocates it.
 * `overflow()` returns the error to throw when the data decodes past `limit` bytes.
 */

/** TIFF LZW (MSB-first codes of 9 to 12 bits, early change), as libtiff and geotiff.js decode it. */
export function decodeLzw(input: Uint8Array, limit: number, overflow: () => Error): Uint8Array {
  const CLEAR = 256;
  const EOI = 257;
  const prefix = new Uint16Array(4096);
  const suffix = new Uint8Array(4096);
  const lengths = new Uint16Array(4096);
  for (let i = 0; i < 256; i++) {
    suffix[i] = i;
    lengths[i] = 1;
  }
  const out = new Uint8Array(limit);
  let n = 0;
  let size = 258;
  let bits = 9;
  let position = 0;
  const next = (): number => {
    const a = position >> 3;
    if (a >= input.length) return EOI; // ran off the end: as geotiff.js, take it as the end
    const word = (input[a] << 16) | ((input[a + 1] ?? 0) << 8) | (input[a + 2] ?? 0);
    const code = (word >> (24 - (position & 7) - bits)) & ((1 << bits) - 1);
    position += bits;
    return code;
  };
  /** Writes the string of `code` (and `extra` after it, or -1); returns its first byte. */
  const emit = (code: number, extra: number): number => {
    const len = lengths[code];
    if (n + len + (extra >= 0 ? 1 : 0) > limit) throw overflow();
    let c = code;
    for (let i = len - 1; i >= 0; i--) {
      out[n + i] = suffix[c];
      c = prefix[c];
    }
    const first = out[n];
    n += len;
    if (extra >= 0) out[n++] = extra;
    return first;
  };
  const add = (previous: number, byte: number) => {
    if (size >= 4096) return;
    prefix[size] = previous;
    suffix[size] = byte;
    lengths[size] = lengths[previous] + 1;
    size++;
  };
  let old = -1;
  for (let code = next(); code !== EOI; code = next()) {
    if (code === CLEAR) {
      size = 258;
      bits = 9;
      do code = next();
      while (code === CLEAR);
      if (code === EOI) break;
      if (code > CLEAR) throw new Error(`corrupted LZW code ${code} after a clear code`);
      emit(code, -1);
      old = code;
    } else if (code < size) {
      const first = emit(code, -1);
      if (old >= 0) add(old, first);
      old = code;
    } else {
      if (old < 0) throw new Error(`invalid LZW code ${code} with no previous code`);
      const first = emit(old, -2);
      out[n] = first;
      if (++n > limit) throw overflow();
      add(old, first);
      old = code;
    }
    if (size + 1 >= 1 << bits) {
      if (bits === 12) old = -1;
      else bits++;
    }
  }
  return out.subarray(0, n);
}

/** PackBits (run-length), as libtiff decodes it (-128 is a no-op). */
export function decodePackBits(input: Uint8Array, limit: number, overflow: () => Error): Uint8Array {
  const out = new Uint8Array(limit);
  let n = 0;
  for (let i = 0; i < input.length; ) {
    const header = (input[i++] << 24) >> 24;
    if (header === -128) continue;
    if (header < 0) {
      const count = 1 - header;
      if (i >= input.length) break;
      if (n + count > limit) throw overflow();
      out.fill(input[i++], n, n + count);
      n += count;
    } else {
      const count = Math.min(header + 1, input.length - i);
      if (n + count > limit) throw overflow();
      out.set(input.subarray(i, i + count), n);
      n += count;
      i += count;
    }
  }
  return out.subarray(0, n);
}

/** The content size the first ZSTD frame declares (Frame_Content_Size), or null when it declares none. */
export function zstdDeclaredSize(input: Uint8Array): number | null {
  if (input.length < 6 || input[0] !== 0x28 || input[1] !== 0xb5 || input[2] !== 0x2f || input[3] !== 0xfd) return null;
  const descriptor = input[4];
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const dictIdSize = [0, 1, 2, 4][descriptor & 3];
  const fcsSize = fcsFlag === 0 ? singleSegment : [0, 2, 4, 8][fcsFlag];
  if (fcsSize === 0) return null;
  const at = 5 + (singleSegment ? 0 : 1) + dictIdSize;
  if (at + fcsSize > input.length) return null;
  let value = 0;
  for (let i = fcsSize - 1; i >= 0; i--) value = value * 256 + input[at + i];
  return fcsSize === 2 ? value + 256 : value;
}

/** Width and height of a JPEG stream's frame (its SOF marker), or null when none is found before the scan. */
export function jpegFrameSize(input: Uint8Array): { width: number; height: number } | null {
  if (input[0] !== 0xff || input[1] !== 0xd8) return null;
  let i = 2;
  while (i + 4 <= input.length) {
    if (input[i] !== 0xff) return null;
    const marker = input[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return null;
    const length = (input[i + 2] << 8) | input[i + 3];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (i + 9 > input.length) return null;
      return { height: (input[i + 5] << 8) | input[i + 6], width: (input[i + 7] << 8) | input[i + 8] };
    }
    i += 2 + length;
  }
  return null;
}

/** Rows, columns and depth the first blob of a LERC2 stream declares (its header), or null when it is not LERC2. */
export function lercBlobSize(input: Uint8Array): { rows: number; cols: number; depth: number } | null {
  const magic = 'Lerc2 ';
  if (input.length < 30) return null;
  for (let i = 0; i < magic.length; i++) if (input[i] !== magic.charCodeAt(i)) return null;
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const version = view.getInt32(6, true);
  let at = 10 + (version >= 3 ? 4 : 0); // version 3 added a checksum
  const rows = view.getInt32(at, true);
  const cols = view.getInt32((at += 4), true);
  const depth = version >= 4 ? view.getInt32(at + 4, true) : 1;
  return { rows: Math.max(rows, 0), cols: Math.max(cols, 0), depth: Math.max(depth, 1) };
}

let zstd: Promise<ZSTDDecoder> | null = null;

/**
 * ZSTD into a buffer of `limit` + 1 bytes (zstd's one-shot API with a fixed capacity): data that needs more fails
 * inside the decoder instead of growing a buffer (nothing comes back; the caller refuses it).
 */
export async function decodeZstdBounded(input: Uint8Array, limit: number): Promise<Uint8Array> {
  zstd ??= (async () => {
    const decoder = new ZSTDDecoder();
    await decoder.init();
    return decoder;
  })();
  return (await zstd).decode(input, limit + 1);
}
