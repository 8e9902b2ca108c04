/**
 * `npm run bench`: speed and memory as ratios against a reference run side by side, never as timed assertions.
 *
 * Case "read + tile + preprocess": a synthetic 10980 x 10980 4-band uint16 tiled DEFLATE GeoTIFF (made once by
 * `sat synth` and kept in .bench/), decoded window by window by us and, in the same run, by GDAL
 * (gdal_translate, single-threaded, every block decoded once). Prints times, peak memory and the ratio.
 *
 * Case "decode": whole-file reading beside GDAL — `sat info --stats` and `gdalinfo -stats` (one thread) on the same
 * file in the same run, CPU seconds of each (every thread, start-up included) and their ratio (target <= 1.5x), and
 * whether the two agree on every band's statistics (bench/measure-decode.ts). The file: the scene above, or
 * BENCH_DECODE_FILE (e.g. one written by gdal_translate -co TILED=YES -co COMPRESS=DEFLATE).
 *
 * Case "run": `sat run` end to end on a generated 4-band scene of BENCH_RUN_SIZE (default 2048; 10980 for a Sentinel-2
 * tile, minutes) with a small land-cover model, its regions and its truth as the reference (bench/measure-run.ts):
 * stage seconds from the manifest, wall and CPU seconds, Mpx/s. BENCH_BASELINE_SAT=/path/to/other/checkout/bin/sat.js
 * runs the same job with that build right after and prints both per stage: before/after, same run, same machine.
 *
 * Case "zonal": exact zonal statistics of the 3,222 US counties over a 20000 x 10000 EPSG:4326 raster and of the
 * 12 Slovenian regions over a 10 m grid (rasters made once in .bench/): time, peak memory, cells per second.
 *
 * Case "model": per TensorFlow.js backend that loads here (tfjs-node-gpu, tfjs-node, wasm, cpu), inference megapixels/s
 * of the land-cover net and the building U-Net on one thread and on the inference pool (one backend per worker thread),
 * and the time of a training step and epoch; ratios against the cpu backend (the one that trains without our kernels).
 *
 * Case "training": the full building-model training run on the real SpaceNet Atlanta tile (U-Net width 8, 12 epochs of
 * 64 px patches, 3 of 9 blocks held out; bench/measure-training.ts): seconds, held-out IoU/F1/precision/recall of the
 * building class, object scores, and the building-vs-background probability separation beside the untrained network.
 * Minutes of CPU: the test suite runs a 5-epoch version of it. BENCH_TRAIN_EPOCHS (default 12) shortens or lengthens it.
 *
 * Case "composite": issue 13's real-data check (bench/composite-check.ts): the land-cover model trained and scored on
 * held-out blocks of each of the five Slovenia dates and of their cloud-masked median composite (3 seeds each).
 *
 * Case "warp": issue 13's warping beside gdalwarp -wo NUM_THREADS=2 (the Landsat stack onto a 10 m grid, bilinear) and
 * composite throughput for 5 and 13 dates (bench/measure-warp.ts).
 *
 * Case "stac-service": a service job (API + one worker) whose imagery is a STAC source of 13 dates of the BENCH_SIZE
 * scene (65 assets served over loopback HTTP), composited per tile by the prepare jobs: wall seconds per stage and the
 * peak resident memory of each process (bench/measure-stac-service.ts).
 *
 * Case "coverage": the interval-coverage harness (bench/interval-coverage.ts, R = BENCH_COVERAGE_R replicates):
 * coverage, bias and half-width of the 95 % intervals per design, class and region, adjusted beside Wald, and of the
 * building counts.
 *
 * Case "service": API submissions/s and small-AOI jobs per minute with 1 and 2 workers on Redis, against the same jobs
 * run in one process (bench/measure-service.ts).
 *
 * Options (environment): BENCH_SIZE (default 10980), BENCH_DIR (default .bench), BENCH_REPEAT (default 2: the best
 * of N is kept), BENCH_ONLY (prepare, decode, run, zonal, model, training, service, coverage, composite, warp or stac-service: one case only), BENCH_COVERAGE_R (default 1000), BENCH_SERVICE_JOBS (default 40).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../pipeline/core/package-root.js';
import { makeGridRaster } from './make-grid-raster.js';
import { canCompareDecode, measureDecode } from './measure-decode.js';
import { compositeCheck } from './composite-check.js';
import { measureCoverage } from './measure-coverage.js';
import { measureWarp } from './measure-warp.js';
import { measureInflate } from './measure-inflate.js';
import { canMeasureRun, measureRun, prepareRunJob, type RunCost } from './measure-run.js';

const root = packageRoot();
const size = Number(process.env.BENCH_SIZE ?? 10980);
const repeat = Math.max(1, Number(process.env.BENCH_REPEAT ?? 2));
const benchDir = path.resolve(process.env.BENCH_DIR ?? path.join(root, '.bench'));
const sceneDir = path.join(benchDir, `synth-${size}-4band`);
const sharedData = process.env.SAT_SHARED_DATA ?? path.resolve(root, '../shared/data');
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

const only = process.env.BENCH_ONLY;
const results: string[] = [];
if (!only || only === 'prepare') await prepareCase();

async function prepareCase(): Promise<void> {
  ensureScene();
  const megapixels = (size * size) / 1e6;
  log(`scene: ${scene} (${size} x ${size}, 4 bands uint16, ${megapixels.toFixed(1)} Mpx)`);
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
}

if (!only || only === 'decode') decodeCase();

function decodeCase(): void {
  const file = process.env.BENCH_DECODE_FILE ? path.resolve(process.env.BENCH_DECODE_FILE) : scene;
  if (file === scene) ensureScene();
  if (!canCompareDecode()) {
    results.push('decode  | whole file: needs gdalinfo (apt-get install gdal-bin) and /usr/bin/time for CPU seconds: not measured');
    return;
  }
  log(`sat info --stats beside gdalinfo -stats on ${file} ...`);
  let top: ReturnType<typeof measureDecode> | undefined;
  for (let i = 0; i < repeat; i++) {
    const m = measureDecode(file, root);
    if (!top || m.read.cpuSeconds / m.gdal.cpuSeconds < top.read.cpuSeconds / top.gdal.cpuSeconds) top = m;
  }
  const { gdal, ours, read, statsAgree } = top!;
  const cost = (c: typeof gdal) => `${c.cpuSeconds.toFixed(2)} s CPU, ${c.wallSeconds.toFixed(2)} s wall, peak ${c.maxRssMB.toFixed(0)} MB`;
  const name = path.basename(file);
  results.push(`decode  | whole file ${name}: gdalinfo -stats (1 thread): ${cost(gdal)}`);
  results.push(`decode  | whole file ${name}: sat info --stats:            ${cost(ours)}  (${(ours.cpuSeconds / gdal.cpuSeconds).toFixed(2)}x GDAL's CPU)`);
  results.push(`decode  | whole file ${name}: the read alone (no CLI):     ${cost(read)}  (${(read.cpuSeconds / gdal.cpuSeconds).toFixed(2)}x GDAL's CPU; target <= 1.5x)`);
  results.push(`decode  | whole file: statistics ${statsAgree ? 'agree' : 'DIFFER'} band by band (count, min, max, mean)`);
}

if (!only || only === 'run') runCase();

function runCase(): void {
  if (!canMeasureRun()) {
    results.push('run     | needs /usr/bin/time for CPU seconds: not measured');
    return;
  }
  const runSize = Number(process.env.BENCH_RUN_SIZE ?? 2048);
  log(`sat run on a ${runSize} x ${runSize} scene (scene, model and job made once in ${benchDir}) ...`);
  const job = prepareRunJob(root, benchDir, runSize);
  const megapixels = (runSize * runSize) / 1e6;
  const builds: [string, string][] = [['this build', path.join(root, 'bin/sat.js')]];
  if (process.env.BENCH_BASELINE_SAT) builds.push(['baseline', path.resolve(process.env.BENCH_BASELINE_SAT)]);
  const measured = builds.map(([name, bin]) => {
    log(`  ${name}: ${bin}`);
    let top: RunCost | undefined;
    for (let i = 0; i < repeat; i++) {
      const m = measureRun(job, bin);
      if (!top || m.wallSeconds < top.wallSeconds) top = m;
    }
    return [name, top!] as const;
  });
  for (const [name, m] of measured) {
    const stages = Object.entries(m.stageSeconds).map(([stage, s]) => `${stage} ${s.toFixed(1)}`).join(', ');
    results.push(
      `run     | ${name.padEnd(10)} ${runSize}²: ${m.wallSeconds.toFixed(1)} s wall (${(megapixels / m.wallSeconds).toFixed(2)} Mpx/s), ${m.cpuSeconds.toFixed(1)} s CPU, peak ${m.maxRssMB.toFixed(0)} MB; stage seconds: ${stages}`,
    );
  }
  if (measured.length === 2) {
    const [[, ours], [, base]] = measured;
    results.push(`run     | this build vs baseline: ${(base.wallSeconds / ours.wallSeconds).toFixed(2)}x the throughput, ${(ours.cpuSeconds / base.cpuSeconds).toFixed(2)}x the CPU seconds`);
  }
}

// Zonal statistics: exact coverage of official regions over large rasters (goal: no slower than twice exactextract,
// which is not packaged here: run it beside this for the ratio).
const zonalCases = [
  {
    name: 'US counties (3,222) over a 20000 x 10000 EPSG:4326 raster',
    raster: path.join(benchDir, 'us-4326-20000x10000.tif'),
    make: () => makeGridRaster(path.join(benchDir, 'us-4326-20000x10000.tif'), 20000, 10000, [-180, 0.0065, 0, 77, 0, -0.0065], 4326),
    regions: path.join(sharedData, '07_admin_boundaries/us_counties_census2010/geojson-counties-fips.json'),
    idField: 'id', // the features' FIPS code
  },
  {
    name: 'Slovenian statistical regions (12) over a 10 m EPSG:3794 grid',
    raster: path.join(benchDir, 'si-3794-10m.tif'),
    make: () => makeGridRaster(path.join(benchDir, 'si-3794-10m.tif'), 25000, 16500, [370000, 10, 0, 200000, 0, -10], 3794),
    regions: path.join(sharedData, '07_admin_boundaries/slovenia_gurs/SR.geojson'),
    idField: 'SR_ID',
  },
];
for (const c of only && only !== 'zonal' ? [] : zonalCases) {
  if (!existsSync(c.regions)) {
    results.push(`zonal   | ${c.name}: skipped, ${c.regions} not found (set SAT_SHARED_DATA)`);
    continue;
  }
  log(`preparing ${c.raster} (once) ...`);
  await c.make();
  const z = JSON.parse(
    execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'bench/measure-zonal.ts'), c.raster, c.regions, c.idField], { encoding: 'utf8' }).trim().split('\n').pop()!,
  );
  results.push(`zonal   | ${c.name}: ${fmt(z)}  (${(z.cells / z.seconds / 1e6).toFixed(1)} M cells/s over ${(z.cells / 1e6).toFixed(0)} M cells in region windows)`);
}

if (!only || only === 'model') modelCase();

/** One child process per backend (a process holds one TensorFlow.js engine); unavailable backends say why. */
function modelCase(): void {
  const threads = os.availableParallelism();
  const measured: Record<string, any> = {};
  for (const backend of ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']) {
    log(`model speeds on ${backend} ...`);
    const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'bench/measure-model.ts'), backend, String(threads)], { encoding: 'utf8', env: { ...process.env, SAT_LOG_LEVEL: 'warn' } });
    if (res.status !== 0) {
      const why = (res.stderr.match(/^SatError: .*cannot run here \((.*)\)$/m)?.[1] ?? res.stderr.trim().split('\n').pop() ?? '').slice(0, 160);
      results.push(`model   | ${backend}: not available here (${why})`);
      continue;
    }
    const m = JSON.parse(res.stdout.trim().split('\n').pop()!);
    measured[backend] = m;
    for (const name of ['landcover', 'buildings']) {
      const r = m[name];
      const pooled = r.pooledMpxPerSec === null ? '' : `, ${r.pooledMpxPerSec.toFixed(2)} Mpx/s on ${threads} threads (${(r.pooledMpxPerSec / r.inferenceMpxPerSec).toFixed(2)}x)`;
      results.push(
        `model   | ${backend.padEnd(13)} ${name.padEnd(9)}: inference ${r.inferenceMpxPerSec.toFixed(2)} Mpx/s on 1 thread${pooled}; ` +
          `training step ${r.trainStepMs.toFixed(0)} ms, epoch ${r.epochSeconds.toFixed(1)} s (${r.stepsPerEpoch} steps of 8 patches)`,
      );
    }
  }
  if (measured.wasm && measured.cpu) {
    for (const name of ['landcover', 'buildings']) {
      const w = measured.wasm[name];
      const c = measured.cpu[name];
      results.push(`model   | wasm vs cpu backend, ${name}: inference ${(w.inferenceMpxPerSec / c.inferenceMpxPerSec).toFixed(1)}x, training step ${(c.trainStepMs / w.trainStepMs).toFixed(1)}x faster`);
    }
  }
}

