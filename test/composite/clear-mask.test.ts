import { describe, expect, it } from 'vitest';
import { clearMask } from '../../pipeline/composite/clear-mask.js';

describe('clear-sky masks', () => {
  it('Sentinel-2 SCL: no data, defective, shadow, cloud (medium, high) and cirrus are not clear', () => {
    const scl = Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect([...clearMask(scl, 12, { kind: 'scl' })]).toEqual([0, 0, 1, 0, 1, 1, 1, 1, 0, 0, 0, 1]);
    expect([...clearMask(scl, 12, { kind: 'scl', notClear: [8, 9] })]).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1]);
  });

  it('Landsat Collection 2 QA_PIXEL: fill, dilated cloud, cirrus, cloud, shadow bits (real QA values)', () => {
    // 21824 clear land, 21952 clear water, 1 fill, 22280 cloud (high confidence), 23888 cloud shadow, 21826 dilated cloud.
    const qa = Uint16Array.from([21824, 21952, 1, 22280, 23888, 21826]);
    expect([...clearMask(qa, 6, { kind: 'qa' })]).toEqual([1, 1, 0, 0, 0, 0]);
    expect([...clearMask(qa, 6, { kind: 'qa', bits: [3] })]).toEqual([1, 1, 1, 0, 1, 1]);
  });

  it('a 0/1 cloud mask, dilated by a margin; no rule keeps everything', () => {
    const width = 7;
    const cloud = new Uint8Array(49);
    cloud[3 * width + 3] = 1;
    const clear = clearMask(cloud, 49, { kind: 'mask' }, { dilate: 1, width });
    const masked = [...clear].flatMap((v, i) => (v === 0 ? [[i % width, Math.floor(i / width)]] : []));
    expect(masked).toEqual([[2, 2], [3, 2], [4, 2], [2, 3], [3, 3], [4, 3], [2, 4], [3, 4], [4, 4]]);
    expect([...clearMask(null, 3, { kind: 'none' })]).toEqual([1, 1, 1]);
    expect(() => clearMask(null, 3, { kind: 'scl' })).toThrow(/needs a quality band of 3 pixels/);
  });
});
