/**
 * Pixel-interleaved block samples → one plane per sample (band-sequential inside the block), so that reading a band
 * out of a block is a row copy instead of a strided gather. Horizontal differencing (predictor 2) can be undone on
 * the way: one pass over the block instead of two.
 */

type IntegerSamples = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;
type Samples = IntegerSamples | Float32Array | Float64Array;

/** Copies `src` (width * rows pixels of `samples` interleaved samples) into `out` as `samples` planes. */
export function toPlanes(src: Samples, out: Samples, width: number, rows: number, samples: number): void {
  const plane = width * rows;
  if (samples === 1) {
    out.set(src.subarray(0, plane) as never);
    return;
  }
  for (let s = 0; s < samples; s++) {
    let o = s * plane;
    for (let i = s, end = plane * samples; i < end; i += samples) out[o++] = src[i];
  }
}

/**
 * As toPlanes, undoing horizontal differencing: each row's samples are running sums, modulo the sample type's range
 * (the running sum is masked to the type's width and the store into the typed array gives it its sign).
 */
export function toPlanesUndoingDifferences(src: IntegerSamples, out: IntegerSamples, width: number, rows: number, samples: number): void {
  const plane = width * rows;
  const mask = src.BYTES_PER_ELEMENT === 4 ? -1 : (1 << (8 * src.BYTES_PER_ELEMENT)) - 1;
  const rowStride = width * samples;
  for (let s = 0; s < samples; s++) {
    for (let r = 0; r < rows; r++) {
      let acc = 0;
      let i = r * rowStride + s;
      let o = s * plane + r * width;
      for (const end = o + width; o < end; o++, i += samples) {
        acc = (acc + src[i]) & mask;
        out[o] = acc;
      }
    }
  }
}
