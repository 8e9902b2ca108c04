/**
 * Undo TIFF predictors in place, row by row. Horizontal differencing (2) works on samples of the
 * block's integer type; floating-point prediction (3) on bytes that were split into planes per row
 * (most significant first) and then differenced.
 */

/** Predictor 2 on integer samples; `samples` is the number of interleaved samples per pixel. */
export function undoHorizontalDifferencing(
  data: Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array,
  width: number,
  rows: number,
  samples: number,
): void {
  const stride = width * samples;
  for (let r = 0; r < rows; r++) {
    const start = r * stride;
    const end = start + stride;
    // The typed array's own wrap-around arithmetic gives the modular sum the predictor needs.
    for (let i = start + samples; i < end; i++) data[i] += data[i - samples];
  }
}

/** Predictor 3: `bytes` holds `rows` rows of width*samples floats of `bytesPerSample` bytes; returns native-order floats. */
export function undoFloatingPointPrediction(
  bytes: Uint8Array,
  width: number,
  rows: number,
  samples: number,
  bytesPerSample: 4 | 8,
): Uint8Array<ArrayBuffer> {
  const count = width * samples;
  const rowBytes = count * bytesPerSample;
  const out = new Uint8Array(rows * rowBytes);
  for (let r = 0; r < rows; r++) {
    const row = bytes.subarray(r * rowBytes, (r + 1) * rowBytes);
    for (let i = samples; i < rowBytes; i++) row[i] = (row[i] + row[i - samples]) & 0xff;
    // Byte planes are stored most significant first; reassemble little-endian words.
    const dst = r * rowBytes;
    for (let i = 0; i < count; i++) {
      for (let b = 0; b < bytesPerSample; b++) {
        out[dst + i * bytesPerSample + b] = row[(bytesPerSample - 1 - b) * count + i];
      }
    }
  }
  return out;
}
