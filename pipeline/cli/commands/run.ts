import type { Command } from 'commander';
import { readJobSpec } from '../../jobs/job-spec.js';
import { runJob } from '../../workflows/run-job.js';
import { cliSettings } from '../cli-settings.js';
import { stepProgress } from '../progress.js';

export function register(program: Command): void {
  program
    .command('run')
    .description('run a job (YAML): classify the scene, aggregate into official regions, assess with reference data, write statistics and a provenance manifest')
    .argument('<job>', 'job file (see config/jobs/)')
    .option('--config <file>', 'settings file (YAML) over config/default.yaml')
    .action(async (jobFile: string, opts: { config?: string }) => {
      const settings = cliSettings(opts.config);
      const { spec, text } = readJobSpec(jobFile);
      const result = await runJob(spec, text, settings, stepProgress());
      const lines = [`${spec.name}: results in ${result.out}`, `  statistics/regions.csv: ${result.rows.length} rows (region x class mapped areas)`];
      const e = result.assessment?.estimation;
      if (e) lines.push(`  statistics/assessment.json: ${result.assessment!.sampleSize} sample points, overall accuracy ${(100 * e.overallAccuracy.estimate).toFixed(1)} %`);
      lines.push(`  manifest.json: inputs with checksums, model hash, backend, stage timings`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
