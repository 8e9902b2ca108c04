import type { Command } from 'commander';
import { SatError } from '../../core/errors.js';
import { loadClassScheme } from '../../model/class-scheme.js';
import { loadBandRecipe } from '../../preprocess/band-recipe.js';
import { trainModel } from '../../workflows/train-model.js';
import { cliSettings } from '../cli-settings.js';
import { formatEvaluation, formatMetrics } from '../format-metrics.js';
import { integerOption, numberOption } from '../parse-options.js';
import { stepProgress } from '../progress.js';

const TASKS = ['landcover', 'buildings'] as const;

export function register(program: Command): void {
  program
    .command('train')
    .description('train a land-cover or building model on a labelled scene, hold out spatial blocks, write a model package')
    .requiredOption('--task <task>', `what the model predicts: ${TASKS.join(' or ')}`)
    .requiredOption('--imagery <file>', 'GeoTIFF to learn from')
    .requiredOption('--labels <file>', 'reference labels: a raster on the imagery\'s grid (class ids; buildings: non-zero) or GeoJSON polygons')
    .requiredOption('--recipe <name>', 'band recipe (built-in name or YAML file) that turns the imagery into model input')
    .requiredOption('--out <dir>', 'model package directory to write')
    .option('--label-property <name>', 'GeoJSON land-cover labels: the property holding the class id')
    .option('--ignore-label <value>', 'raster labels: this value means unlabelled', numberOption('--ignore-label'))
    .option('--classes <scheme>', 'class scheme (built-in name such as synth or eolearn-lulc, or a YAML file); default: the label ids')
    .option('--aux <file>', 'auxiliary raster on the imagery\'s grid (cloud mask) for recipes that use one')
    .option('--epochs <n>', 'passes over the training pixels', integerOption('--epochs'), 20)
    .option('--seed <n>', 'random seed (initial weights, patches, split)', integerOption('--seed'), 1)
    .option('--block-size <px>', 'edge of the square blocks of the spatial train/test split', integerOption('--block-size'))
    .option('--test-fraction <f>', 'share of blocks held out for testing', numberOption('--test-fraction'), 0.3)
    .option('--patch <px>', 'training patch size', integerOption('--patch'))
    .option('--batch <n>', 'patches per training step', integerOption('--batch'), 8)
    .option('--learning-rate <f>', 'Adam learning rate', numberOption('--learning-rate'), 3e-3)
    .option('--width <n>', 'filters in the network\'s first layer', integerOption('--width'))
    .option('--dice <w>', 'weight of a Dice loss on the last class (buildings) beside cross-entropy', numberOption('--dice'), 0)
    .option('--no-baseline', 'skip the random-forest baseline (land cover)')
    .option('--json', 'print the result as JSON')
    .option('--backend <name>', 'TensorFlow.js backend: auto, webgpu, tfjs-node-gpu, tfjs-node, wasm or cpu (default: model.backend of the settings)')
    .option('--config <file>', 'settings file (YAML) over config/default.yaml')
    .action(async (opts) => {
      const task = opts.task as (typeof TASKS)[number];
      if (!TASKS.includes(task)) throw new SatError('E_INPUT', `--task must be ${TASKS.join(' or ')} (got "${opts.task}")`);
      if (opts.epochs < 1) throw new SatError('E_INPUT', `--epochs must be at least 1 (got ${opts.epochs})`);
      const settings = cliSettings(opts.config, { backend: opts.backend });
      const classes = opts.classes ? loadClassScheme(opts.classes) : undefined;
      const result = await trainModel({
        task,
        imagery: opts.imagery,
        labels: { file: opts.labels, property: opts.labelProperty, ignoreValue: opts.ignoreLabel },
        aux: opts.aux,
        recipe: loadBandRecipe(opts.recipe),
        classes,
        out: opts.out,
        epochs: opts.epochs,
        seed: opts.seed,
        split: { kind: 'blocks', blockSize: opts.blockSize ?? (task === 'buildings' ? 300 : 20), testFraction: opts.testFraction, seed: opts.seed },
        patchSize: opts.patch,
        batchSize: opts.batch,
        learningRate: opts.learningRate,
        diceWeight: opts.dice,
        width: opts.width,
        baseline: opts.baseline,
        backend: settings.model.backend,
        onProgress: process.argv.includes('--json') ? undefined : stepProgress(),
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ out: result.out, hash: result.hash, runtime: result.runtime, history: result.history, heldOut: result.heldOut, baseline: result.baseline }, null, 2)}\n`);
        return;
      }
      const { metadata } = result;
      const lines = [
        `model ${result.out} (${metadata.architecture}, ${metadata.classes.length} classes, sha256 ${result.hash.slice(0, 12)}), trained on ${result.runtime} in ${metadata.training!.seconds} s`,
        formatEvaluation('held-out blocks', result.heldOut, metadata.classes),
      ];
      if (result.baseline) lines.push(formatMetrics('random-forest baseline, same features and split', result.baseline, metadata.classes));
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
