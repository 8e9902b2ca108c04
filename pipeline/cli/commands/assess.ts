import type { Command } from 'commander';
import { assessMap } from '../../assess/assess-map.js';
import type { Interval } from '../../assess/estimate-areas.js';
import { readLabelledSample } from '../../assess/sample-files.js';
import { loadClassScheme } from '../../model/class-scheme.js';
import { openRaster } from '../../raster/open-raster.js';
import { cliSettings } from '../cli-settings.js';
import { numberOption } from '../parse-options.js';

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
    .option('--classes <scheme>', 'class scheme for names (built-in or YAML file)')
    .option('--json', 'print the result as JSON')
    .action(async (opts) => {
      const settings = cliSettings();
      const points = readLabelledSample(opts.sample, opts.referenceField);
      const map = await openRaster(opts.map, settings.raster);
      let result;
      try {
        result = await assessMap(map, points, { confidence: opts.confidence });
      } finally {
        await map.close();
      }
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const names = opts.classes ? new Map(loadClassScheme(opts.classes).map((c) => [c.id, c.name])) : new Map<number, string>();
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
