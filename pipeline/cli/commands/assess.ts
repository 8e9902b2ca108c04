import type { Command } from 'commander';
import { assessMap } from '../../assess/assess-map.js';
import { INTERVAL_METHODS, type Interval, type IntervalMethod } from '../../assess/estimate-areas.js';
import { readLabelledSample } from '../../assess/sample-files.js';
import type { Settings } from '../../config/settings.js';
import { SatError } from '../../core/errors.js';
import type { RasterReader } from '../../raster/open-raster.js';
import { aggregateRegions } from '../../statistics/aggregate-regions.js';
import { assessRegions } from '../../assess/assess-regions.js';
import { loadRegions, regionsInCrs } from '../../zonal/load-regions.js';
import { loadClassScheme } from '../../model/class-scheme.js';
import { openRaster } from '../../raster/open-raster.js';
import { cliSettings } from '../cli-settings.js';
import { numberOption } from '../parse-options.js';

function intervalOption(value: string): IntervalMethod {
  if (!(INTERVAL_METHODS as string[]).includes(value)) throw new SatError('E_INPUT', `--interval must be one of ${INTERVAL_METHODS.join(', ')} (got '${value}')`);
  return value as IntervalMethod;
}

const ha = (v: number | null) => (v === null ? '-' : v.toFixed(1));
const pct = (i: Interval | null) => (i === null ? '-' : `${(100 * i.estimate).toFixed(1)} ± ${i.halfWidth === null ? '?' : (100 * i.halfWidth).toFixed(1)}`);

export function register(program: Command): void {
  program
    .command('assess')
    .description('error-adjusted areas with confidence intervals and accuracies (Olofsson et al. 2014) from a class map and a labelled sample')
    .requiredOption('--map <tif>', 'the class map the sample was drawn from')
    .requiredOption('--sample <file>', 'labelled sample (.csv or .geojson, as sat sample writes it, reference column filled)')
    .option('--reference-field <name>', 'column/property holding the reference class', 'reference')
    .option('--confidence <level>', 'confidence level of the intervals', numberOption('--confidence'), 0.95)
    .option('--interval <method>', `how intervals are made: adjusted (keeps its coverage where errors are rare) or wald (Olofsson et al. as published)`, intervalOption, 'adjusted')
    .option('--classes <scheme>', 'class scheme for names (built-in or YAML file)')
    .option('--regions <geojson>', 'official regions: estimates per region (own sample with region x class strata, else domain estimates) and national figures')
    .option('--id-field <field>', 'the regions\' id property (with --regions)')
    .option('--json', 'print the result as JSON')
    .action(async (opts) => {
      const settings = cliSettings();
      const names = opts.classes ? new Map(loadClassScheme(opts.classes).map((c) => [c.id, c.name])) : new Map<number, string>();
      if (opts.regions) {
        if (!opts.idField) throw new SatError('E_INPUT', '--regions needs --id-field (the property holding each region\'s id)');
        await assessByRegion(opts, names, settings);
        return;
      }
      const points = readLabelledSample(opts.sample, opts.referenceField);
      const map = await openRaster(opts.map, settings.raster);
      let result;
      try {
        result = await assessMap(map, points, { confidence: opts.confidence, interval: opts.interval });
      } finally {
        await map.close();
      }
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const e = result.estimation;
      const level = `${Math.round(e.confidence * 100)} %`;
      const lines = [
        `${result.map}: ${result.sampleSize} sample points; areas in ha (true cell areas), ± = ${level} confidence half-width`,
        `  ${'class'.padEnd(16)} ${'mapped'.padStart(12)} ${'estimated'.padStart(12)} ${'±'.padStart(10)} ${'CV'.padStart(6)}  ${'user\'s %'.padStart(12)}  ${'producer\'s %'.padStart(12)}  n`,
        ...e.classes.map((c) => {
          const name = names.get(Number(c.class)) ?? String(c.class);
          const cv = c.area.cv === null ? '-' : `${(100 * c.area.cv).toFixed(1)}%`;
          return `  ${name.padEnd(16)} ${ha(c.mappedArea).padStart(12)} ${ha(c.area.estimate).padStart(12)} ${ha(c.area.halfWidth).padStart(10)} ${cv.padStart(6)}  ${pct(c.usersAccuracy).padStart(12)}  ${pct(c.producersAccuracy).padStart(12)}  ${c.sampleSize}`;
        }),
        `  overall accuracy ${pct(e.overallAccuracy)} %`,
      ];
      if (e.degenerateStrata.length) lines.push(`  degenerate strata (n <= 1, standard errors unknown): ${e.degenerateStrata.join(', ')}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

/** `sat assess --regions`: the same evaluation stage as `sat run` (assess-regions.ts) on a map and a labelled sample. */
async function assessByRegion(opts: { map: string; sample: string; referenceField: string; confidence: number; interval: IntervalMethod; regions: string; idField: string; json?: boolean }, names: Map<number, string>, settings: Settings): Promise<void> {
  const regionSet = loadRegions(opts.regions, opts.idField, { limits: settings.limits });
  const map = await openRaster(opts.map, settings.raster);
  const opened: RasterReader[] = [map];
  try {
    if (!map.info.geotransform || !map.info.proj4) throw new SatError('E_INPUT', `${opts.map}: assessing areas needs a georeferenced class map`);
    const coverage = await aggregateRegions({ classes: map, regions: regionSet, method: 'exact' }, () => {});
    const result = await assessRegions({
      map,
      regions: regionsInCrs(regionSet, { epsg: map.info.epsg, proj4: map.info.proj4 }),
      coverage,
      classIds: [...new Set(coverage.flatMap((c) => [...c.mappedHa.keys()]))],
      reference: { sample: opts.sample, referenceField: opts.referenceField },
      openReference: async (file) => {
        const r = await openRaster(file, settings.raster);
        opened.push(r);
        return r;
      },
      seed: 0,
      confidence: opts.confidence,
      interval: opts.interval,
    });
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return;
    }
    const name = (c: number | string) => names.get(Number(c)) ?? String(c);
    const lines = [`${opts.map}: ${result.sampleSize} sample points, strata ${result.design === 'class' ? 'map class: regional figures are domain estimates' : 'region x map class'}; areas in ha, ± = ${Math.round(opts.confidence * 100)} % half-width`];
    for (const r of result.regions) {
      lines.push(`  region ${r.region} (${r.method}, ${r.sampleSize} points${r.borrowedStrata.length ? `; pooled sample for class(es) ${r.borrowedStrata.join(', ')}` : ''})`);
      if (!r.estimation) {
        lines.push('    no classified pixel');
        continue;
      }
      for (const c of r.estimation.classes) if (c.mappedArea > 0 || c.area.estimate > 0) lines.push(`    ${name(c.class).padEnd(16)} ${ha(c.mappedArea).padStart(12)} ${ha(c.area.estimate).padStart(12)} ± ${ha(c.area.halfWidth)}`);
    }
    const oa = result.national?.estimation.overallAccuracy ?? result.nationalTotals?.accuracy.overallAccuracy;
    if (oa) lines.push(`  overall accuracy ${pct(oa)} %`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await Promise.all(opened.map((r) => r.close()));
  }
}
