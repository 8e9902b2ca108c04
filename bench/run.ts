/**
 * `npm run bench`: speed and memory as ratios against a reference run side by side, never as timed assertions.
 *
 * Case "read + tile + preprocess": a synthetic 10980 x 10980 4-band uint16 tiled DEFLATE GeoTIFF (made once by
 * `sat synth` and kept in .bench/), decoded window by window by us and, in the same run, by GDAL
 * (gdal_translate, single-threaded, every block decoded once). Prints times, peak memory and the ratio.
 *
 * Options (environment): BENCH_SIZE (default 10980), BENCH_DIR (default .bench), BENCH_REPEAT (default 2: the best of N is kept).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../pipeline/core/package-root.js';
import { measureInflate } from './measure-inflate.js';

const root = packageRoot();
const size = Number(process.env.BENCH_SIZE ?? 10980);
const repeat = Math.max(1, Number(process.env.BENCH_REPEAT ?? 2));
const benchDir = path.resolve(process.env.BENCH_DIR ?? path.join(root, '.bench'));
const sceneDir = path.join(benchDir, `synth-${size}-4band`);
const scene = path.join(sceneDir, 'scene.tif');

interface Measure {
  seconds: number;
  maxRssMB: number | null;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

function ensureScene(): void {
  if (existsSync(scene)) return;
  mkdirSync(benchDir, { recursive: true });
  log(`generating the ${size} x ${size} 4-band scene once (kept in ${sceneDir}) ...`);
  execFileSync(
    process.execPath,
    [path.join(root, 'bin/sat.js'), 'synth', '--size', String(size), '--bands', '4', '--cloud-cover', '0.03', '--out', sceneDir],
    { stdio: 'inherit' },
  );
}

/** Runs our measured process (bench/measure-prepare.ts) and returns its JSON line. */
function ours(mode: 'decode' | 'prepare'): Measure & { tiles: number } {
  const args = ['--import', 'tsx', path.join(root, 'bench/measure-prepare.ts'), mode, scene];
  if (mode === 'prepare') args.push(path.join(root, 'config/recipes/synth-s2-4band.yaml'), path.join(sceneDir, 'clouds.tif'));
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, SAT_LOG_LEVEL: 'warn' } });
  return JSON.parse(out.trim().split('\n').pop()!);
}

/** GDAL decodes every block once, single-threaded, into an in-memory raw file; /usr/bin/time gives its peak memory. */
function gdal(): Measure {
  const gdalArgs = ['-q', '-of', 'ENVI', scene, '/vsimem/bench.raw'];
  const env = { ...process.env, GDAL_NUM_THREADS: '1', GDAL_CACHEMAX: '256' };
  const useTime = existsSync('/usr/bin/time');
  const started = process.hrtime.bigint();
  const res = useTime
    ? spawnSync('/usr/bin/time', ['-f', '%M', 'gdal_translate', ...gdalArgs], { env, encoding: 'utf8' })
    : spawnSync('gdal_translate', gdalArgs, { env, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (res.status !== 0) throw new Error(`gdal_translate failed: ${res.stderr}`);
  const kb = useTime ? Number(res.stderr.trim().split('\n').pop()) : NaN;
  return { seconds, maxRssMB: Number.isFinite(kb) ? kb / 1024 : null };
}

function best<T extends Measure>(run: () => T): T {
  let top: T | undefined;
  for (let i = 0; i < repeat; i++) {
    const m = run();
    if (!top || m.seconds < top.seconds) top = m;
  }
  return top!;
}

const fmt = (m: Measure) => `${m.seconds.toFixed(2)} s, peak ${m.maxRssMB === null ? 'n/a' : `${m.maxRssMB.toFixed(0)} MB`}`;

ensureScene();
const megapixels = (size * size) / 1e6;
log(`scene: ${scene} (${size} x ${size}, 4 bands uint16, ${megapixels.toFixed(1)} Mpx)`);

const results: string[] = [];
if (hasCommand('gdal_translate')) {
  const g = best(gdal);
  const d = best(() => ours('decode'));
  const ratio = d.seconds / g.seconds;
  results.push(`decode  | GDAL gdal_translate (1 thread): ${fmt(g)}`);
  results.push(`decode  | ours, all tile windows:        ${fmt(d)}  (${(megapixels / d.seconds).toFixed(1)} Mpx/s, ${d.tiles} windows)`);
  results.push(`decode  | ratio ours/GDAL: ${ratio.toFixed(2)}x (target <= 1.5x)`);
} else {
  results.push('decode  | GDAL not installed (apt-get install gdal-bin): no reference run, no ratio');
}
const inflate = await measureInflate(scene);
results.push(
  `inflate | pako (pure JS, as geotiff.js): ${inflate.pakoMBs.toFixed(0)} MB/s; node:zlib (native): ${inflate.zlibMBs.toFixed(0)} MB/s; ` +
    `${(inflate.zlibMBs / inflate.pakoMBs).toFixed(1)}x on ${inflate.tiles} tiles, one thread`,
);
const p = best(() => ours('prepare'));
results.push(`prepare | read + tile + preprocess:       ${fmt(p)}  (${(megapixels / p.seconds).toFixed(1)} Mpx/s, ${p.tiles} tiles; target peak < 1536 MB)`);

console.log(['', 'benchmark: read + tile + preprocess', ...results].join('\n'));
