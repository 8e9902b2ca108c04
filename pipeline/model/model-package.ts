import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { validate } from '../config/load-yaml.js';
import { buildDirAtomic } from '../core/atomic-write.js';
import { SatError } from '../core/errors.js';
import { BandRecipeSchema, loadBandRecipe, recipeChannels } from '../preprocess/band-recipe.js';
// TensorFlow.js is loaded when a model is saved or loaded, not by reading metadata: the main thread of a run never needs it.
import type * as tf from '@tensorflow/tfjs';

/**
 * A model package is a directory:
 *   model.json          TensorFlow.js layers model (topology + weights manifest), as tf.io writes it
 *   weights.bin         the weights
 *   satstat-model.json  our metadata (ModelMetadata): what the model predicts, from which inputs, how it was trained
 * It is written and read through in-memory IOHandlers, since tfjs's file:// handler needs tfjs-node.
 * Users can bring their own tfjs layers model by adding a satstat-model.json beside it.
 */
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
export const METADATA_FILE = 'satstat-model.json';

const ClassSchema = z
  .object({
    id: z.number().int().min(0).max(254),
    name: z.string().min(1),
    colour: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour like #2b6cb0'),
  })
  .strict();

export const ModelMetadataSchema = z
  .object({
    format: z.literal('satstat-model/1'),
    task: z.enum(['landcover', 'buildings']),
    /** Output channel k of the network is the probability of classes[k]. */
    classes: z.array(ClassSchema).min(2),
    /** How imagery becomes the network's input, including the normalisation fitted on the training data. */
    recipe: BandRecipeSchema,
    input: z
      .object({
        /** Channel names in order (the recipe's bands then indices). */
        channels: z.array(z.string()).min(1),
        /** Pixels of context the network needs on each side of a pixel it predicts (its receptive radius, rounded up). */
        halo: z.number().int().min(0),
        /** Input height and width must be multiples of this (2^poolings for a U-Net). */
        multipleOf: z.number().int().min(1),
      })
      .strict(),
    architecture: z.string(),
    training: z
      .object({
        /** SHA-256 of the imagery and label files, in order. */
        dataChecksum: z.string(),
        imagery: z.string(),
        labels: z.string(),
        seed: z.number().int(),
        epochs: z.number().int(),
        /** Weight of the Dice term beside cross-entropy (0: cross-entropy only). */
        diceWeight: z.number().min(0).default(0),
        split: z.object({ kind: z.literal('blocks'), blockSize: z.number().int(), testFraction: z.number(), seed: z.number().int() }).strict(),
        runtime: z.string(),
        seconds: z.number(),
      })
      .partial({ imagery: true, labels: true, runtime: true, seconds: true })
      .nullable(),
    /** Held-out metrics written by training (and `sat evaluate`), free form. */
    metrics: z.record(z.string(), z.unknown()).default({}),
    createdWith: z.string(),
  })
  .strict();

export type ModelMetadata = z.infer<typeof ModelMetadataSchema>;
export type ModelClass = ModelMetadata['classes'][number];

export interface ModelPackage {
  dir: string;
  model: tf.LayersModel;
  metadata: ModelMetadata;
  /** The model version (packageHash): what determines its predictions, hashed; its identity in provenance. */
  hash: string;
}

function hashOf(parts: Array<string | Uint8Array>): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/** A package may replace an earlier package, never a directory holding anything else. */
export function checkPackageTarget(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0 && !existsSync(path.join(dir, METADATA_FILE))) {
    throw new SatError('E_INPUT', `${dir} exists and is not a model package; choose another output directory`);
  }
}

/** Writes model + metadata into `dir` (created; an existing package there is replaced whole). */
export async function saveModelPackage(dir: string, model: tf.LayersModel, metadata: ModelMetadata): Promise<string> {
  const checked = ModelMetadataSchema.parse(metadata);
  checkPackageTarget(dir);
  const { tf } = await import('./runtime.js');
  await buildDirAtomic(dir, async (staging) => {
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const data = artifacts.weightData;
        const buffers = data === undefined ? [] : Array.isArray(data) ? data : [data];
        const weights = Buffer.concat(buffers.map((b) => new Uint8Array(b)));
        const modelJson = {
          modelTopology: artifacts.modelTopology,
          format: 'layers-model',
          generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
          convertedBy: null,
          weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
        };
        writeFileSync(path.join(staging, MODEL_FILE), JSON.stringify(modelJson));
        writeFileSync(path.join(staging, WEIGHTS_FILE), weights);
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
    writeFileSync(path.join(staging, METADATA_FILE), `${JSON.stringify(checked, null, 2)}\n`);
  });
  return packageHash(dir);
}

/** JSON with object keys sorted, so that the hash does not depend on the order a writer put them in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The metadata fields that change what the model predicts; training (timings, paths, seed, data) and metrics do not. */
const PREDICTIVE_FIELDS = ['format', 'task', 'classes', 'recipe', 'input', 'architecture'] as const;

