/** Point queries against rasterstats' facts (06/rasterstats_expected.json: point_query_cases, bilinear_window_cases). */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { bilinear, bilinearWindow, pointQuery } from '../../pipeline/zonal/point-query.js';
import { describeWithSharedData, hasSharedData, sharedPath } from '../helpers/shared-data.js';

const dir = (f: string) => sharedPath('06_zonal_stats_reference', f);
const expected = hasSharedData ? JSON.parse(readFileSync(dir('rasterstats_expected.json'), 'utf8')) : {};

describeWithSharedData('point queries', () => {
  it('nearest and bilinear values, nodata fallbacks and points off the grid', async () => {
    for (const c of expected.point_query_cases) {
      const reader = await openRaster(dir(`rasterstats_data/${c.raster}`));
      const modes = c.interpolate === 'bilinear or nearest' ? ['bilinear', 'nearest'] : [c.interpolate];
      for (const mode of modes) {
        const [v] = await pointQuery(reader, [c.point], { interpolate: mode });
        if ('expected' in c && c.expected === null) expect(v, JSON.stringify(c)).toBeNull();
        else expect(Math.round(v!), JSON.stringify(c)).toBe(c.expected_rounded);
      }
      await reader.close();
    }
  });

  it('the 2 x 2 window and the position in its unit square', async () => {
    const reader = await openRaster(dir('rasterstats_data/slope.tif'));
    for (const c of expected.bilinear_window_cases.cases) {
      const { window, unitX, unitY } = bilinearWindow(reader.info.geotransform!, c.point[0], c.point[1]);
      expect([window.row, window.row + 2]).toEqual(c.window_rows);
      expect([window.col, window.col + 2]).toEqual(c.window_cols);
      expect(c.unit_x === '>0.5' ? unitX > 0.5 : unitX < 0.5).toBe(true);
      expect(c.unit_y === '>0.5' ? unitY > 0.5 : unitY < 0.5).toBe(true);
    }
    await reader.close();
    const { array_rows_top_to_bottom: square, results } = expected.bilinear_window_cases.bilinear_on_array;
    for (const r of results) expect(bilinear(square, r.x, r.y)).toBe(r.value);
  });
});
