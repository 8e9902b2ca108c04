import type { Command } from 'commander';
import { SatError } from '../../core/errors.js';
import { runDemo } from '../../workflows/run-demo.js';
import { cliSettings } from '../cli-settings.js';
import { integerOption } from '../parse-options.js';
import { stepProgress } from '../progress.js';

export function register(program: Command): void {
  program
    .command('demo')
    .description('run the pipeline in-process on a generated scene: synth → train (held-out blocks) → sat run: classify, aggregate into regions, assess, export statistics, SDMX, GeoJSON, STAC, report (no input files, no Redis)')
    .option('--out <dir>', 'output folder', 'out/demo')
    .option('--size <n>', 'scene size in pixels', integerOption('--size'), 1024)
    .option('--seed <n>', 'random seed', integerOption('--seed'), 1)
    .option('--config <file>', 'settings file (YAML) over config/default.yaml')
    .action(async (opts: { out: string; size: number; seed: number; config?: string }) => {
      const { size, seed } = opts;
      if (size < 128 || size > 4096) throw new SatError('E_INPUT', `--size must be from 128 to 4096 (got ${size}): the demo trains on the whole scene in memory`);
      const summary = await runDemo({
        outDir: opts.out,
        size,
        seed,
        settings: cliSettings(opts.config),
        progress: stepProgress(),
      });
      const pct = (v: number | null) => (v === null ? '-' : `${(100 * v).toFixed(1)}%`);
      const ha = (v: number) => v.toFixed(1).padStart(10);
      const { model, heldOut, job } = summary;
      const rows = Object.entries(summary.classAreas).map(
        ([name, a]) => `  ${name.padEnd(10)} ${ha(a.mapped)} ${ha(a.estimate)} ± ${(a.halfWidth === null ? '-' : a.halfWidth.toFixed(1)).padEnd(8)} ${ha(a.truth)}`,
      );
      process.stdout.write(
        [
          `scene ${summary.scene}: ${summary.size.join(' x ')} px`,
          `land-cover model ${model.dir} (${model.architecture}, trained on ${model.runtime} in ${model.trainingSeconds} s)`,
          `  held-out blocks (${heldOut.pixels} px): overall accuracy ${pct(heldOut.overallAccuracy)}, kappa ${heldOut.kappa.toFixed(3)}; random-forest baseline ${pct(heldOut.baselineOverallAccuracy)}`,
          `job ${job.file} → ${job.out} in ${job.seconds} s: ${job.regions} regions, ${job.cells} cells, ${job.published} estimates published, ${job.suppressed} suppressed; ${job.sampleSize} reference points (region x class strata)`,
          `  ${'class (ha)'.padEnd(10)} ${'mapped'.padStart(10)} ${'estimated'.padStart(10)}   ${'95% CI'.padEnd(8)} ${'truth'.padStart(10)}`,
          ...rows,
          `  open ${job.out}/report.html; statistics in ${job.out}/statistics/ (CSV, JSON, GeoJSON, SDMX-CSV); summary ${opts.out}/demo-summary.json`,
          '',
        ].join('\n'),
      );
    });
}
