import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModelPackage, packageHash, readModelMetadata, METADATA_FILE, WEIGHTS_FILE } from '../../pipeline/model/model-package.js';
import { predictBatch } from '../../pipeline/model/predict-batch.js';
import { tf } from '../../pipeline/model/runtime.js';
import { writeTestModel } from '../helpers/test-model.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sat-model-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('model packages', () => {
  it('round-trips: the loaded model predicts exactly what was saved', async () => {
    const dir = path.join(tmp, 'roundtrip');
    const metadata = await writeTestModel(dir);
    const pkg = await loadModelPackage(dir);
    expect(pkg.metadata).toEqual(metadata);
    expect(pkg.hash).toMatch(/^[0-9a-f]{64}$/);
    const again = await loadModelPackage(dir);
    expect(again.hash).toBe(pkg.hash);
    const input = tf.tidy(() => tf.randomNormal([1, 32, 32, 9], 0, 1, 'float32', 1).dataSync().slice() as Float32Array);
    const a = predictBatch(pkg.model, input, 1, 32, 9);
    const b = predictBatch(again.model, input, 1, 32, 9);
    expect(a).toEqual(b);
    // Same seed, same architecture: the same weights, hence the same package hash.
    await writeTestModel(path.join(tmp, 'roundtrip-2'));
    expect((await loadModelPackage(path.join(tmp, 'roundtrip-2'))).hash).toBe(pkg.hash);
  });

  it('the version hashes what determines predictions: not timings, paths or metrics; yes classes, normalisation, weights', async () => {
    const dir = path.join(tmp, 'version');
    await writeTestModel(dir);
    const version = (await loadModelPackage(dir)).hash;
    const meta = JSON.parse(readFileSync(path.join(dir, METADATA_FILE), 'utf8'));
    const rewrite = (m: unknown) => writeFileSync(path.join(dir, METADATA_FILE), JSON.stringify(m, null, 1));
    const training = { dataChecksum: 'x', imagery: '/somewhere/else.tif', labels: '/other/labels.tif', seed: 1, epochs: 2, split: { kind: 'blocks', blockSize: 64, testFraction: 0.3, seed: 1 }, runtime: 'cpu', seconds: 123.4 };
    rewrite({ ...meta, training, metrics: { heldOut: { overallAccuracy: 0.5 } }, createdWith: 'satstat 9.9.9' });
    expect(packageHash(dir)).toBe(version);
    rewrite({ ...meta, classes: meta.classes.map((c: { name: string }, k: number) => (k === 0 ? { ...c, name: 'renamed' } : c)) });
    expect(packageHash(dir)).not.toBe(version);
    const { normalisation } = meta.recipe;
    rewrite({ ...meta, recipe: { ...meta.recipe, normalisation: { ...normalisation, mean: normalisation.mean.map((v: number) => v + 1) } } });
    expect(packageHash(dir)).not.toBe(version);
    rewrite(meta);
    expect(packageHash(dir)).toBe(version);
    const weights = readFileSync(path.join(dir, WEIGHTS_FILE));
    weights[0] ^= 1;
    writeFileSync(path.join(dir, WEIGHTS_FILE), weights);
    expect(packageHash(dir)).not.toBe(version);
  });

  it('refuses what is not a usable package, naming the problem', async () => {
    await expect(loadModelPackage(path.join(tmp, 'nope'))).rejects.toThrow(/does not exist/);
    const dir = path.join(tmp, 'broken');
    await writeTestModel(dir);
    const meta = JSON.parse(readFileSync(path.join(dir, METADATA_FILE), 'utf8'));

    writeFileSync(path.join(dir, METADATA_FILE), JSON.stringify({ ...meta, input: { ...meta.input, channels: ['blue'] } }));
    expect(() => readModelMetadata(dir)).toThrow(/input channels \[blue\] differ from its recipe's/);

    writeFileSync(path.join(dir, METADATA_FILE), JSON.stringify({ ...meta, classes: meta.classes.slice(0, 3) }));
    await expect(loadModelPackage(dir)).rejects.toThrow(/outputs 5 classes, the metadata lists 3/);

    writeFileSync(path.join(dir, METADATA_FILE), JSON.stringify({ ...meta, task: 'ships' }));
    expect(() => readModelMetadata(dir)).toThrow(/incompatible model metadata[\s\S]*task/);

    writeFileSync(path.join(dir, METADATA_FILE), JSON.stringify(meta));
    const weights = readFileSync(path.join(dir, WEIGHTS_FILE));
    writeFileSync(path.join(dir, WEIGHTS_FILE), weights.subarray(0, weights.length - 8));
    await expect(loadModelPackage(dir)).rejects.toThrow(/weights hold \d+ bytes, the manifest describes \d+/);

    rmSync(path.join(dir, METADATA_FILE));
    expect(() => readModelMetadata(dir)).toThrow(/not a model package: satstat-model.json is missing/);
  });
});
