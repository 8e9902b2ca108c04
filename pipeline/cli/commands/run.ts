import type { Command } from 'commander';
import { readJobSpec } from '../../jobs/job-spec.js';
import { runJob } from '../../workflows/run-job.js';
import { cliSettings } from '../cli-settings.js';
import { stepProgress } from '../progress.js';

export function register(program: Command): void {
  program
    .command('run')
    .description('run a job (YAML): classify the scene, aggregate into official regions, assess with reference data, export graded statistics (CSV, JSON, GeoJSON, SDMX-CSV), a STAC Item, an HTML report and a provenance manifest')
    .argument('<job>', 'job file (see config/jobs/)')
    .option('--config <file>', 'settings file (YAML) over config/default.yaml')
    .action(async (jobFile: string, opts: { config?: string }) => {
      const settings = cliSettings(opts.config);
      const { spec, text } = readJobSpec(jobFile);
      const result = await runJob(spec, text, settings, stepProgress());
      const published = result.rows.filter((r) => r.estimate !== null).length;
      const suppressed = result.rows.filter((r) => r.suppressed).length;
      const lines = [
        `${spec.name}: results in ${result.out}`,
        `  statistics/regions.csv .json .geojson, sdmx.csv: ${result.rows.length} cells (region x class x indicator), ${published} estimates published, ${suppressed} suppressed`,
      ];
      const a = result.assessment;
      if (a) {
        const oa = a.national?.estimation.overallAccuracy ?? a.nationalTotals?.accuracy.overallAccuracy;
        const accuracy = oa ? `, overall accuracy ${(100 * oa.estimate).toFixed(1)} % ± ${(100 * (oa.halfWidth ?? NaN)).toFixed(1)}` : '';
        lines.push(`  statistics/assessment.json: ${a.sampleSize} sample points, strata ${a.design === 'class' ? 'map class (regional figures are domain estimates)' : 'region x map class'}${accuracy}`);
      }
      lines.push('  report.html, stac-item.json, manifest.json (inputs with checksums, model hash, backend, stage timings)');
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
