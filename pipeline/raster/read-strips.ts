import type { RasterReader } from './open-raster.js';
import type { RasterData } from './types.js';

/**
 * A raster's full-width strips, top to bottom, each a whole number of block rows and about `pixelsPerStrip`
 * pixels: for passes over a whole scene that must not hold it in memory.
 */
export async function* readStrips(reader: RasterReader, options: { bands?: number[]; pixelsPerStrip?: number } = {}): AsyncGenerator<RasterData> {
  const { width, height, blockHeight } = reader.info;
  const target = options.pixelsPerStrip ?? 4_000_000;
  const rows = Math.max(blockHeight, Math.floor(target / width / blockHeight) * blockHeight);
  for (let row = 0; row < height; row += rows) {
    yield reader.read({ col: 0, row, width, height: Math.min(rows, height - row) }, { bands: options.bands });
  }
}
