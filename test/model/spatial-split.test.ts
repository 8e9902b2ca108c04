import { describe, expect, it } from 'vitest';
import { blockSplitMask } from '../../pipeline/model/spatial-split.js';

describe('blockSplitMask', () => {
  const split = { kind: 'blocks' as const, blockSize: 10, testFraction: 0.3, seed: 4 };

  it('holds out whole blocks, about the asked share of them', () => {
    const mask = blockSplitMask(101, 100, split); // 11 x 10 blocks, the last column 1 px wide
    const blocks = new Map<string, Set<number>>();
    for (let y = 0; y < 100; y++) {
      for (let x = 0; x < 101; x++) {
        const key = `${Math.floor(x / 10)},${Math.floor(y / 10)}`;
        if (!blocks.has(key)) blocks.set(key, new Set());
        blocks.get(key)!.add(mask[y * 101 + x]);
      }
    }
    expect(blocks.size).toBe(110);
    for (const values of blocks.values()) expect(values.size).toBe(1); // never a block split between train and test
    const held = [...blocks.values()].filter((v) => v.has(1)).length;
    expect(held).toBe(Math.round(110 * 0.3));
  });

  it('is the same for the same seed and differs for another', () => {
    expect(blockSplitMask(64, 64, split)).toEqual(blockSplitMask(64, 64, split));
    expect(blockSplitMask(64, 64, split)).not.toEqual(blockSplitMask(64, 64, { ...split, seed: 5 }));
  });

  it('keeps at least one block on each side', () => {
    const mask = blockSplitMask(20, 10, { ...split, testFraction: 0.01 });
    expect(mask.some((v) => v === 1)).toBe(true);
    expect(mask.some((v) => v === 0)).toBe(true);
  });

  it('refuses splits that cannot hold anything out', () => {
    expect(() => blockSplitMask(10, 10, split)).toThrow(/one block/);
    expect(() => blockSplitMask(50, 50, { ...split, testFraction: 1 })).toThrow(/between 0 and 1/);
    expect(() => blockSplitMask(50, 50, { ...split, blockSize: 0 })).toThrow(/block size/);
  });
});
