import type { Command } from 'commander';
import { csvField } from '../../export/csv-field.js';
import { SatError } from '../../core/errors.js';
import { parseCrs, type Crs } from '../../geo/crs.js';
import { openRaster } from '../../raster/open-raster.js';
import { cellAreaFunction } from '../../zonal/cell-area.js';
import { CoverageCache, coverageKey } from '../../zonal/coverage-cache.js';
import { loadRegions, regionsInCrs } from '../../zonal/load-regions.js';
import { geodesicArea } from '../../zonal/region-area.js';
import type { CoverageMethod } from '../../zonal/coverage-cache.js';
import { zonalStatistics, type ZoneStats } from '../../zonal/zonal-statistics.js';
import { cliSettings } from '../cli-settings.js';
import { integerOption, numberOption } from '../parse-options.js';
import { createProgress } from '../progress.js';

const METHODS: CoverageMethod[] = ['exact', 'centroid', 'all-touched'];

function toCsv(stats: (ZoneStats & { region_area_m2: number })[], categorical: boolean): string {
  const head = ['id', 'count', 'sum', 'mean', 'min', 'max', 'std', 'nodata', 'nan', 'region_area_m2'];
  if (stats.some((s) => s.weighted_mean !== undefined)) head.push('weighted_sum', 'weighted_mean');
  if (stats.some((s) => s.variety !== undefined)) head.push('median', 'majority', 'minority', 'variety', 'range');
  if (categorical) {
    const lines = ['id,class,count,area_m2,fraction,weighted_fraction'];
    for (const s of stats) for (const [k, c] of Object.entries(s.classes ?? {})) lines.push([s.id, k, c.count, c.area_m2, c.fraction, c.weighted_fraction].map(csvField).join(','));
    return `${lines.join('\n')}\n`;
  }
  return `${[head.join(','), ...stats.map((s) => head.map((k) => csvField((s as unknown as Record<string, unknown>)[k])).join(','))].join('\n')}\n`;
}

export function register(program: Command): void {
  program
    .command('zonal')
    .description('statistics of a raster per region: exact cell coverage (or pixel-centre / all-touched), true areas')
    .argument('<raster>', 'raster file or URL')
    .argument('<regions>', 'regions as GeoJSON (any CRS its "crs" member or EPSG:4326 implies)')
    .requiredOption('--id-field <field>', 'property holding each region\'s unique id')
    .option('--band <n>', 'band of the raster', integerOption('--band'), 1)
    .option('--method <m>', `how cells count: ${METHODS.join(', ')}`, 'exact')
    .option('--categorical', 'per class value: covered cells, area in m² and share of the region')
    .option('--weights <raster>', 'weights raster on the same grid (e.g. population): adds weighted_sum and weighted_mean')
    .option('--regions-crs <crs>', 'the CRS of the regions\' coordinates when their file says nothing or the wrong thing ("raster" = the raster\'s)')
    .option('--detail', 'also median, quartiles, majority, minority, variety and range')
    .option('--nodata <value>', 'use this nodata value instead of the raster\'s ("none": every value counts)')
    .option('--coverage-cache <dir>', 'keep coverage tables here and reuse them on later runs over the same grid and regions')
    .option('--format <f>', 'json or csv', 'json')
    .action(async (rasterPath: string, regionsPath: string, opts) => {
      if (!METHODS.includes(opts.method)) throw new SatError('E_INPUT', `--method must be one of ${METHODS.join(', ')} (got "${opts.method}")`);
      if (!['json', 'csv'].includes(opts.format)) throw new SatError('E_INPUT', `--format must be json or csv (got "${opts.format}")`);
      const settings = cliSettings();
      const raster = await openRaster(rasterPath, settings.raster);
      const weights = opts.weights ? await openRaster(opts.weights, settings.raster) : undefined;
      try {
        const { info } = raster;
        if (!info.geotransform) throw new SatError('E_INPUT', `${rasterPath}: has no georeferencing`);
        if (weights && (weights.info.width !== info.width || weights.info.height !== info.height || JSON.stringify(weights.info.geotransform) !== JSON.stringify(info.geotransform))) {
          throw new SatError('E_INPUT', `${opts.weights}: the weights raster is not on the grid of ${rasterPath}`);
        }
        const rasterCrs: Crs | null = info.proj4 ? { epsg: info.epsg, proj4: info.proj4 } : null;
        let override: Crs | undefined;
        if (opts.regionsCrs === 'raster') {
          if (!rasterCrs) throw new SatError('E_INPUT', `${rasterPath}: has no CRS, so --regions-crs raster means nothing`);
          override = rasterCrs;
        } else if (opts.regionsCrs) {
          override = parseCrs(opts.regionsCrs);
        }
        const set = loadRegions(regionsPath, opts.idField, { crs: override, limits: settings.limits });
        if (!rasterCrs) throw new SatError('E_INPUT', `${rasterPath}: has no CRS, so the regions cannot be placed on it`);
        const zones = regionsInCrs(set, rasterCrs);
        const progress = createProgress('zonal');
        const stats = await zonalStatistics(raster, zones, {
          method: opts.method,
          band: opts.band,
          categorical: Boolean(opts.categorical),
          detail: Boolean(opts.detail),
          nodata: opts.nodata === undefined ? undefined : opts.nodata === 'none' ? null : numberOption('--nodata')(opts.nodata),
          weights,
          cellArea: opts.categorical ? cellAreaFunction(info.geotransform, rasterCrs) : undefined,
          onProgress: (done, total) => progress.update(done / total),
          coverageCache: opts.coverageCache
            ? { cache: new CoverageCache(opts.coverageCache), key: coverageKey({ ...info, geotransform: info.geotransform }, opts.method, set.checksum) }
            : undefined,
        });
        progress.stop();
        // Regions that miss the raster give zeros, which look like answers: say so when all of them do.
        if (stats.length > 0 && stats.every((s) => !(Number(s.count) > 0) && !(Number(s.nodata) > 0) && !(Number(s.nan) > 0))) {
          process.stderr.write(`warning: none of the ${stats.length} regions of ${regionsPath} overlaps ${rasterPath}: every count is 0 (are the regions' coordinates in the CRS ${opts.regionsCrs ? `--regions-crs ${opts.regionsCrs}` : 'their file'} says?)\n`);
        }
        // Each region's true area on the ellipsoid, whatever part of it the raster covers.
        const withArea = stats.map((s, i) => ({ ...s, region_area_m2: geodesicArea(set.regions[i].geometry, set.crs) }));
        process.stdout.write(opts.format === 'csv' ? toCsv(withArea, Boolean(opts.categorical)) : `${JSON.stringify(withArea, null, 1)}\n`);
      } finally {
        await raster.close();
        await weights?.close();
      }
    });
}
