import { parentPort, workerData } from 'node:worker_threads';
import { isSatError } from '../core/errors.js';
import { crsOf, requireGeoreferenced } from '../raster/georeferenced.js';
import { openRaster } from '../raster/open-raster.js';
import { cellAreaFunction } from './cell-area.js';
import type { ThreadZonalRequest } from './zonal-thread.js';
import { zonalStatistics } from './zonal-statistics.js';

/** One zonalStatistics call on its own thread (zonal-thread.ts): opens the file, scans, posts the result. */
const { file, zones, options } = workerData as ThreadZonalRequest;
const port = parentPort!;

try {
  const raster = await openRaster(file, { decodeThreads: 1 });
  try {
    const info = requireGeoreferenced(raster.info, file);
    const { trueCellArea, ...rest } = options;
    const stats = await zonalStatistics(raster, zones, {
      ...rest,
      cellArea: trueCellArea ? cellAreaFunction(info.geotransform, crsOf(info)) : undefined,
      onProgress: (done, total) => port.postMessage({ type: 'progress', done, total }),
    });
    port.postMessage({ type: 'result', stats });
  } finally {
    await raster.close();
  }
} catch (err) {
  port.postMessage({ type: 'error', message: (err as Error).message, code: isSatError(err) ? err.code : null });
}
