import { createHash } from 'node:crypto';
import type { PixelArray } from '../../pipeline/raster/types.js';

/** SHA-256 of bands in band-sequential order, native dtype, little-endian (the expected_decoding.json convention). */
export function sha256Bands(bands: PixelArray[]): string {
  const hash = createHash('sha256');
  for (const b of bands) hash.update(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  return hash.digest('hex');
}