if (!only || only === 'training') trainingCase();

/** The long building-model training run on the real SpaceNet tile, in its own process; its progress goes to stderr. */
function trainingCase(): void {
  if (!existsSync(path.join(sharedData, '01_spacenet_atlanta_buildings'))) {
    results.push(`training| SpaceNet tile not found under ${sharedData} (set SAT_SHARED_DATA): skipped`);
    return;
  }
  const epochs = process.env.BENCH_TRAIN_EPOCHS ?? '12';
  log(`building-model training on the SpaceNet tile, ${epochs} epochs (minutes) ...`);
  const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'bench/measure-training.ts'), sharedData, epochs], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, SAT_LOG_LEVEL: 'warn' },
  });
  if (res.status !== 0) {
    results.push(`training| failed (exit ${res.status ?? res.signal}): see the messages above`);
    return;
  }
  const m = JSON.parse(res.stdout.trim().split('\n').pop()!);
  const f = (v: number | null) => (v === null ? 'n/a' : v.toFixed(3));
  const s = (x: { onBuildings: number; onBackground: number; ratio: number; auc: number }) =>
    `${x.onBuildings.toFixed(3)} vs ${x.onBackground.toFixed(3)} (${x.ratio.toFixed(2)}x, AUC ${x.auc.toFixed(3)})`;
  results.push(
    `training| SpaceNet U-Net (width ${m.width}, ${m.epochs} epochs of ${m.steps / m.epochs} steps, ${m.patchSize} px patches, ${m.runtime}): ` +
      `${m.seconds.toFixed(1)} s (${m.trainingSeconds.toFixed(1)} s training), final loss ${m.loss[m.loss.length - 1].toFixed(4)}`,
  );
  results.push(
    `training| held-out building pixels (${m.pixel.support} of ${m.heldOutPixels}): IoU ${f(m.pixel.iou)}, F1 ${f(m.pixel.f1)}, precision ${f(m.pixel.precision)}, recall ${f(m.pixel.recall)}; ` +
      `objects (IoU >= 0.5): ${m.objects.matched} of ${m.objects.reference} matched, ${m.objects.predicted} predicted, F1 ${f(m.objects.f1)}`,
  );
  results.push(`training| mean building probability on held-out buildings vs background: trained ${s(m.separation.trained)}; untrained ${s(m.separation.untrained)}`);
}

