import { SatError } from '../core/errors.js';
import { openRaster, type RasterReader } from '../raster/open-raster.js';
import type { StageContext } from './stage-context.js';

/**
 * Stage "ingest": open the imagery (local path or http(s) URL) and check that it can be analysed:
 * georeferenced, with a known CRS. Returns the open reader; its `info` is the scene metadata artifact.
 */
export async function ingest(imagery: string, ctx: StageContext): Promise<RasterReader> {
  const reader = await openRaster(imagery, ctx.settings.raster);
  const { info } = reader;
  const problem = !info.geotransform ? 'has no georeferencing (no geotransform)' : !info.proj4 ? 'has no coordinate reference system' : null;
  if (problem) {
    await reader.close();
    throw new SatError('E_INPUT', `${imagery}: ${problem}; the pipeline needs georeferenced imagery`);
  }
  ctx.logger.info({ imagery, width: info.width, height: info.height, bands: info.bands, dtype: info.dtype, epsg: info.epsg }, 'ingested');
  return reader;
}
