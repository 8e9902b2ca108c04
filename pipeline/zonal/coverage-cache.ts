import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../core/atomic-write.js';
import type { GeoTransform, PixelWindow } from '../raster/types.js';

/** How a cell counts as inside a region: its exact covered fraction, its centre, or any touch (GDAL's ALL_TOUCHED). */
export type CoverageMethod = 'exact' | 'centroid' | 'all-touched';

/**
 * One zone's coverage, stored sparsely by row: runs of fully covered cells, and the partly covered cells
 * with their exact fractions. A region of millions of cells needs a few bytes per boundary cell.
 */
export interface CoverageTable {
  window: PixelWindow | null;
  rows: { runs: number[]; cols: number[]; fractions: number[] }[];
}

/** Appends the rows of a band of coverage (row-major, `width` wide) to a table. */
export function appendCoverageRows(table: CoverageTable, fractions: Float64Array, width: number): void {
  for (let r = 0; r < fractions.length / width; r++) {
    const runs: number[] = [];
    const cols: number[] = [];
    const fracs: number[] = [];
    let runStart = -1;
    for (let c = 0; c <= width; c++) {
      const f = c < width ? fractions[r * width + c] : 0;
      if (f === 1) {
        if (runStart < 0) runStart = c;
        continue;
      }
      if (runStart >= 0) runs.push(runStart, c), (runStart = -1);
      if (f > 0 && c < width) cols.push(c), fracs.push(f);
    }
    table.rows.push({ runs, cols, fractions: fracs });
  }
}

/** Rows [from, to) of a table (relative to its window) as dense row-major fractions. */
export function coverageRows(table: CoverageTable, from: number, to: number): Float64Array {
  const width = table.window!.width;
  const out = new Float64Array((to - from) * width);
  for (let r = from; r < to; r++) {
    const { runs, cols, fractions } = table.rows[r];
    const base = (r - from) * width;
    for (let k = 0; k < runs.length; k += 2) out.fill(1, base + runs[k], base + runs[k + 1]);
    for (let k = 0; k < cols.length; k++) out[base + cols[k]] = fractions[k];
  }
  return out;
}

/** What a coverage table depends on: the raster grid, the coverage rule and the exact region set. */
export function coverageKey(grid: { width: number; height: number; geotransform: GeoTransform; proj4: string | null }, method: CoverageMethod, regionSetChecksum: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ v: 1, w: grid.width, h: grid.height, gt: grid.geotransform, crs: grid.proj4, method, regions: regionSetChecksum }))
    .digest('hex');
}

/**
 * Coverage tables on disk, one file per (grid, rule, region-set version), so a recurring run over the same
 * grid and regions does not recompute them. Files are written whole and renamed into place: a crashed run
 * leaves no half table behind.
 */
export class CoverageCache {
  hits = 0;
  misses = 0;

  constructor(private readonly dir: string) {}

  private file(key: string): string {
    return path.join(this.dir, `${key}.coverage.json`);
  }

  load(key: string): CoverageTable[] | null {
    const file = this.file(key);
    if (!existsSync(file)) {
      this.misses++;
      return null;
    }
    try {
      const tables = JSON.parse(readFileSync(file, 'utf8')) as CoverageTable[];
      this.hits++;
      return tables;
    } catch {
      this.misses++; // unreadable: recompute and overwrite
      return null;
    }
  }

  save(key: string, tables: CoverageTable[]): void {
    writeFileAtomicSync(this.file(key), JSON.stringify(tables));
  }
}
