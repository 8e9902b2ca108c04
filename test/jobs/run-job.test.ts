/** `sat run JOB.yaml`: prediction → regional aggregation → assessment → statistics and manifest, reproducibly. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClassScheme } from '../../pipeline/model/class-scheme.js';
import { loadBandRecipe } from '../../pipeline/preprocess/band-recipe.js';
import { generateScene } from '../../pipeline/synth/generate-scene.js';
import { trainModel } from '../../pipeline/workflows/train-model.js';
import { repoRoot } from '../helpers/shared-data.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'sat-job-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const sat = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'bin/sat.js'), ...args], { encoding: 'utf8', env: { ...process.env, SAT_TF_BACKEND: 'wasm' } });

const job = (extra = '') => `name: synth-job
imagery: scene/scene.tif
aux: scene/clouds.tif
model: model
regions: { file: scene/regions.geojson, idField: code }
reference: { raster: scene/truth.tif, sampleSize: 200, minPerStratum: 20 }
out: out
${extra}`;

beforeAll(async () => {
  await generateScene(path.join(tmp, 'scene'), { width: 256, height: 256, seed: 51, cloudCover: 0.05, regions: 4 });
  await trainModel({
    task: 'landcover',
    imagery: path.join(tmp, 'scene', 'scene.tif'),
    labels: { file: path.join(tmp, 'scene', 'truth.tif') },
    aux: path.join(tmp, 'scene', 'clouds.tif'),
    recipe: loadBandRecipe('synth-s2'),
    classes: loadClassScheme('synth'),
    out: path.join(tmp, 'model'),
    epochs: 8,
    seed: 1,
    split: { kind: 'blocks', blockSize: 64, testFraction: 0.3, seed: 1 },
    width: 16,
    backend: 'wasm',
  });
  writeFileSync(path.join(tmp, 'job.yaml'), job());
}, 120_000);

describe('sat run', () => {
  it('writes regional class areas that add up, an assessment and a manifest; a re-run gives identical statistics', () => {
    const first = sat('run', path.join(tmp, 'job.yaml'));
    expect(first.stderr.split('\n').filter((l) => l && !/: \d+%$/.test(l))).toEqual([]);
    expect(first.status).toBe(0);
    const csv = readFileSync(path.join(tmp, 'out', 'statistics', 'regions.csv'), 'utf8');
    const rows = JSON.parse(readFileSync(path.join(tmp, 'out', 'statistics', 'regions.json'), 'utf8'));
    expect(rows).toHaveLength(4 * 5);
    // The regions tile the scene: their class areas add up to the classified area of the whole map.
    const prediction = JSON.parse(readFileSync(path.join(tmp, 'out', 'prediction', 'prediction.json'), 'utf8'));
    const classifiedPixels = Object.values(prediction.classPixels as Record<string, number>).reduce((a, b) => a + b, 0);
    const totalHa = rows.reduce((a: number, r: { mapped_area_ha: number }) => a + r.mapped_area_ha, 0);
    expect(totalHa / (classifiedPixels * 0.01)).toBeCloseTo(1, 2); // 10 m pixels; the UTM scale factor is below 0.1 %
    for (const region of ['R01', 'R02', 'R03', 'R04']) {
      const mine = rows.filter((r: { region: string }) => r.region === region);
      expect(mine.reduce((a: number, r: { mapped_fraction: number }) => a + r.mapped_fraction, 0)).toBeCloseTo(1, 4);
    }
    const assessment = JSON.parse(readFileSync(path.join(tmp, 'out', 'statistics', 'assessment.json'), 'utf8'));
    expect(assessment.sampleSize).toBe(200);
    expect(assessment.estimation.overallAccuracy.estimate).toBeGreaterThan(0.8);
    const manifest = JSON.parse(readFileSync(path.join(tmp, 'out', 'manifest.json'), 'utf8'));
    expect(manifest.inputs.imagery.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.inputs.regions.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.job.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(manifest.stageSeconds)).toEqual(['prediction', 'aggregation', 'evaluation']);

    const second = sat('run', path.join(tmp, 'job.yaml'));
    expect(second.status).toBe(0);
    expect(readFileSync(path.join(tmp, 'out', 'statistics', 'regions.csv'), 'utf8')).toBe(csv);
    expect(JSON.parse(readFileSync(path.join(tmp, 'out', 'statistics', 'assessment.json'), 'utf8'))).toEqual(assessment);
  }, 120_000);

  it('refuses bad jobs naming the problem, and leaves earlier results untouched', () => {
    const before = readFileSync(path.join(tmp, 'out', 'statistics', 'regions.csv'), 'utf8');
    writeFileSync(path.join(tmp, 'typo.yaml'), job('sampleSize: 3\n'));
    const typo = sat('run', path.join(tmp, 'typo.yaml'));
    expect(typo.status).toBe(2);
    expect(typo.stderr).toMatch(/invalid job .*typo.yaml:\n\s+\(root\): Unrecognized key: "sampleSize"/);
    writeFileSync(path.join(tmp, 'nomodel.yaml'), job().replace('model: model', 'model: nowhere'));
    expect(sat('run', path.join(tmp, 'nomodel.yaml')).stderr).toMatch(/model directory .*nowhere does not exist/);
    writeFileSync(path.join(tmp, 'badregions.yaml'), job().replace('idField: code', 'idField: nope'));
    const badRegions = sat('run', path.join(tmp, 'badregions.yaml'));
    expect(badRegions.status).toBe(2);
    expect(badRegions.stderr).toMatch(/regions.geojson: feature 0 has no "nope"/);
    writeFileSync(path.join(tmp, 'overwrite.yaml'), job().replace('out: out', 'out: scene'));
    expect(sat('run', path.join(tmp, 'overwrite.yaml')).stderr).toMatch(/scene exists and is not an earlier job's output/);
    expect(existsSync(path.join(tmp, 'scene', 'scene.tif'))).toBe(true);
    expect(readFileSync(path.join(tmp, 'out', 'statistics', 'regions.csv'), 'utf8')).toBe(before);
  }, 60_000);
});
