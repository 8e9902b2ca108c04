/** Dataset metadata (GDAL_METADATA items, TIFF text tags, AREA_OR_POINT) as gdalinfo reports its default domain. */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { gdalinfoJson, hasGdal } from '../helpers/gdal.js';
import { describeWithSharedData, hasSharedData, sharedPath } from '../helpers/shared-data.js';

function tiffs(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? tiffs(file) : /\.tiff?$/i.test(name) ? [file] : [];
  });
}

describeWithSharedData('dataset metadata', () => {
  const files = hasSharedData ? ['02_sentinel2_slovenia_lulc_eolearn', '04_landsat_sentinel_geotiffs', '05_geotiff_format_variants'].flatMap((d) => tiffs(sharedPath(d))) : [];
  it.runIf(hasGdal)(`equals gdalinfo's default domain for all ${files.length} shared GeoTIFFs`, async () => {
    expect(files.length).toBeGreaterThan(60);
    const differ: string[] = [];
    for (const file of files) {
      const reader = await openRaster(file);
      const ours = reader.info.metadata;
      await reader.close();
      // GDAL also reads sidecar files (a Landsat MTL gives METADATATYPE); we read the TIFF alone.
      const info = gdalinfoJson(file);
      const gdal: Record<string, string> = { ...(info.metadata?.[''] ?? {}) };
      if ((info.files as string[]).some((f) => /_MTL\.txt$/.test(f))) delete gdal.METADATATYPE;
      if (JSON.stringify(ours) !== JSON.stringify(Object.fromEntries(Object.entries(gdal).sort(([a], [b]) => a.localeCompare(b))))) differ.push(`${path.relative(sharedPath(), file)}: ours ${JSON.stringify(ours)}, GDAL ${JSON.stringify(gdal)}`);
    }
    expect(differ).toEqual([]);
  });
});