if (!only || only === 'service') serviceCase();

if (!only || only === 'composite') await compositeCase();

if (!only || only === 'warp') await warpCase();

if (!only || only === 'stac-service') stacServiceCase();

/** A service job of 13 dates of a whole Sentinel-2-sized scene from a STAC source: time and each process's peak memory (issue 13, item 7). */
function stacServiceCase(): void {
  ensureScene();
  const work = path.join(benchDir, `stac-service-${size}`);
  mkdirSync(work, { recursive: true });
  log(`stac-service: 13 dates of the ${size} x ${size} scene served over loopback, one API and one worker (minutes) ...`);
  const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'bench/measure-stac-service.ts'), sceneDir, work], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (res.status !== 0) throw new Error(`stac-service bench failed (exit ${res.status})`);
  const m = JSON.parse(res.stdout.trim().split('\n').pop()!);
  if (m.state !== 'completed') throw new Error(`stac-service job ${m.state}: ${m.error}`);
  const stages = Object.entries(m.stageSeconds as Record<string, number>).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ');
  results.push(`stac    | ${m.items} Items (${m.assets} assets) of ${m.size} x ${m.size} px, ${m.tiles} tiles: ${m.wallSeconds.toFixed(0)} s wall (${stages} s)`);
  results.push(`stac    | peak memory: worker ${m.workerPeakMB.toFixed(0)} MB, API + asset server ${m.apiPeakMB.toFixed(0)} MB (target: every process < 2048 MB)`);
}

