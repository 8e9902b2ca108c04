/**
 * The per-block kernels of whole-file reads against plain reference loops: interleaved samples to planes (with and
 * without undoing horizontal differencing, for every integer type) and per-band statistics (nodata, NaN, blocks that
 * reach past the raster's edge, 1 to 6 samples so both the four-lane and the one-lane paths run).
 */
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { blockStats, emptyStats, finishStats, mergeStats, type BlockRegion } from '../../pipeline/raster/band-stats.js';
import { decodeBlock, decodeSamples } from '../../pipeline/raster/decode/decode-block.js';
import { undoHorizontalDifferencing } from '../../pipeline/raster/decode/predictor.js';
import { toPlanes, toPlanesUndoingDifferences } from '../../pipeline/raster/decode/to-planes.js';
import { allocPixels, type DType, type PixelArray } from '../../pipeline/raster/types.js';
import { seededRandom } from '../../pipeline/core/random.js';

const RANGES: Record<DType, [number, number]> = {
  uint8: [0, 255],
  int8: [-128, 127],
  uint16: [0, 65535],
  int16: [-32768, 32767],
  uint32: [0, 4294967295],
  int32: [-2147483648, 2147483647],
  float32: [-1e6, 1e6],
  float64: [-1e9, 1e9],
};

function randomSamples(dtype: DType, length: number, seed: number, narrow = false): PixelArray {
  const next = seededRandom(seed);
  const [lo, hi] = RANGES[dtype];
  const a = allocPixels(dtype, length);
  // Narrow: a few distinct values, so nodata hits often.
  for (let i = 0; i < length; i++) a[i] = narrow ? Math.max(lo, Math.min(hi, Math.floor(next() * 7) - 1)) : lo + Math.floor(next() * (hi - lo + 1));
  if (dtype.startsWith('float')) for (let i = 0; i < length; i += 17) a[i] = NaN;
  return a;
}

const INTEGER_TYPES: DType[] = ['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32'];

describe('interleaved samples to planes', () => {
  for (const dtype of INTEGER_TYPES) {
    it(`${dtype}: planes equal a strided copy; differences undone equal predictor 2 undone in place`, () => {
      const [width, rows, samples] = [13, 5, 3];
      const src = randomSamples(dtype, width * rows * samples, 7) as Exclude<PixelArray, Float32Array | Float64Array>;
      const planes = allocPixels(dtype, src.length);
      toPlanes(src, planes, width, rows, samples);
      const undone = src.slice();
      undoHorizontalDifferencing(undone, width, rows, samples);
      const undonePlanes = allocPixels(dtype, src.length) as typeof src;
      toPlanesUndoingDifferences(src, undonePlanes, width, rows, samples);
      for (let p = 0; p < width * rows; p++) {
        for (let s = 0; s < samples; s++) {
          expect(planes[s * width * rows + p]).toBe(src[p * samples + s]);
          expect(undonePlanes[s * width * rows + p]).toBe(undone[p * samples + s]);
        }
      }
    });
  }

  it("decodeBlock's 'planes' order is its interleaved output rearranged (DEFLATE + predictor 2)", async () => {
    const [width, rows, samples] = [16, 8, 4];
    const differenced = randomSamples('uint16', width * rows * samples, 3);
    const codec = { compression: 8, dtype: 'uint16' as const, width, rows, samples, predictor: 2, littleEndian: true };
    const compressed = new Uint8Array(deflateSync(new Uint8Array(differenced.buffer)));
    const interleaved = new Uint16Array(await decodeBlock(codec, compressed));
    const planes = new Uint16Array(await decodeBlock(codec, compressed, 'planes'));
    const expected = new Uint16Array(interleaved.length);
    toPlanes(interleaved, expected, width, rows, samples);
    expect(Buffer.from(planes.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    const { samples: raw, differenced: left } = await decodeSamples(codec, compressed);
    expect(left).toBe(true);
    expect(Array.from(raw)).toEqual(Array.from(differenced));
  });
});

/** Statistics the plain way: every pixel inside the region, each sample, NaN and nodata left out. */
function referenceStats(block: PixelArray, region: BlockRegion): Float64Array {
  const acc = emptyStats(region.samples);
  for (let s = 0; s < region.samples; s++) {
    const values: number[] = [];
    for (let r = 0; r < region.validRows; r++) {
      for (let c = 0; c < region.cols; c++) {
        const v = block[(r * region.width + c) * region.samples + s];
        if (!Number.isNaN(v) && v !== region.nodata) values.push(v);
      }
    }
    if (values.length === 0) continue;
    acc.set([values.length, Math.min(...values), Math.max(...values), values.reduce((a, b) => a + b, 0)], s * 4);
  }
  return acc;
}

describe('block statistics', () => {
  const dtypes: DType[] = [...INTEGER_TYPES, 'float32', 'float64'];
  for (const dtype of dtypes) {
    it(`${dtype}: equal the reference for 1 to 6 samples, with and without nodata, edge blocks included`, () => {
      for (const samples of [1, 3, 4, 6]) {
        for (const narrow of [false, true]) {
          const [width, rows] = [24, 9];
          const block = randomSamples(dtype, width * rows * samples, samples * 31 + (narrow ? 1 : 0), narrow);
          for (const nodata of [null, 0, 2.5, NaN]) {
            const region: BlockRegion = { width, rows, samples, cols: 19, validRows: 7, nodata };
            const ours = blockStats(block, region);
            const reference = referenceStats(block, region);
            for (let k = 0; k < ours.length; k++) {
              if (k % 4 === 3) expect(ours[k]).toBeCloseTo(reference[k], dtype.startsWith('float') ? 0 : 6); // float sums in another order
              else expect(ours[k]).toBe(reference[k]);
            }
          }
        }
      }
    });
  }

  for (const dtype of INTEGER_TYPES) {
    it(`${dtype}: differenced samples give the statistics of the undone ones`, () => {
      const [width, rows, samples] = [21, 6, 5];
      const block = randomSamples(dtype, width * rows * samples, 11) as Exclude<PixelArray, Float32Array | Float64Array>;
      const undone = block.slice();
      undoHorizontalDifferencing(undone, width, rows, samples);
      const nodata = undone[7 * samples + 1]; // a value that occurs
      const region: BlockRegion = { width, rows, samples, cols: 20, validRows: 6, nodata };
      expect(Array.from(blockStats(block, region, true))).toEqual(Array.from(referenceStats(undone, region)));
    });
  }

  it('merging blocks and finishing: counts and sums add, extremes combine, an empty band has nulls', () => {
    const acc = emptyStats(2);
    mergeStats(acc, Float64Array.from([2, 1, 5, 6]), 0);
    mergeStats(acc, Float64Array.from([1, -3, -3, -3, 0, Infinity, -Infinity, 0]));
    expect(finishStats(acc)).toEqual([
      { band: 1, valid_count: 3, min: -3, max: 5, mean: 1, sum: 3 },
      { band: 2, valid_count: 0, min: null, max: null, mean: null, sum: null },
    ]);
  });
});
