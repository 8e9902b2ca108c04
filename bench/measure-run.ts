/**
 * End-to-end throughput of `sat run`: a generated Sentinel-2-like scene (4 bands, its regions, its truth as the
 * reference) through a small land-cover model, as a user runs it. Reports the stage seconds the manifest records
 * (prepare and classify run interleaved tile by tile, so their spans overlap), wall and CPU seconds (/usr/bin/time:
 * every thread), megapixels per second, and optionally the same job run by another build (`baseline`, e.g. an
 * older checkout's bin/sat.js) right after, on the same machine: before/after in one run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface RunCost {
  stageSeconds: Record<string, number>;
  wallSeconds: number;
  cpuSeconds: number;
  maxRssMB: number;
}

function sat(satBin: string, args: string[]): void {
  execFileSync(process.execPath, [satBin, ...args], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, SAT_LOG_LEVEL: 'warn' } });
}

/** The scene, a model for its 4-band recipe (trained briefly on a small scene of the same kind) and the job; made once. */
export function prepareRunJob(root: string, benchDir: string, size: number): string {
  const satBin = path.join(root, 'bin/sat.js');
  mkdirSync(benchDir, { recursive: true });
  const scene = path.join(benchDir, `synth-${size}-4band`);
  if (!existsSync(path.join(scene, 'scene.tif'))) sat(satBin, ['synth', '--size', String(size), '--bands', '4', '--cloud-cover', '0.03', '--out', scene]);
  const small = path.join(benchDir, 'synth-512-4band');
  if (!existsSync(path.join(small, 'scene.tif'))) sat(satBin, ['synth', '--size', '512', '--bands', '4', '--out', small]);
  const model = path.join(benchDir, 'model-landcover-4band');
  if (!existsSync(path.join(model, 'satstat-model.json'))) {
    const s = (f: string) => path.join(small, f);
    sat(satBin, ['train', '--task', 'landcover', '--imagery', s('scene.tif'), '--labels', s('truth.tif'), '--aux', s('clouds.tif'), '--recipe', 'synth-s2-4band', '--out', model, '--epochs', '1', '--no-baseline']);
  }
  const job = path.join(benchDir, `run-${size}.yaml`);
  const p = (f: string) => path.join(scene, f);
  writeFileSync(
    job,
    [
      `name: bench-run-${size}`,
      `imagery: ${p('scene.tif')}`,
      `aux: ${p('clouds.tif')}`,
      `model: ${model}`,
      `regions: { file: ${p('regions.geojson')}, idField: code }`, // no nameField: builds from before it existed run the same job
      `reference: { raster: ${p('truth.tif')}, sampleSize: 1500, minPerStratum: 20, strata: region-class }`,
      `period: '2020-06-01'`,
      'seed: 1',
      `out: ${path.join(benchDir, `run-${size}-out`)}`,
      '',
    ].join('\n'),
  );
  return job;
}

/** Runs the job with `satBin` (default: this checkout) and reads what it cost. */
export function measureRun(job: string, satBin: string): RunCost {
  const out = path.join(path.dirname(job), `${path.basename(job, '.yaml')}-out`);
  rmSync(out, { recursive: true, force: true });
  const res = spawnSync('/usr/bin/time', ['-f', 'cost %e %U %S %M', process.execPath, satBin, 'run', job], {
    encoding: 'utf8',
    env: { ...process.env, SAT_LOG_LEVEL: 'warn' },
    maxBuffer: 1 << 26,
  });
  const m = /cost ([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(res.stderr);
  if (res.status !== 0 || !m) throw new Error(`sat run ${job} failed: ${res.stderr.trim().slice(-600)}`);
  const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  rmSync(out, { recursive: true, force: true });
  return { stageSeconds: manifest.stageSeconds, wallSeconds: Number(m[1]), cpuSeconds: Number(m[2]) + Number(m[3]), maxRssMB: Number(m[4]) / 1024 };
}

export function canMeasureRun(): boolean {
  return existsSync('/usr/bin/time');
}
