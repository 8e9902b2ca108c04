import { describe, expect, it } from 'vitest';
import { compositeStack, type Observation } from '../../pipeline/composite/composite-stack.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { describeWithSharedData, sharedPath } from '../helpers/shared-data.js';

const obs = (values: number[][], clear: number[], extra: Partial<Observation> = {}): Observation => ({ bands: values.map((v) => Float32Array.from(v)), clear: Uint8Array.from(clear), ...extra });

describe('composites', () => {
  it('median of the clear observations per pixel and band (even counts: the mean of the middle two); clear counts', () => {
    const c = compositeStack([
      obs([[1, 5, 9, NaN]], [1, 1, 0, 1]),
      obs([[3, 6, 8, 4]], [1, 0, 1, 1]),
      obs([[2, 7, 7, 2]], [1, 1, 0, 0]),
    ]);
    expect([...c.bands[0]].map((v) => (Number.isNaN(v) ? 'nan' : v))).toEqual([2, 6, 8, 4]);
    // Pixel 3: the first observation has no data there, the third is cloudy: one clear observation.
    expect([...c.clearCount]).toEqual([3, 2, 1, 1]);
  });

  it('best pixel: closest to the target date, then the least cloudy scene; the bands of one observation together', () => {
    const c = compositeStack(
      [
        obs([[1, 1], [10, 10]], [1, 1], { daysFromTarget: 20, cloudShare: 0 }),
        obs([[2, 2], [20, 20]], [0, 1], { daysFromTarget: 3, cloudShare: 0.5 }),
        obs([[3, 3], [30, 30]], [1, 0], { daysFromTarget: 3, cloudShare: 0.1 }),
      ],
      'best',
    );
    expect([...c.bands[0]]).toEqual([3, 2]);
    expect([...c.bands[1]]).toEqual([30, 20]);
  });

  it('a pixel without any clear observation is NaN in every band and 0 in the count', () => {
    const c = compositeStack([obs([[1], [2]], [0]), obs([[3], [4]], [0])]);
    expect(Number.isNaN(c.bands[0][0]) && Number.isNaN(c.bands[1][0])).toBe(true);
    expect(c.clearCount[0]).toBe(0);
    expect(() => compositeStack([obs([[1]], [1]), obs([[1, 2]], [1, 1])])).toThrow(/same bands on the same grid/);
  });
});

describeWithSharedData('the median composite of the five Slovenia dates, clouds masked with CLM', () => {
  it('uses the clear dates only and equals the per-pixel median of their values', async () => {
    const dates = ['2015-07-11', '2015-07-31', '2015-08-20', '2015-08-30', '2015-09-09'];
    const file = (f: string) => sharedPath('02_sentinel2_slovenia_lulc_eolearn/geotiff', f);
    const clm = await openRaster(file('CLM_cloudmask_68dates.tif'));
    const masks = (await clm.read(undefined, { bands: [1, 2, 3, 4, 5] })).bands;
    await clm.close();
    const observations: Observation[] = [];
    for (const [k, d] of dates.entries()) {
      const scene = await openRaster(file(`S2L1C_${d}_13band.tif`));
      const data = await scene.read(undefined, { bands: [4, 8] });
      await scene.close();
      observations.push({ bands: data.bands.map((b) => Float32Array.from(b as Float32Array)), clear: Uint8Array.from(masks[k], (v) => (v === 1 ? 0 : 1)) });
    }
    const c = compositeStack(observations);
    // CLM marks 2015-07-31 and 2015-08-20 cloudy everywhere: three clear observations per pixel.
    expect(new Set(c.clearCount)).toEqual(new Set([3]));
    for (const i of [0, 1234, 5050, 10099]) {
      for (const b of [0, 1]) {
        const clearValues = [0, 3, 4].map((k) => observations[k].bands[b][i]).sort((x, y) => x - y);
        expect(c.bands[b][i]).toBe(clearValues[1]);
      }
    }
  });
});
