/** Building counts per region: components at least minPixels large, each in the region of its centroid pixel. */
import { expect, it } from 'vitest';
import { countBuildingsByRegion } from '../../pipeline/statistics/count-buildings.js';
import { inlineRaster } from '../helpers/inline-raster.js';

const box = (x0: number, x1: number) => ({ type: 'Polygon' as const, coordinates: [[[x0, 0], [x1, 0], [x1, 6], [x0, 6], [x0, 0]]] });

it('counts each building once, in the region holding its centroid, and drops specks below the minimum size', async () => {
  // 12 x 6 map (x = column, y up), class 1 = building. West region: x 0..6, east: 6..12.
  const map = await inlineRaster([
    [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    [1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0],
    [0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0],
    [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2],
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1],
    [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1],
  ]);
  const regions = [
    { id: 'west', geometry: box(0, 6) },
    { id: 'east', geometry: box(6, 12) },
  ];
  // Components of >= 2 px: the 2x2 block and the 3-px run at the bottom left, the 10-px block straddling the
  // border (centroid column 6: east), the 2x2 block at the east edge; the single pixels at (11, 0) and (1, 3) are specks.
  expect(Object.fromEntries(await countBuildingsByRegion(map, regions, 1, 2))).toEqual({ west: 2, east: 2 });
  expect(Object.fromEntries(await countBuildingsByRegion(map, regions, 1, 1))).toEqual({ west: 3, east: 3 });
  expect(Object.fromEntries(await countBuildingsByRegion(map, regions, 1, 5))).toEqual({ west: 0, east: 1 });
  await map.close();
});
