import type { Command } from 'commander';
import { SatError } from '../../core/errors.js';
import { readModelMetadata } from '../../model/model-package.js';
import { evaluateModel } from '../../workflows/evaluate-model.js';
import { cliSettings } from '../cli-settings.js';
import { formatEvaluation } from '../format-metrics.js';
import { integerOption, numberOption } from '../parse-options.js';

const SPLITS = ['auto', 'heldout', 'all'] as const;

export function register(program: Command): void {
  program
    .command('evaluate')
    .description('accuracy of a model against reference labels: overall accuracy, kappa, per-class precision/recall/F1/IoU, confusion matrix')
    .requiredOption('--model <dir>', 'model package directory')
    .requiredOption('--imagery <file>', 'GeoTIFF to predict')
    .requiredOption('--labels <file>', 'reference labels: a raster on the imagery\'s grid or GeoJSON polygons')
    .option('--label-property <name>', 'GeoJSON land-cover labels: the property holding the class id')
    .option('--ignore-label <value>', 'raster labels: this value means unlabelled', numberOption('--ignore-label'))
    .option('--aux <file>', 'auxiliary raster (cloud mask) for recipes that use one')
    .option('--split <s>', `pixels to compare: ${SPLITS.join(', ')} (auto: the held-out blocks on the training scene, else all)`, 'auto')
    .option('--min-building-size <px>', 'buildings: smallest connected component counted', integerOption('--min-building-size'))
    .option('--json', 'print the result as JSON')
    .option('--backend <name>', 'TensorFlow.js backend: auto, webgpu, tfjs-node-gpu, tfjs-node, wasm or cpu (default: model.backend of the settings)')
    .option('--config <file>', 'settings file (YAML) over config/default.yaml')
    .action(async (opts) => {
      if (!SPLITS.includes(opts.split)) throw new SatError('E_INPUT', `--split must be one of ${SPLITS.join(', ')} (got "${opts.split}")`);
      const settings = cliSettings(opts.config, { backend: opts.backend });
      const metadata = readModelMetadata(opts.model);
      const result = await evaluateModel({
        modelDir: opts.model,
        imagery: opts.imagery,
        labels: { file: opts.labels, property: opts.labelProperty, ignoreValue: opts.ignoreLabel },
        aux: opts.aux,
        split: opts.split,
        backend: settings.model.backend,
        minBuildingSize: opts.minBuildingSize,
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${formatEvaluation(`${result.model.dir} on ${result.imagery} (${result.split} pixels, ${result.runtime})`, result.evaluation, metadata.classes)}\n`);
    });
}
