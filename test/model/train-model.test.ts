import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClassScheme } from '../../pipeline/model/class-scheme.js';
import { readModelMetadata } from '../../pipeline/model/model-package.js';
import { loadBandRecipe } from '../../pipeline/preprocess/band-recipe.js';
import { generateScene } from '../../pipeline/synth/generate-scene.js';
import { evaluateModel } from '../../pipeline/workflows/evaluate-model.js';
import { trainModel, type TrainModelInput } from '../../pipeline/workflows/train-model.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sat-train-'));
const scene = (name: string, f: string) => path.join(tmp, name, f);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

beforeAll(async () => {
  await generateScene(path.join(tmp, 'a'), { width: 320, height: 320, seed: 21, cloudCover: 0.03 });
  await generateScene(path.join(tmp, 'b'), { width: 200, height: 200, seed: 22, cloudCover: 0.03 });
});

const input = (out: string): TrainModelInput => ({
  task: 'landcover',
  imagery: scene('a', 'scene.tif'),
  labels: { file: scene('a', 'truth.tif') },
  aux: scene('a', 'clouds.tif'),
  recipe: loadBandRecipe('synth-s2'),
  classes: loadClassScheme('synth'),
  out,
  epochs: 12,
  seed: 5,
  split: { kind: 'blocks', blockSize: 64, testFraction: 0.3, seed: 5 },
  width: 16,
  baseline: true,
  backend: 'wasm',
});

describe('training the land-cover model on a synthetic scene (the demo model)', () => {
  let first: Awaited<ReturnType<typeof trainModel>>;

  it('reaches at least 95 % overall accuracy on held-out blocks, beside a random-forest baseline', async () => {
    first = await trainModel(input(path.join(tmp, 'model')));
    expect(first.heldOut.metrics.overallAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(first.heldOut.pixels).toBeGreaterThan(0.2 * 320 * 320);
    expect(first.baseline!.overallAccuracy).toBeGreaterThan(0.9);
    const metadata = readModelMetadata(path.join(tmp, 'model'));
    expect(metadata.training).toMatchObject({ seed: 5, epochs: 12, runtime: 'wasm', split: { blockSize: 64 } });
    expect(metadata.training!.dataChecksum).toMatch(/^[0-9a-f]{64}\+[0-9a-f]{64}$/);
    expect(metadata.recipe.normalisation.kind).toBe('zscore');
    expect(metadata.classes.map((c) => c.name)).toEqual(['water', 'forest', 'cropland', 'grassland', 'built-up']);
    expect((metadata.metrics.heldOut as { metrics: { overallAccuracy: number } }).metrics.overallAccuracy).toBe(first.heldOut.metrics.overallAccuracy);
  });

  it('is deterministic: the same data and seed give a byte-identical package', async () => {
    const again = await trainModel({ ...input(path.join(tmp, 'model-again')), baseline: false });
    for (const f of ['model.json', 'weights.bin']) {
      expect(readFileSync(path.join(tmp, 'model-again', f))).toEqual(readFileSync(path.join(tmp, 'model', f)));
    }
    expect(again.heldOut.metrics).toEqual(first.heldOut.metrics);
    // One model version for one model: the training seconds differ from run to run, the version does not; the
    // metadata files differ in nothing else (this run skipped the baseline, which only adds its metrics).
    expect(again.hash).toBe(first.hash);
    const meta = (dir: string) => {
      const m = JSON.parse(readFileSync(path.join(tmp, dir, 'satstat-model.json'), 'utf8'));
      delete m.training.seconds;
      delete m.metrics.randomForestBaseline;
      return m;
    };
    expect(meta('model-again')).toEqual(meta('model'));
  });

  it('evaluates: the held-out blocks on the training scene, every pixel on another scene', async () => {
    const own = await evaluateModel({ modelDir: path.join(tmp, 'model'), imagery: scene('a', 'scene.tif'), labels: { file: scene('a', 'truth.tif') }, aux: scene('a', 'clouds.tif'), split: 'auto', backend: 'wasm' });
    expect(own.split).toBe('heldout');
    expect(own.evaluation.metrics).toEqual(first.heldOut.metrics);
    const other = await evaluateModel({ modelDir: path.join(tmp, 'model'), imagery: scene('b', 'scene.tif'), labels: { file: scene('b', 'truth.tif') }, aux: scene('b', 'clouds.tif'), split: 'auto', backend: 'wasm' });
    expect(other.split).toBe('all');
    expect(other.evaluation.metrics.overallAccuracy).toBeGreaterThan(0.9);
    await expect(
      evaluateModel({ modelDir: path.join(tmp, 'model'), imagery: scene('b', 'scene.tif'), labels: { file: scene('b', 'truth.tif') }, aux: scene('b', 'clouds.tif'), split: 'heldout', backend: 'wasm' }),
    ).rejects.toThrow(/held-out blocks exist only on the scene and labels the model was trained on/);
  });

  it('refuses labels the class scheme does not know and empty training sets', async () => {
    await expect(trainModel({ ...input(path.join(tmp, 'bad')), classes: loadClassScheme('synth').slice(0, 3) })).rejects.toThrow(
      /labels hold class id\(s\) 4, 5 that the class scheme does not list/,
    );
    // Only cloudy pixels labelled, and clouds masked: nothing left to learn from.
    await expect(trainModel({ ...input(path.join(tmp, 'bad')), labels: { file: scene('a', 'clouds.tif'), ignoreValue: 0 } })).rejects.toThrow(
      /the training set is empty: no labelled, valid pixel outside the held-out blocks/,
    );
    expect(existsSync(path.join(tmp, 'bad'))).toBe(false);
  });
});

describe('the Dice term for buildings', () => {
  it('changes the loss the U-Net minimises, and is recorded in the package', async () => {
    const buildings = (diceWeight: number, out: string) =>
      trainModel({ ...input(path.join(tmp, out)), task: 'buildings', labels: { file: scene('a', 'buildings.tif') }, classes: loadClassScheme('buildings'), epochs: 1, width: 8, patchSize: 32, baseline: false, diceWeight });
    const ce = await buildings(0, 'b-ce');
    const dice = await buildings(1, 'b-dice');
    // Same seed, same patches: the Dice term (between 0 and 1) adds to the first epoch's mean loss.
    expect(dice.history[0].loss).toBeGreaterThan(ce.history[0].loss);
    expect(dice.history[0].loss - ce.history[0].loss).toBeLessThan(1.5);
    expect(readModelMetadata(path.join(tmp, 'b-dice')).training!.diceWeight).toBe(1);
    expect(readModelMetadata(path.join(tmp, 'b-ce')).training!.diceWeight).toBe(0);
  });
});
