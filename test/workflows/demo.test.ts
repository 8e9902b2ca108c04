/** The README's first command: `sat demo` runs the whole pipeline in-process and writes every output. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { repoRoot } from '../helpers/shared-data.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'sat-demo-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('sat demo: synth → train → sat run, with statistics close to the generated truth', () => {
  const out = path.join(tmp, 'demo');
  const run = spawnSync(process.execPath, [path.join(repoRoot, 'bin/sat.js'), 'demo', '--size', '384', '--out', out], { encoding: 'utf8', env: { ...process.env, SAT_TF_BACKEND: 'wasm' } });
  expect(run.status, run.stderr).toBe(0);
  expect(run.stdout).toMatch(/held-out blocks \(\d+ px\): overall accuracy \d+\.\d%/);
  expect(run.stdout).toMatch(/job .*job.yaml → .*run in [\d.]+ s: \d+ regions, \d+ cells, \d+ estimates published/);
  for (const f of ['statistics/regions.csv', 'statistics/regions.json', 'statistics/regions.geojson', 'statistics/sdmx.csv', 'statistics/assessment.json', 'stac-item.json', 'report.html', 'manifest.json', 'prediction/classes.tif', 'prediction/status.tif']) {
    expect(existsSync(path.join(out, 'run', f)), f).toBe(true);
  }
  const summary = JSON.parse(readFileSync(path.join(out, 'demo-summary.json'), 'utf8'));
  const areas = Object.values(summary.classAreas) as { mapped: number; estimate: number; truth: number }[];
  const total = areas.reduce((a, c) => a + c.truth, 0);
  expect(total).toBeCloseTo(384 * 384 * 0.01 * (1 - 0.05), -2); // about 5 % cloud by default
  // Estimated areas within 3 % of the visible scene of the truth, class by class.
  for (const c of areas) expect(Math.abs(c.estimate - c.truth)).toBeLessThan(0.03 * total);
});