/** Warping beside gdalwarp on the same input and grid, and composite throughput (issue 13, item 10). */
async function warpCase(): Promise<void> {
  if (!existsSync(sharedData) || !canCompareDecode()) {
    results.push('warp    | not measured: needs ../shared/data, gdalwarp and /usr/bin/time');
    return;
  }
  log('warp: the Landsat 8 stack onto a 10 m grid, ours beside gdalwarp -wo NUM_THREADS=2 ...');
  const work = path.join(benchDir, 'warp');
  mkdirSync(work, { recursive: true });
  const m = await measureWarp(sharedData, work);
  const mpx = (m.pixels * m.bands) / 1e6;
  results.push(`warp    | ${m.bands} bands x ${(m.pixels / 1e6).toFixed(2)} Mpx, bilinear: gdalwarp -wo NUM_THREADS=2 ${m.gdal.cpuSeconds.toFixed(2)} s CPU, ${m.gdal.wallSeconds.toFixed(2)} s wall (writes the file)`);
  results.push(`warp    | ours: ${m.ours.cpuSeconds.toFixed(2)} s CPU (${(m.ours.cpuSeconds / m.gdal.cpuSeconds).toFixed(2)}x GDAL's; target <= 1.5x), ${m.ours.wallSeconds.toFixed(2)} s wall, ${(mpx / m.ours.wallSeconds).toFixed(1)} band-Mpx/s`);
  for (const c of m.composite) results.push(`warp    | median composite of ${c.dates} dates x 2 bands (80 % clear): ${c.megapixelsPerSecond.toFixed(1)} Mpx/s`);
}


