import { describe, expect, it } from 'vitest';
import { labelComponents, matchObjects } from '../../pipeline/model/connected-components.js';

function mask(rows: string[]): { m: Uint8Array; w: number; h: number } {
  return { m: Uint8Array.from(rows.join('').split(''), (ch) => (ch === '#' ? 1 : 0)), w: rows[0].length, h: rows.length };
}

describe('labelComponents', () => {
  it('joins diagonal neighbours (8-connectivity) and numbers components in raster order', () => {
    const { m, w, h } = mask(['#..#', '.#.#', '....', '##.#']);
    const { labels, count, sizes } = labelComponents(m, w, h);
    expect(count).toBe(4);
    expect(sizes).toEqual([2, 2, 2, 1]);
    expect(Array.from(labels)).toEqual([1, 0, 0, 2, 0, 1, 0, 2, 0, 0, 0, 0, 3, 3, 0, 4]);
  });

  it('joins a U shape whose arms meet only below (union of earlier labels)', () => {
    const { m, w, h } = mask(['#.#', '#.#', '###']);
    expect(labelComponents(m, w, h).count).toBe(1);
  });

  it('drops components below the minimum size and renumbers the rest', () => {
    const { m, w, h } = mask(['#...##', '....##', '..#...']);
    const { labels, count, sizes } = labelComponents(m, w, h, 2);
    expect(count).toBe(1);
    expect(sizes).toEqual([4]);
    expect(labels[0]).toBe(0);
    expect(labels[4]).toBe(1);
  });

  it('handles a scene-sized blob without recursion', () => {
    const w = 2000;
    const m = new Uint8Array(w * w);
    for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) m[y * w + x] = x === 0 || y % 2 === 0 ? 1 : 0; // a comb
    const { count, sizes } = labelComponents(m, w, w);
    expect(count).toBe(1);
    expect(sizes[0]).toBe(w * 1000 + 1000);
  });
});

describe('matchObjects', () => {
  it('matches one-to-one at IoU >= 0.5 and scores precision, recall, F1', () => {
    const reference = Int32Array.from([1, 1, 1, 1, 0, 2, 2, 0, 3, 3]);
    const predicted = Int32Array.from([5, 5, 5, 0, 0, 7, 8, 0, 0, 0]);
    const r = matchObjects(predicted, reference);
    // 5 vs 1: IoU 3/4 (match); 7 and 8 each cover half of object 2: IoU 1/2 each: one matches, by lower id.
    expect(r.pairs).toEqual([
      { predicted: 5, reference: 1, iou: 0.75 },
      { predicted: 7, reference: 2, iou: 0.5 },
    ]);
    expect(r).toMatchObject({ predictedCount: 3, referenceCount: 3, matched: 2 });
    expect(r.precision).toBeCloseTo(2 / 3);
    expect(r.recall).toBeCloseTo(2 / 3);
  });

  it('matches identical rasters with non-consecutive ids exactly, and breaks reference ties by lower id', () => {
    const ids = Int32Array.from([0, 40, 40, 0, 7, 7, 7, 0, 1000]);
    const r = matchObjects(ids, ids);
    expect(r).toMatchObject({ predictedCount: 3, referenceCount: 3, matched: 3, precision: 1, recall: 1, f1: 1 });
    expect(r.pairs.map((p) => [p.predicted, p.reference, p.iou])).toEqual([
      [7, 7, 1],
      [40, 40, 1],
      [1000, 1000, 1],
    ]);
    // One predicted object spanning two reference objects, IoU 1/2 with each: it takes the lower reference id.
    const tie = matchObjects(Int32Array.from([4, 4]), Int32Array.from([9, 3]));
    expect(tie.pairs).toEqual([{ predicted: 4, reference: 3, iou: 0.5 }]);
  });

  it('does not match a split object whose halves each fall below the threshold', () => {
    const reference = Int32Array.from([1, 1, 1, 1, 1]);
    const predicted = Int32Array.from([1, 1, 0, 2, 2]);
    const r = matchObjects(predicted, reference);
    expect(r.matched).toBe(0);
    expect(r.f1).toBe(0);
    expect(matchObjects(new Int32Array(3), new Int32Array(3))).toMatchObject({ predictedCount: 0, referenceCount: 0, precision: null, recall: null, f1: null });
  });
});
