/**
 * Every file of ../shared/data/04 and 05 decodes to what GDAL 3.6.2 decodes (expected_decoding.json, written by
 * others with GDAL + numpy): structure, georeferencing, nodata, per-band statistics, probe pixels, SHA-256.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { computeBandStats } from '../../pipeline/raster/band-stats.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { describeWithSharedData, hasSharedData, sharedPath } from '../helpers/shared-data.js';
import { sha256Bands } from '../helpers/sha256.js';

interface ExpectedBand {
  band: number;
  valid_count: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  pixel_r0_c0: number | null;
  pixel_center: number | null;
}
interface ExpectedFile {
  file: string;
  width: number;
  height: number;
  bands: number;
  dtype: string;
  compression: string;
  nodata: number | string | null;
  epsg: number | null;
  geotransform: number[];
  overview_count?: number;
  pixel_is_point: boolean;
  tiled: boolean;
  block_w_h: [number, number];
  band_stats: ExpectedBand[];
  sha256_band_sequential_le?: string;
}

const sets = ['04_landsat_sentinel_geotiffs', '05_geotiff_format_variants'];

function expectedFiles(set: string): ExpectedFile[] {
  if (!hasSharedData) return [];
  return JSON.parse(readFileSync(sharedPath(set, 'expected_decoding.json'), 'utf8')).files;
}

/** GDAL decodes JPEG with libjpeg's "fancy" (triangular) chroma upsampling; geotiff.js's decoder replicates chroma. */
const isJpeg = (f: ExpectedFile) => /JPEG/i.test(f.compression);

function close(actual: number | null, expected: number | null, relative = 1e-9): void {
  if (expected === null) return expect(actual).toBeNull();
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(Math.abs(expected) * relative + 1e-12);
}

for (const set of sets) {
  describeWithSharedData(`decoding ${set} like GDAL`, () => {
    for (const f of expectedFiles(set)) {
      it(f.file, async () => {
        const reader = await openRaster(sharedPath(set, f.file));
        try {
          const { info } = reader;
          expect([info.width, info.height, info.bands]).toEqual([f.width, f.height, f.bands]);
          expect(info.dtype).toBe(f.dtype.toLowerCase().replace('byte', 'uint8'));
          expect(info.epsg).toBe(f.epsg);
          expect(info.geotransform).toEqual(f.geotransform);
          expect(info.pixelIsPoint).toBe(f.pixel_is_point);
          expect(info.tiled).toBe(f.tiled);
          expect([info.blockWidth, info.blockHeight]).toEqual(f.block_w_h);
          if (f.overview_count !== undefined) expect(info.overviewCount).toBe(f.overview_count);
          if (f.nodata === null) expect(info.nodata).toBeNull();
          else if (f.nodata === 'nan' || Number.isNaN(Number(f.nodata))) expect(info.nodata).toBeNaN();
          else expect(info.nodata).toBe(Number(f.nodata));

          const data = await reader.read();
          const centre = Math.floor(f.height / 2) * f.width + Math.floor(f.width / 2);
          const stats = await computeBandStats(reader);
          const tolerance = isJpeg(f) ? 2 : 0; // see isJpeg: measured mean |diff| < 0.3, probes within 2
          for (const [b, e] of f.band_stats.entries()) {
            expect(stats[b].valid_count).toBe(e.valid_count);
            if (tolerance === 0) {
              close(stats[b].min, e.min);
              close(stats[b].max, e.max);
              close(stats[b].mean, e.mean);
              if (e.pixel_r0_c0 !== null) close(data.bands[b][0], e.pixel_r0_c0, 0);
              if (e.pixel_center !== null) close(data.bands[b][centre], e.pixel_center, 0);
            } else {
              expect(Math.abs(stats[b].mean! - e.mean!)).toBeLessThan(0.3);
              expect(Math.abs(data.bands[b][0] - e.pixel_r0_c0!)).toBeLessThanOrEqual(tolerance);
              expect(Math.abs(data.bands[b][centre] - e.pixel_center!)).toBeLessThanOrEqual(tolerance);
            }
          }
          if (f.sha256_band_sequential_le && !isJpeg(f)) expect(sha256Bands(data.bands)).toBe(f.sha256_band_sequential_le);
        } finally {
          await reader.close();
        }
      });
    }
  });
}

describeWithSharedData('lossless variants', () => {
  it('the 18 lossless UInt16 variants in 05 decode to one array (README: they share one SHA-256)', async () => {
    const dir = sharedPath('05_geotiff_format_variants', 'generated_from_real');
    const files = expectedFiles('05_geotiff_format_variants')
      .filter((f) => f.file.startsWith('generated_from_real/l8rgb_u16') && f.nodata === null)
      .map((f) => path.join(dir, path.basename(f.file)));
    const hashes = new Set<string>();
    for (const file of files) {
      const reader = await openRaster(file);
      hashes.add(sha256Bands((await reader.read()).bands));
      await reader.close();
    }
    expect(files.length).toBeGreaterThanOrEqual(15);
    expect(hashes.size).toBe(1);
  });
});