/** Issue 13's real-data check: a cloud-masked median composite of the five Slovenia dates against each date alone. */
async function compositeCase(): Promise<void> {
  if (!existsSync(sharedData)) {
    results.push(`composite| not measured: ${sharedData} is missing`);
    return;
  }
  const seeds = [1, 2, 3];
  log(`composite: training the land-cover model on each of 5 dates and the composite, seeds ${seeds.join(', ')} ...`);
  const work = path.join(benchDir, 'composite-check');
  mkdirSync(work, { recursive: true });
  const r = await compositeCheck(sharedData, work, { epochs: 30, seeds });
  results.push(`composite| held-out blocks (${r.heldOutPixels} px, LULC), land-cover model 30 epochs, mean of seeds ${seeds.join(', ')}:`);
  for (const s of r.scores) results.push(`composite|   ${s.input.padEnd(17)} overall accuracy ${(100 * s.overallAccuracy).toFixed(1)} %, macro F1 ${(100 * s.macroF1).toFixed(1)} %, clear ${(100 * s.clearShare).toFixed(0)} %`);
}

if (!only || only === 'coverage') {
  // Statistics, not speed: the coverage harness (bench/interval-coverage.ts), printed as a table.
  log('interval coverage ...');
  measureCoverage(Number(process.env.BENCH_COVERAGE_R ?? 1000), (line) => results.push(`coverage| ${line}`));
}

/** The queued service on this machine's Redis, against the same jobs run in one process. */
function serviceCase(): void {
  log('service throughput (Redis at REDIS_URL or 127.0.0.1:6379) ...');
  const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'bench/measure-service.ts')], { encoding: 'utf8', env: { ...process.env, SAT_LOG_LEVEL: 'warn' } });
  if (res.status !== 0) {
    results.push(`service | not measured: ${res.stderr.trim().split('\n').pop()}`);
    return;
  }
  const m = JSON.parse(res.stdout.trim().split('\n').pop()!);
  results.push(`service | API submissions: ${m.submissionsPerSecond.toFixed(0)} jobs/s (validated, recorded, queued)`);
  results.push(
    `service | small-AOI jobs (128 x 128 px, 1 tile, 3 regions): ${m.jobsPerMinute1Worker.toFixed(0)}/min with 1 worker, ${m.jobsPerMinute2Workers.toFixed(0)}/min with 2 ` +
      `(${(m.jobsPerMinute2Workers / m.jobsPerMinute1Worker).toFixed(2)}x); in one process one after another: ${m.inProcessJobsPerMinute.toFixed(0)}/min ` +
      `(1 worker ${(m.jobsPerMinute1Worker / m.inProcessJobsPerMinute).toFixed(2)}x of it)`,
  );
}

console.log(['', 'benchmark: read + tile + preprocess, zonal statistics, models, training, service', ...results].join('\n'));
