/**
 * The fuzz targets: each takes a file (all three readers take paths) and either succeeds or throws a SatError.
 * Used by the fuzzer's child process (fuzz/child.ts) and in-process by test/fuzz-regressions.test.ts.
 */
import { openRaster } from '../pipeline/raster/open-raster.js';
import { loadRegions } from '../pipeline/zonal/load-regions.js';
import { readAoi } from '../pipeline/tiling/aoi.js';
import { parseJobSpec } from '../pipeline/jobs/job-spec.js';
import { isSatError } from '../pipeline/core/errors.js';
import { readFileSync } from 'node:fs';

export type TargetName = 'tiff' | 'regions' | 'jobspec';
export const TARGET_NAMES: TargetName[] = ['tiff', 'regions', 'jobspec'];

export interface Target {
  name: TargetName;
  /** Extension the input file is written with. */
  ext: string;
  /**
   * Runs the input through the reader(s); throws what they throw (the first step's error), else returns what each
   * later step did ('ok' or its SatError), which the fuzzer uses as a cheap behaviour signal.
   */
  run(file: string): Promise<string>;
}

/** Runs `fn`, swallowing SatErrors only: the contract is success or a SatError. */
async function satOk(fn: () => unknown | Promise<unknown>): Promise<string> {
  try {
    await fn();
    return 'ok';
  } catch (err) {
    if (!isSatError(err)) throw err;
    return `${err.code} ${err.message.slice(0, 80)}`;
  }
}

const tiff: Target = {
  name: 'tiff',
  ext: '.tif',
  async run(file) {
    const reader = await openRaster(file, { decodeThreads: 1, blockCacheMB: 16 });
    try {
      const { width, height } = reader.info;
      JSON.stringify(reader.info);
      const steps = [`${reader.info.dtype} ${reader.info.bands}`];
      steps.push(await satOk(() => reader.read({ col: 0, row: 0, width: Math.max(1, Math.min(32, width)), height: Math.max(1, Math.min(32, height)) })));
      // a window across the far corner: edge blocks, partial tiles, fill outside the raster
      steps.push(await satOk(() => reader.read({ col: Math.max(0, width - 8), row: Math.max(0, height - 8), width: 16, height: 16 }, { bands: [1] })));
      steps.push(await satOk(() => reader.readMask({ col: 0, row: 0, width: Math.max(1, Math.min(16, width)), height: Math.max(1, Math.min(16, height)) })));
      return steps.join(' | ');
    } finally {
      await reader.close();
    }
  },
};

const regions: Target = {
  name: 'regions',
  ext: '.geojson',
  async run(file) {
    const first = await satOk(() => {
      try {
        return loadRegions(file, 'id');
      } catch (err) {
        // a real boundary file keys its regions by another field: retry with the first one the error lists
        const m = isSatError(err) ? /has no "id" \(its fields: ([^,)]+)/.exec(err.message) : null;
        if (m && m[1] !== 'none') return loadRegions(file, m[1]);
        throw err;
      }
    });
    return `${first} | ${await satOk(() => readAoi(file))}`;
  },
};

const jobspec: Target = {
  name: 'jobspec',
  ext: '.yaml',
  async run(file) {
    return satOk(() => parseJobSpec(readFileSync(file, 'utf8'), file));
  },
};

export const TARGETS: Record<TargetName, Target> = { tiff, regions, jobspec };
