/** `sat train`, `sat predict`, `sat evaluate` end to end on a small synthetic scene, and their errors. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateScene } from '../../pipeline/synth/generate-scene.js';
import { repoRoot } from '../helpers/shared-data.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'sat-model-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const sat = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(repoRoot, 'bin/sat.js'), ...args], { encoding: 'utf8', env: { ...process.env, SAT_TF_BACKEND: 'wasm' } });
const file = (f: string) => path.join(tmp, 'scene', f);

beforeAll(async () => {
  await generateScene(path.join(tmp, 'scene'), { width: 192, height: 192, seed: 31, cloudCover: 0.05 });
});

describe('sat train / predict / evaluate', () => {
  it('train → predict → evaluate, with JSON for machines', () => {
    const model = path.join(tmp, 'model');
    const train = sat('train', '--task', 'landcover', '--imagery', file('scene.tif'), '--labels', file('truth.tif'), '--aux', file('clouds.tif'),
      '--recipe', 'synth-s2', '--classes', 'synth', '--out', model, '--epochs', '4', '--width', '8', '--block-size', '48', '--json');
    expect(train.stderr).toBe('');
    expect(train.status).toBe(0);
    const trained = JSON.parse(train.stdout);
    expect(trained.heldOut.metrics.overallAccuracy).toBeGreaterThan(0.8);
    expect(trained.baseline.overallAccuracy).toBeGreaterThan(0.8);

    const out = path.join(tmp, 'prediction');
    const predict = sat('predict', '--model', model, '--imagery', file('scene.tif'), '--aux', file('clouds.tif'), '--out', out);
    expect(predict.status).toBe(0);
    expect(predict.stdout).toMatch(/classes\.tif: 192 x 192 px in 1 tiles of 512 \(\+8 halo\), wasm on \d thread/);
    expect(predict.stdout).toMatch(/built-up +\d+ px/);
    expect(existsSync(path.join(out, 'confidence.tif'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(out, 'prediction.json'), 'utf8')).model.hash).toBe(trained.hash);

    // Only the tiles an AOI touches (64-px tiles from a --config file); the rest is nodata.
    const config = path.join(tmp, 'small-tiles.yaml');
    writeFileSync(config, 'tiling:\n  tileSize: 64\n  halo: 0\n');
    const aoi = path.join(tmp, 'aoi.geojson');
    writeFileSync(aoi, JSON.stringify({
      type: 'Feature',
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::32633' } },
      properties: {},
      geometry: { type: 'Polygon', coordinates: [[[450100, 5099900], [450500, 5099900], [450500, 5099500], [450100, 5099500], [450100, 5099900]]] },
    }));
    const partial = sat('predict', '--model', model, '--imagery', file('scene.tif'), '--aux', file('clouds.tif'), '--out', path.join(tmp, 'aoi-prediction'), '--aoi', aoi, '--config', config);
    expect(partial.status).toBe(0);
    expect(partial.stdout).toMatch(/in 1 tiles of 64/);
    const partialManifest = JSON.parse(readFileSync(path.join(tmp, 'aoi-prediction', 'prediction.json'), 'utf8'));
    const classified = Object.values(partialManifest.classPixels as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(classified).toBeGreaterThan(0.8 * 64 * 64); // one 64-px tile, less its clouds
    expect(classified).toBeLessThanOrEqual(64 * 64);
    expect(classified + partialManifest.maskedPixels).toBe(192 * 192);

    const evaluate = sat('evaluate', '--model', model, '--imagery', file('scene.tif'), '--labels', file('truth.tif'), '--aux', file('clouds.tif'), '--json');
    expect(evaluate.status).toBe(0);
    const result = JSON.parse(evaluate.stdout);
    expect(result.split).toBe('heldout');
    expect(result.evaluation.metrics.overallAccuracy).toBe(trained.heldOut.metrics.overallAccuracy);
    const human = sat('evaluate', '--model', model, '--imagery', file('scene.tif'), '--labels', file('truth.tif'), '--aux', file('clouds.tif'), '--split', 'all');
    expect(human.stdout).toMatch(/overall accuracy [\d.]+%, kappa [\d.]+/);
    expect(human.stdout).toMatch(/confusion matrix \(rows: reference, columns: predicted; 1, 2, 3, 4, 5\)/);
  });

  it('bad input: a non-zero exit and the reason, nothing written', () => {
    const unknown = sat('predict', '--model', path.join(tmp, 'no-model'), '--imagery', file('scene.tif'), '--out', path.join(tmp, 'p2'));
    expect(unknown.status).toBe(1); // E_NOT_FOUND: an expected error, not a usage error
    expect(unknown.stderr).toMatch(/sat: error: model directory .*no-model does not exist/);
    const notModel = sat('predict', '--model', path.join(tmp, 'scene'), '--imagery', file('scene.tif'), '--out', path.join(tmp, 'p2'));
    expect(notModel.status).toBe(2);
    expect(notModel.stderr).toMatch(/is not a model package: satstat-model.json is missing/);
    const task = sat('train', '--task', 'roads', '--imagery', file('scene.tif'), '--labels', file('truth.tif'), '--recipe', 'synth-s2', '--out', path.join(tmp, 'm2'));
    expect(task.status).toBe(2);
    expect(task.stderr).toMatch(/--task must be landcover or buildings/);
    const backend = spawnSync(process.execPath, [path.join(repoRoot, 'bin/sat.js'), 'train', '--task', 'landcover', '--imagery', file('scene.tif'), '--labels', file('truth.tif'), '--aux', file('clouds.tif'), '--recipe', 'synth-s2', '--out', path.join(tmp, 'm3')], {
      encoding: 'utf8',
      env: { ...process.env, SAT_TF_BACKEND: 'tfjs-node-gpu' },
    });
    expect(backend.status).not.toBe(0);
    expect(backend.stderr).toMatch(/TensorFlow.js backend 'tfjs-node-gpu' cannot run here/);
    const overwrite = sat('train', '--task', 'landcover', '--imagery', file('scene.tif'), '--labels', file('truth.tif'), '--recipe', 'synth-s2', '--out', path.join(tmp, 'scene'));
    expect(overwrite.status).toBe(2);
    expect(overwrite.stderr).toMatch(/scene exists and is not a model package; choose another output directory/);
    expect(existsSync(file('scene.tif'))).toBe(true);
    expect(existsSync(path.join(tmp, 'p2'))).toBe(false);
    expect(existsSync(path.join(tmp, 'm2'))).toBe(false);
  });
});
