import type { Command } from 'commander';
import { readModelMetadata } from '../../model/model-package.js';
import { predictScene } from '../../workflows/predict-scene.js';
import { cliSettings } from '../cli-settings.js';
import { createProgress } from '../progress.js';

export function register(program: Command): void {
  program
    .command('predict')
    .description('classify a whole scene: tiled, batched inference stitched without seams into class, confidence (and probability) GeoTIFFs')
    .requiredOption('--model <dir>', 'model package directory')
    .requiredOption('--imagery <file>', 'GeoTIFF (file or URL) to classify')
    .requiredOption('--out <dir>', 'output directory (classes.tif, confidence.tif, prediction.json)')
    .option('--aux <file>', 'auxiliary raster (cloud mask) for recipes that use one')
    .option('--probabilities', 'also write probabilities.tif, one band per class')
    .option('--aoi <geojson>', 'classify only the tiles an area of interest (one polygon, any CRS) touches; the rest is nodata')
    .option('--backend <name>', 'TensorFlow.js backend: auto, webgpu, tfjs-node-gpu, tfjs-node, wasm or cpu (default: model.backend of the settings)')
    .option('--config <file>', 'settings file (YAML) over config/default.yaml')
    .action(async (opts) => {
      const settings = cliSettings(opts.config, { backend: opts.backend });
      const bar = createProgress('predict');
      const started = performance.now();
      try {
        const result = await predictScene(
          { imagery: opts.imagery, aux: opts.aux, aoi: opts.aoi, model: opts.model, probabilities: opts.probabilities },
          opts.out,
          settings,
          (f, label) => bar.update(f, label),
        );
        bar.stop();
        const metadata = readModelMetadata(opts.model);
        const total = Object.values(result.classPixels).reduce((a, b) => a + b, 0);
        const name = (id: string) => metadata.classes.find((c) => String(c.id) === id)?.name ?? id;
        process.stdout.write(
          [
            `${result.files.classes}: ${result.size.width} x ${result.size.height} px in ${result.grid.tiles} tiles of ${result.grid.tileSize} (+${result.grid.halo} halo), ${result.runtime.runtime} on ${result.threads} thread(s), ${((performance.now() - started) / 1000).toFixed(1)} s`,
            ...Object.entries(result.classPixels).map(([id, n]) => `  ${name(id).padEnd(20)} ${String(n).padStart(12)} px  ${total ? ((100 * n) / total).toFixed(2) : '0.00'}%`),
            `  ${'masked (nodata)'.padEnd(20)} ${String(result.maskedPixels).padStart(12)} px`,
            '',
          ].join('\n'),
        );
      } finally {
        bar.stop();
      }
    });
}
