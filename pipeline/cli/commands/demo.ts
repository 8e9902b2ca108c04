import type { Command } from 'commander';
import { SatError } from '../../core/errors.js';
import { runDemo } from '../../workflows/run-demo.js';
import { cliSettings } from '../cli-settings.js';
import { integerOption } from '../parse-options.js';
import { stepProgress } from '../progress.js';

export function register(program: Command): void {
  program
    .command('demo')
    .description('run the pipeline in-process on a generated scene: synth → train (held-out blocks) → classify the whole scene (no input files, no Redis)')
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
      const rows = Object.entries(summary.classShares).map(([name, s]) => `  ${name.padEnd(10)} ${pct(s.predicted).padStart(7)} ${pct(s.truth).padStart(7)}`);
      const { model, heldOut, prediction } = summary;
      process.stdout.write(
        [
          `scene ${summary.scene}: ${summary.size.join(' x ')} px`,
          `land-cover model ${model.dir} (${model.architecture}, trained on ${model.runtime} in ${model.trainingSeconds} s)`,
          `  held-out blocks (${heldOut.pixels} px): overall accuracy ${pct(heldOut.overallAccuracy)}, kappa ${heldOut.kappa.toFixed(3)}; random-forest baseline ${pct(heldOut.baselineOverallAccuracy)}`,
          `prediction ${prediction.dir}: classes.tif + confidence.tif, ${prediction.tiles} tiles on ${prediction.threads} thread(s) in ${prediction.seconds} s`,
          `  ${'class'.padEnd(10)} ${'mapped'.padStart(7)} ${'truth'.padStart(7)}`,
          ...rows,
          `summary written to ${opts.out}/demo-summary.json`,
          '',
        ].join('\n'),
      );
    });
}
