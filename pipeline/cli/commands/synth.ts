import type { Command } from 'commander';
import { SatError } from '../../core/errors.js';
import { generateScene } from '../../synth/generate-scene.js';
import { integerOption, numberOption } from '../parse-options.js';
import { createProgress } from '../progress.js';

function parseSize(text: string): [number, number] {
  const m = /^(\d+)(?:x(\d+))?$/i.exec(text.trim());
  if (!m) throw new SatError('E_INPUT', `--size must be N or WxH (got "${text}")`);
  return [Number(m[1]), Number(m[2] ?? m[1])];
}

export function register(program: Command): void {
  program
    .command('synth')
    .description('generate a synthetic Sentinel-2-like scene with exact ground truth (classes, buildings, clouds, regions)')
    .requiredOption('--size <N|WxH>', 'scene size in pixels')
    .requiredOption('--out <dir>', 'output folder (must not exist or be empty, unless --force)')
    .option('--seed <n>', 'random seed', integerOption('--seed'), 1)
    .option('--bands <4|6>', '6: B02 B03 B04 B08 B11 B12; 4: B02 B03 B04 B08', integerOption('--bands'), 6)
    .option('--pixel-size <m>', 'metres per pixel', numberOption('--pixel-size'), 10)
    .option('--cloud-cover <f>', 'share of the scene under cloud, 0 to 0.9', numberOption('--cloud-cover'), 0.03)
    .option('--regions <k>', 'number of regions tiling the scene (default grows with the size)', integerOption('--regions'))
    .option('--tile-size <t>', 'GeoTIFF tile size', integerOption('--tile-size'), 256)
    .option('--overviews', 'add overviews (2, 4, 8) to the rasters')
    .option('--force', 'replace a non-empty output folder')
    .action(async (opts) => {
      const [width, height] = parseSize(opts.size);
      const progress = createProgress('synth');
      const manifest = await generateScene(
        opts.out,
        {
          width,
          height,
          seed: opts.seed,
          bands: opts.bands,
          pixelSize: opts.pixelSize,
          cloudCover: opts.cloudCover,
          regions: opts.regions,
          tileSize: opts.tileSize,
          overviews: Boolean(opts.overviews),
        },
        (f) => progress.update(f),
        { force: Boolean(opts.force) },
      );
      progress.stop();
      const total = width * height;
      const shares = manifest.classes.map((c) => `${c.name} ${((100 * (manifest.classPixelCounts[c.id] ?? 0)) / total).toFixed(1)}%`).join(', ');
      process.stdout.write(
        `${opts.out}: ${width} x ${height} px at ${manifest.options.pixelSize} m, ${manifest.bands.length} bands; ${shares}; ` +
          `${manifest.buildingCount} buildings; cloud ${(100 * manifest.cloudFraction).toFixed(1)}%; ${manifest.options.regions} regions\n`,
      );
    });
}
