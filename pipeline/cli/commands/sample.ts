import type { Command } from 'commander';
import { SatError } from '../../core/errors.js';
import { drawStratifiedSample, type RegionStrata } from '../../assess/draw-sample.js';
import { labelFromRaster, writeSample } from '../../assess/sample-files.js';
import { openRaster, type RasterReader } from '../../raster/open-raster.js';
import { loadRegions, regionsInCrs } from '../../zonal/load-regions.js';
import { regionIndexRaster } from '../../zonal/region-index-raster.js';
import { cliSettings } from '../cli-settings.js';
import { integerOption } from '../parse-options.js';

export function register(program: Command): void {
  program
    .command('sample')
    .description('a stratified random sample of a class map (strata = map classes, or region x map class with --regions) for reference labelling, as CSV or GeoJSON')
    .requiredOption('--map <tif>', 'class map (e.g. classes.tif from sat predict)')
    .requiredOption('--size <n>', 'total sample size', integerOption('--size'))
    .requiredOption('--out <file>', 'sample file: .csv or .geojson')
    .option('--min-per-stratum <n>', 'floor for every class (rare ones included); the rest is allocated proportionally', integerOption('--min-per-stratum'), 50)
    .option('--seed <n>', 'random seed', integerOption('--seed'), 1)
    .option('--regions <geojson>', 'official regions: strata become region x map class, so every region gets its own error matrix')
    .option('--id-field <field>', 'the regions\' id property (with --regions)')
    .option('--reference <tif>', 'a reference raster on the map\'s grid: fill in each point\'s reference class from it')
    .action(async (opts) => {
      if (!/\.(csv|geojson|json)$/i.test(opts.out)) throw new SatError('E_INPUT', `--out must end in .csv or .geojson (got ${opts.out})`);
      if (opts.size < 1) throw new SatError('E_INPUT', `--size must be at least 1 (got ${opts.size})`);
      const settings = cliSettings();
      const readers: RasterReader[] = [];
      try {
        const map = await openRaster(opts.map, settings.raster);
        readers.push(map);
        let regions: RegionStrata | undefined;
        if (opts.regions) {
          if (!opts.idField) throw new SatError('E_INPUT', '--regions needs --id-field (the property holding each region\'s id)');
          const set = loadRegions(opts.regions, opts.idField, { limits: settings.limits });
          const zones = regionsInCrs(set, { epsg: map.info.epsg, proj4: map.info.proj4! });
          regions = { index: regionIndexRaster(zones, { width: map.info.width, height: map.info.height, geotransform: map.info.geotransform! }), ids: zones.map((z) => String(z.id)) };
        }
        const sample = await drawStratifiedSample(map, { total: opts.size, minPerStratum: opts.minPerStratum, seed: opts.seed, regions });
        let references: Map<number, number> | undefined;
        if (opts.reference) {
          const reference = await openRaster(opts.reference, settings.raster);
          readers.push(reference);
          references = new Map((await labelFromRaster(sample, reference, map.info)).map((p) => [p.id, p.reference]));
        }
        await writeSample(sample, opts.out, references);
        process.stdout.write(
          [
            `${opts.out}: ${sample.points.length} points (seed ${sample.seed})${references ? ', reference classes filled in' : ', reference column to fill in'}`,
            ...sample.strata.map((s) => `  ${s.region === undefined ? '' : `region ${s.region}, `}class ${String(s.stratum).padStart(3)}: ${String(s.sampleSize).padStart(5)} points of ${s.pixels} px`),
            '',
          ].join('\n'),
        );
      } finally {
        await Promise.all(readers.map((r) => r.close()));
      }
    });
}
