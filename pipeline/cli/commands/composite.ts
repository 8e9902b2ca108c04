import type { Command } from 'commander';
import { SatError } from '../../core/errors.js';
import { parseCrs } from '../../geo/crs.js';
import { compositePeriod } from '../../workflows/composite-period.js';
import { cliSettings } from '../cli-settings.js';
import { integerOption, numberOption } from '../parse-options.js';
import { createProgress } from '../progress.js';
import { list, queryFrom, type QueryOptions } from '../stac-query.js';

interface CompositeOptions extends QueryOptions {
  items: string;
  crs?: string;
  resolution: number;
  bands: string;
  method: string;
  mask: string;
  dilate: number;
  resampling: string;
  targetDate?: string;
  limit: number;
  out: string;
  json?: boolean;
}

const METHODS = ['median', 'best'] as const;
const MASKS = ['scl', 'qa', 'none'] as const;
const RESAMPLINGS = ['bilinear', 'cubic'] as const;

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new SatError('E_INPUT', `${flag} must be one of ${allowed.join(', ')} (got '${value}')`);
  return value as T;
}

export function register(program: Command): void {
  program
    .command('composite')
    .description('the analysis-ready composite of an area and a period from a STAC source: composite.tif, clear_count.tif and item.json in --out')
    .requiredOption('--items <file|url>', 'an ItemCollection/Item (file or URL), a static catalogue, or a STAC API landing page')
    .option('--aoi <geojson>', 'area of interest: a GeoJSON Polygon/MultiPolygon in any CRS')
    .option('--bbox <W,S,E,N>', 'area of interest as a WGS84 box')
    .requiredOption('--datetime <START/END>', 'the period: dates (whole days) or RFC 3339 date-times')
    .option('--crs <crs>', 'the grid CRS, e.g. EPSG:3035 (default: the UTM zone of the area)')
    .requiredOption('--resolution <m>', 'cell size in CRS units; edges on multiples of it', numberOption('--resolution'))
    .requiredOption('--bands <names>', 'comma-separated bands in output order (common names such as red,nir,swir16 or asset keys)')
    .option('--method <m>', 'median (of the clear observations) or best (closest to --target-date, then least cloudy)', 'median')
    .option('--mask <kind>', 'clear-sky mask: scl (Sentinel-2 L2A), qa (Landsat QA_PIXEL) or none', 'scl')
    .option('--dilate <px>', 'margin of masked pixels grown around clouds', integerOption('--dilate'), 0)
    .option('--resampling <r>', 'for reflectance bands: bilinear or cubic (quality bands: nearest)', 'bilinear')
    .option('--target-date <date>', 'best pixel: the date the period is about (default: its middle)')
    .option('--collections <ids>', 'comma-separated collection ids')
    .option('--max-cloud <percent>', 'only items with eo:cloud_cover below this', numberOption('--max-cloud'))
    .option('--limit <n>', 'most items read', integerOption('--limit'), 500)
    .requiredOption('--out <dir>', 'output folder (replaced only when complete)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: CompositeOptions) => {
      const bar = opts.json ? null : createProgress('composite');
      const result = await compositePeriod({
        stac: opts.items,
        query: queryFrom(opts),
        crs: opts.crs ? parseCrs(opts.crs) : undefined,
        resolution: opts.resolution,
        bands: list(opts.bands),
        method: oneOf('--method', opts.method, METHODS),
        mask: oneOf('--mask', opts.mask, MASKS),
        dilate: opts.dilate,
        resampling: oneOf('--resampling', opts.resampling, RESAMPLINGS),
        targetDate: opts.targetDate,
        maxItems: opts.limit,
        out: opts.out,
        settings: cliSettings(),
        onProgress: (f) => bar?.update(f),
      });
      bar?.stop();
      const { grid } = result;
      const summary = { out: result.out, items: result.items.length, acquisitions: result.acquisitions.length, grid: { epsg: grid.crs.epsg, width: grid.width, height: grid.height, geotransform: grid.geotransform }, pixels_without_clear_observation: result.noClearPixels };
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        return;
      }
      process.stdout.write(
        `${result.out}: composite.tif, clear_count.tif, item.json — ${result.items.length} item(s) in ${result.acquisitions.length} acquisition(s), ` +
          `${grid.width} x ${grid.height} cells of ${grid.resolution} in EPSG:${grid.crs.epsg}; ${result.noClearPixels} cell(s) without a clear observation\n`,
      );
      if (result.noClearPixels === grid.width * grid.height) process.stderr.write('sat: warning: no cell has a clear observation in the period: the composite is empty\n');
    });
}
