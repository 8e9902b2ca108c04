import type { Command } from 'commander';
import { SatError } from '../../core/errors.js';
import { runDemo } from '../../workflows/run-demo.js';
import { cliSettings } from '../cli-settings.js';
import { integerOption } from '../parse-options.js';
import { stepProgress } from '../progress.js';

export function register(program: Command): void {
  program
    .command('demo')
    .description('run the pipeline in-process on a generated scene (no input files, no Redis)')
    .option('--out <dir>', 'output folder', 'out/demo')
    .option('--size <n>', 'scene size in pixels', integerOption('--size'), 1024)
    .option('--seed <n>', 'random seed', integerOption('--seed'), 1)
    .option('--config <file>', 'settings file (YAML) over config/default.yaml')
    .action(async (opts: { out: string; size: number; seed: number; config?: string }) => {
      const { size, seed } = opts;
      if (size < 64 || size > 20000) throw new SatError('E_INPUT', `--size must be from 64 to 20000 (got ${size})`);
      const summary = await runDemo({
        outDir: opts.out,
        size,
        seed,
        settings: cliSettings(opts.config),
        progress: stepProgress(),
      });
      const { pixels } = summary;
      const pct = (n: number) => `${((100 * n) / pixels.total).toFixed(1)}%`;
      const channels = Object.keys(Object.values(summary.classMeans)[0] ?? {});
      const rows = Object.entries(summary.classMeans).map(([cls, m]) => `  ${cls.padEnd(10)} ${channels.map((c) => m[c].toFixed(3).padStart(7)).join(' ')}`);
      process.stdout.write(
        [
          `scene ${summary.scene}: ${summary.size.join(' x ')} px in ${summary.grid.tiles} tiles of ${summary.grid.tileSize} (+${summary.grid.halo} halo)`,
          `valid ${pct(pixels.valid)}, cloud ${pct(pixels.cloud)}, nodata/out of range ${pct(pixels.nodata)}`,
          'mean of the analysis-ready channels per ground-truth class:',
          `  ${'class'.padEnd(10)} ${channels.map((c) => c.padStart(7)).join(' ')}`,
          ...rows,
          `summary written to ${opts.out}/preprocess-summary.json`,
          '',
        ].join('\n'),
      );
    });
}
