import type { Command } from 'commander';
import { computeBandStats, type BandStats } from '../../raster/band-stats.js';
import { openRaster } from '../../raster/open-raster.js';
import type { RasterInfo } from '../../raster/types.js';
import { cliSettings } from '../cli-settings.js';
import { createProgress } from '../progress.js';

/** JSON has no NaN: a NaN nodata value is written as the string "nan". */
function jsonNodata(nodata: number | null): number | string | null {
  return nodata !== null && Number.isNaN(nodata) ? 'nan' : nodata;
}

export function infoJson(info: RasterInfo, stats?: BandStats[]) {
  return {
    width: info.width,
    height: info.height,
    bands: info.bands,
    dtype: info.dtype,
    epsg: info.epsg,
    geotransform: info.geotransform,
    nodata: jsonNodata(info.nodata),
    ...(stats && { band_stats: stats.map(({ band, valid_count, min, max, mean }) => ({ band, valid_count, min, max, mean })) }),
  };
}

function describe(info: RasterInfo, stats?: BandStats[]): string {
  const gt = info.geotransform;
  const lines = [
    `File:        ${info.source}`,
    `Size:        ${info.width} x ${info.height} pixels, ${info.bands} band(s), ${info.dtype}`,
    `CRS:         ${info.epsg !== null ? `EPSG:${info.epsg}` : info.proj4 ? 'user-defined' : 'none'}${info.proj4 ? `  (${info.proj4})` : ''}`,
  ];
  if (gt) {
    const corners = [
      [gt[0], gt[3]],
      [gt[0] + gt[1] * info.width + gt[2] * info.height, gt[3] + gt[4] * info.width + gt[5] * info.height],
    ];
    lines.push(
      `Geotransform: [${gt.join(', ')}]`,
      `Pixel size:  ${Math.hypot(gt[1], gt[4])} x ${Math.hypot(gt[2], gt[5])}${gt[2] || gt[4] ? ' (rotated)' : ''}`,
      `Bounds:      (${corners[0].join(', ')}) - (${corners[1].join(', ')})${info.pixelIsPoint ? '  [PixelIsPoint]' : ''}`,
    );
  } else {
    lines.push('Geotransform: none (not georeferenced)');
  }
  lines.push(
    `Nodata:      ${info.nodata === null ? 'none' : String(info.nodata)}`,
    `Layout:      ${info.tiled ? 'tiles' : 'strips'} of ${info.blockWidth} x ${info.blockHeight}, ${info.interleave} interleaved, ${info.compression}${info.predictor > 1 ? ` + predictor ${info.predictor}` : ''}, ${info.overviewCount} overview(s)`,
  );
  const described = info.bandDescriptions.some((d) => d);
  if (described) lines.push(`Bands:       ${info.bandDescriptions.map((d, i) => `${i + 1}=${d ?? '-'}`).join(', ')}`);
  if (stats) {
    lines.push('', 'band  valid_count  min  max  mean');
    for (const s of stats) lines.push(`${s.band}  ${s.valid_count}  ${s.min ?? '-'}  ${s.max ?? '-'}  ${s.mean ?? '-'}`);
  }
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('info')
    .description('describe a GeoTIFF/COG (local path or http(s) URL)')
    .argument('<file>', 'raster file or URL')
    .option('--json', 'print one JSON object: width, height, bands, dtype, epsg, geotransform (GDAL order), nodata ("nan" for NaN)')
    .option('--stats', 'also compute per-band valid_count, min, max, mean (nodata and NaN excluded)')
    .action(async (file: string, opts: { json?: boolean; stats?: boolean }) => {
      const reader = await openRaster(file, cliSettings().raster);
      try {
        let stats: BandStats[] | undefined;
        if (opts.stats) {
          const progress = opts.json ? null : createProgress('statistics');
          stats = await computeBandStats(reader, (done, total) => progress?.update(done / total));
          progress?.stop();
        }
        process.stdout.write(`${opts.json ? JSON.stringify(infoJson(reader.info, stats)) : describe(reader.info, stats)}\n`);
      } finally {
        await reader.close();
      }
    });
}
