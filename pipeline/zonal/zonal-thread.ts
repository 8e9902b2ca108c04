import { SatError, type SatErrorCode } from '../core/errors.js';
import { startWorker } from '../core/worker-url.js';
import type { Zone, ZonalOptions, ZoneStats } from './zonal-statistics.js';

/** What a zonal thread is given: a local raster file, zones in its CRS, and the options that can cross threads. */
export interface ThreadZonalRequest {
  file: string;
  zones: Zone[];
  options: Pick<ZonalOptions, 'method' | 'band' | 'categorical' | 'nodata' | 'defaultValue' | 'minCoverage' | 'coverageWeight'> & {
    /** Class areas from the true ground area of each cell (cellAreaFunction on the file's own grid and CRS). */
    trueCellArea?: boolean;
  };
}

/**
 * zonalStatistics of a raster file on a worker thread of its own: two scans that do not depend on each other (aggregate's
 * class map and pixel status) then run on two cores instead of one after the other. The same function computes
 * the result, so it equals the in-thread call's; errors come back with their message and SatError code.
 */
export function zonalStatisticsInThread(request: ThreadZonalRequest, onProgress?: (done: number, total: number) => void): Promise<ZoneStats[]> {
  const worker = startWorker(import.meta.url, './zonal-worker', { workerData: request });
  return new Promise<ZoneStats[]>((resolve, reject) => {
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      f();
      void worker.terminate();
    };
    worker.on('message', (msg: { type: 'progress'; done: number; total: number } | { type: 'result'; stats: ZoneStats[] } | { type: 'error'; message: string; code: SatErrorCode | null }) => {
      if (msg.type === 'progress') onProgress?.(msg.done, msg.total);
      else if (msg.type === 'result') settle(() => resolve(msg.stats));
      else settle(() => reject(msg.code ? new SatError(msg.code, msg.message) : new Error(msg.message)));
    });
    worker.on('error', (err) => settle(() => reject(err)));
    worker.on('exit', (code) => settle(() => reject(new Error(`zonal statistics thread exited (code ${code}) before its result`))));
  });
}
