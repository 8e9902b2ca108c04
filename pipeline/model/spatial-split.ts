import { SatError } from '../core/errors.js';
import { seededRandom } from '../core/random.js';

export interface BlockSplit {
  kind: 'blocks';
  /** Edge of a square block in pixels. */
  blockSize: number;
  /** Share of blocks held out for testing. */
  testFraction: number;
  seed: number;
}

/**
 * A spatially separated train/test split: the scene is cut into square blocks and whole blocks are held out
 * (chosen by a seeded shuffle), so test pixels are not the neighbours of training pixels as in a random pixel
 * split, whose accuracy would be inflated by spatial autocorrelation. Returns 1 = test, 0 = train per pixel.
 */
export function blockSplitMask(width: number, height: number, split: BlockSplit): Uint8Array {
  const { blockSize, testFraction } = split;
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new SatError('E_INPUT', `block size must be a positive integer (got ${blockSize})`);
  if (!(testFraction > 0 && testFraction < 1)) throw new SatError('E_INPUT', `test fraction must be between 0 and 1 (got ${testFraction})`);
  const across = Math.ceil(width / blockSize);
  const down = Math.ceil(height / blockSize);
  const blocks = across * down;
  if (blocks < 2) throw new SatError('E_INPUT', `a ${width} x ${height} scene makes one block of ${blockSize} px: use smaller blocks to hold some out`);
  const order = Array.from({ length: blocks }, (_, i) => i);
  const random = seededRandom(split.seed);
  for (let i = blocks - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const nTest = Math.min(blocks - 1, Math.max(1, Math.round(blocks * testFraction)));
  const isTest = new Uint8Array(blocks);
  for (let k = 0; k < nTest; k++) isTest[order[k]] = 1;
  const mask = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const rowBlock = Math.floor(y / blockSize) * across;
    for (let x = 0; x < width; x++) mask[y * width + x] = isTest[rowBlock + Math.floor(x / blockSize)];
  }
  return mask;
}