/**
 * The model version (MODEL_VERSION in the SDMX output, the manifest's model hash): SHA-256 over the network's topology
 * and weights manifest, the weights, and the metadata that determines predictions (classes, recipe with its
 * normalisation, input, architecture). Training seconds, runtime, data paths and metrics are recorded in the package
 * beside it but not hashed, so the same data and seed give the same version on every run and machine.
 */
export function packageHash(dir: string): string {
  const modelJson = readJson(path.join(dir, MODEL_FILE), 'model topology') as { modelTopology?: unknown; weightsManifest?: unknown };
  const metadata = readJson(path.join(dir, METADATA_FILE), 'metadata') as Record<string, unknown>;
  const predictive = Object.fromEntries(PREDICTIVE_FIELDS.map((k) => [k, metadata[k]]));
  return hashOf([canonicalJson({ topology: modelJson.modelTopology, weightsManifest: modelJson.weightsManifest, metadata: predictive }), readFileSync(path.join(dir, WEIGHTS_FILE))]);
}

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SatError('E_FORMAT', `model package: ${what} ${file} is not valid JSON (${(err as Error).message})`);
  }
}

/** Reads and validates a package's metadata only (cheap: no weights). */
export function readModelMetadata(dir: string): ModelMetadata {
  const file = path.join(dir, METADATA_FILE);
  if (!existsSync(dir)) throw new SatError('E_NOT_FOUND', `model directory ${dir} does not exist`);
  if (!existsSync(file)) throw new SatError('E_INPUT', `${dir} is not a model package: ${METADATA_FILE} is missing`);
  const metadata = validate(ModelMetadataSchema, readJson(file, 'metadata'), `incompatible model metadata in ${file}`, 'E_INPUT');
  loadBandRecipe(metadata.recipe); // the recipe's own consistency checks
  const channels = recipeChannels(metadata.recipe);
  if (channels.join(',') !== metadata.input.channels.join(',')) {
    throw new SatError('E_INPUT', `model ${dir}: input channels [${metadata.input.channels}] differ from its recipe's [${channels}]`);
  }
  const ids = metadata.classes.map((c) => c.id);
  if (new Set(ids).size !== ids.length) throw new SatError('E_INPUT', `model ${dir}: class ids must be unique`);
  return metadata;
}

/** Loads a package and checks that the network fits its metadata (channels in, classes out). */
export async function loadModelPackage(dir: string): Promise<ModelPackage> {
  const metadata = readModelMetadata(dir);
  const modelFile = path.join(dir, MODEL_FILE);
  if (!existsSync(modelFile)) throw new SatError('E_INPUT', `${dir} is not a model package: ${MODEL_FILE} is missing`);
  const json = readJson(modelFile, 'model') as { modelTopology?: object; weightsManifest?: tf.io.WeightsManifestConfig };
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new SatError('E_FORMAT', `${modelFile} is not a TensorFlow.js layers model (modelTopology/weightsManifest missing)`);
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const file = path.resolve(dir, p);
      if (path.relative(path.resolve(dir), file).startsWith('..')) throw new SatError('E_INPUT', `${modelFile}: weights path '${p}' leaves the package`);
      if (!existsSync(file)) throw new SatError('E_INPUT', `${modelFile}: weights file '${p}' is missing`);
      buffers.push(readFileSync(file));
    }
  }
  const weightData = Buffer.concat(buffers);
  const expected = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * (s.dtype === 'float32' || s.dtype === 'int32' ? 4 : 1), 0);
  if (expected !== weightData.byteLength) {
    throw new SatError('E_FORMAT', `${dir}: weights hold ${weightData.byteLength} bytes, the manifest describes ${expected}`);
  }
  const { tf } = await import('./runtime.js');
  let model: tf.LayersModel;
  try {
    const arrayBuffer = weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength);
    model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: arrayBuffer }));
  } catch (err) {
    throw new SatError('E_FORMAT', `${dir}: the TensorFlow.js model cannot be loaded (${(err as Error).message})`);
  }
  checkShapes(dir, model, metadata);
  return { dir, model, metadata, hash: packageHash(dir) };
}

function checkShapes(dir: string, model: tf.LayersModel, metadata: ModelMetadata): void {
  const input = model.inputs[0].shape;
  const output = model.outputs[0].shape;
  const fail = (why: string) => {
    throw new SatError('E_INPUT', `model ${dir} does not fit its metadata: ${why}`);
  };
  if (input.length !== 4 || output.length !== 4) fail(`expected image input and output [batch, height, width, channels], got [${input}] -> [${output}]`);
  if (input[3] !== metadata.input.channels.length) fail(`the network takes ${input[3]} channels, the metadata lists ${metadata.input.channels.length}`);
  if (output[3] !== metadata.classes.length) fail(`the network outputs ${output[3]} classes, the metadata lists ${metadata.classes.length}`);
  if (input[1] !== null || input[2] !== null) fail(`the network needs a fixed input size ${input[1]}x${input[2]}; only fully convolutional models (any size) are supported`);
}
