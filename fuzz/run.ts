/**
 * `npm run fuzz`: a seeded mutation fuzzer over the hostile-input surfaces (TIFF/GeoTIFF reader, GeoJSON regions/AOI
 * reader, job spec parser). Contract per input: success or a SatError; no hang over FUZZ_TIMEOUT_MS; no RSS over
 * FUZZ_RSS_MB. Inputs run in a child process (fuzz/child.ts, --max-old-space-size=1024) that is killed and restarted
 * on a hang or memory blow-up, so those are recorded rather than stopping the fuzzer.
 *
 * Env: FUZZ_SECONDS (300, split over the targets: tiff 1/2, regions 1/4, jobspec 1/4), FUZZ_SEED (1),
 * FUZZ_TARGETS (tiff,regions,jobspec), FUZZ_TIMEOUT_MS (10000), FUZZ_RSS_MB (1024),
 * FUZZ_CRASH_DIR (test/fuzz-regressions: each crash as <target>/<sha1>.bin, its stack beside it as .txt),
 * SAT_SHARED_DATA (../shared/data, for real seed files).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import type { ChildRequest, ChildResult } from './child.js';
import { mutateBytes, mutateTiff, mutateValue, Rng, serialiseDoc } from './mutate.js';
import { jobSeeds, regionSeeds, repoRoot, tiffSeeds, type Seed } from './seeds.js';
import { TARGET_NAMES, TARGETS, type TargetName } from './targets.js';

const env = process.env;
const TOTAL_SECONDS = Number(env.FUZZ_SECONDS ?? 300);
const SEED = Number(env.FUZZ_SEED ?? 1);
const TIMEOUT_MS = Number(env.FUZZ_TIMEOUT_MS ?? 10_000);
const RSS_MB = Number(env.FUZZ_RSS_MB ?? 1024);
const CRASH_DIR = path.resolve(repoRoot, env.FUZZ_CRASH_DIR ?? 'test/fuzz-regressions');
const SELECTED = (env.FUZZ_TARGETS ?? TARGET_NAMES.join(',')).split(',').map((s) => s.trim()) as TargetName[];
const SHARE: Record<TargetName, number> = { tiff: 0.5, regions: 0.25, jobspec: 0.25 };

type Kind = 'crash' | 'hang' | 'oom' | 'memory';
interface Outcome {
  outcome: 'ok' | 'sat' | Kind;
  errorName?: string;
  message?: string;
  stack?: string;
  maxRssMB?: number;
  detail?: string;
}

// ------------------------------------------------------------------------------------------ child process

class Runner {
  private child: ChildProcess | null = null;
  private stderr = '';
  private nextId = 1;
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'satfuzz-'));
  restarts = 0;

  private async start(): Promise<ChildProcess> {
    const child = spawn(process.execPath, [`--max-old-space-size=${RSS_MB}`, '--stack-size=984', '--import', 'tsx', path.join(repoRoot, 'fuzz/child.ts')], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...env, UV_THREADPOOL_SIZE: '2' },
    });
    this.stderr = '';
    child.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`fuzz child exited at start (${code}): ${this.stderr}`)));
    });
    child.removeAllListeners('exit');
    this.restarts++;
    return child;
  }

  kill(): void {
    if (this.child && this.child.exitCode === null) this.child.kill('SIGKILL');
    this.child = null;
  }

  async exec(target: TargetName, bytes: Uint8Array): Promise<Outcome> {
    if (this.child && (this.child.exitCode !== null || this.child.signalCode !== null || !this.child.connected)) this.kill();
    this.child ??= await this.start();
    const child = this.child;
    const file = path.join(this.dir, `input${TARGETS[target].ext}`);
    writeFileSync(file, bytes);
    const id = this.nextId++;
    const result = await new Promise<Outcome>((resolve) => {
      let done = false;
      const finish = (o: Outcome) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearInterval(poll);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(o);
      };
      const onMessage = (r: ChildResult) => {
        if (r.id !== id) return;
        if (r.maxRssMB > RSS_MB) finish({ outcome: 'memory', maxRssMB: r.maxRssMB, detail: `peak RSS ${r.maxRssMB.toFixed(0)} MiB (${r.outcome}: ${r.errorName ?? ''} ${r.message ?? ''})` });
        else finish({ outcome: r.outcome, errorName: r.errorName, message: r.message, stack: r.stack, maxRssMB: r.maxRssMB });
      };
      const onExit = (code: number | null, signal: string | null) => {
        setTimeout(() => {
          const heap = /heap out of memory|Allocation failed/i.test(this.stderr);
          finish({ outcome: heap ? 'oom' : 'crash', errorName: heap ? 'OOM' : 'ProcessExit', message: `child died (code ${code}, signal ${signal})`, detail: this.stderr.slice(-1500) });
        }, 50);
      };
      const timer = setTimeout(() => finish({ outcome: 'hang', detail: `no result after ${TIMEOUT_MS} ms` }), TIMEOUT_MS);
      // RSS outside the V8 heap (ArrayBuffers) is not capped by --max-old-space-size: watch it from here
      const poll = setInterval(() => {
        try {
          const pages = Number(readFileSync(`/proc/${child.pid}/statm`, 'utf8').split(' ')[1]);
          const mb = (pages * 4096) / 1048576;
          if (mb > RSS_MB * 1.5) finish({ outcome: 'oom', maxRssMB: mb, detail: `RSS ${mb.toFixed(0)} MiB, killed` });
        } catch {
          /* not Linux, or gone */
        }
      }, 100);
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ id, target, file } satisfies ChildRequest);
    });
    // a thrown non-SatError leaves the child healthy (an uncaught one makes it exit: restarted on the next input)
    if (result.outcome === 'hang' || result.outcome === 'oom' || result.outcome === 'memory') this.kill();
    else if ((result.maxRssMB ?? 0) > RSS_MB * 0.6) this.kill(); // peak RSS is sticky: start clean so the next input is judged alone
    return result;
  }

  close(): void {
    this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// -------------------------------------------------------------------------------------------- findings

/** Same bug, same signature: the kind, the error's class and its first frame in our code (or the message). */
function signature(o: Outcome): string {
  if (o.outcome === 'hang' || o.outcome === 'oom' || o.outcome === 'memory') return o.outcome;
  const frames = (o.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l));
  const ours = frames.find((l) => /\/(pipeline|fuzz)\//.test(l) && !l.includes('node_modules')) ?? frames[0] ?? o.message ?? '';
  const where = ours.replace(/^\s+at /, '').replace(/\(?(file:\/\/)?[^()]*\/(pipeline|node_modules)\//, '$2/').replace(/:\d+\)?$/, '');
  return `${o.outcome}:${o.errorName}:${where}`;
}

/** The coarse behaviour of an input: a new one keeps the input in the corpus (cheap feedback without coverage). */
function feature(o: Outcome): string {
  const m = (o.message ?? '')
    .replace(/\/[^\s:;,)]+/g, 'F')
    .replace(/"[^"]*"|'[^']*'|\([^)]*\)/g, 'S')
    .replace(/-?\d+(\.\d+)?(e[-+]?\d+)?/gi, 'N');
  return `${o.outcome}:${m.slice(0, 90)}`;
}

interface Finding {
  target: TargetName;
  signature: string;
  kind: Kind;
  file: string;
  bytes: number;
  first: string;
}

// ----------------------------------------------------------------------------------------------- mutate

function parseDoc(bytes: Uint8Array, yaml: boolean): unknown {
  const text = new TextDecoder().decode(bytes);
  try {
    return yaml ? YAML.parse(text, { maxAliasCount: 50, logLevel: 'error' }) : JSON.parse(text);
  } catch {
    return undefined;
  }
}

function mutate(target: TargetName, input: Uint8Array, rng: Rng, corpus: Uint8Array[], donors: unknown[]): Uint8Array {
  const stack = 1 + rng.int(rng.chance(0.3) ? 8 : 3);
  if (target === 'tiff') {
    let b = input;
    for (let i = 0; i < stack; i++) b = mutateTiff(b, rng, corpus);
    return b;
  }
  const yaml = target === 'jobspec';
  const doc = rng.chance(0.7) ? parseDoc(input, yaml) : undefined;
  if (doc !== undefined) {
    try {
      let d: unknown = doc;
      for (let i = 0; i < stack; i++) d = mutateValue(d, rng, donors);
      return new TextEncoder().encode(serialiseDoc(d, rng, yaml));
    } catch {
      // a document too deep to clone or serialise here: fall back to byte mutations
    }
  }
  let b = input;
  for (let i = 0; i < Math.min(stack, 3); i++) b = mutateBytes(b, rng, corpus);
  return b;
}

async function minimise(runner: Runner, target: TargetName, input: Uint8Array, sig: string, kind: Kind): Promise<Uint8Array> {
  if (kind !== 'crash') return input; // each try of a hang or OOM costs seconds: keep those as found
  let best = input;
  const deadline = Date.now() + 20_000;
  const still = async (b: Uint8Array) => signature(await runner.exec(target, b)) === sig;
  // truncate: shortest prefix that still crashes the same way (bisection on the length)
  let lo = 0;
  let hi = best.length;
  while (hi - lo > 1 && Date.now() < deadline) {
    const mid = (lo + hi) >> 1;
    if (await still(best.subarray(0, mid))) hi = mid;
    else lo = mid;
  }
  best = best.slice(0, hi);
  // zero chunks (binary formats only: text would stop parsing)
  if (target === 'tiff') {
    for (let size = Math.max(1, best.length >> 3); size >= 16 && Date.now() < deadline; size >>= 1) {
      for (let at = 0; at < best.length && Date.now() < deadline; at += size) {
        if (best.subarray(at, at + size).every((x) => x === 0)) continue;
        const t = Uint8Array.from(best);
        t.fill(0, at, at + size);
        if (await still(t)) best = t;
      }
    }
  }
  return best;
}

// ------------------------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'satfuzz-seeds-'));
  const runner = new Runner();
  const findings: Finding[] = [];
  const stats: Record<string, Record<string, number>> = {};
  const shares = SELECTED.reduce((a, t) => a + SHARE[t], 0);
  console.log(`[fuzz] seed ${SEED}, ${TOTAL_SECONDS} s over ${SELECTED.join(', ')}; crashes to ${CRASH_DIR}`);
  try {
    for (const target of SELECTED) {
      const seeds: Seed[] = target === 'tiff' ? await tiffSeeds(tmp) : target === 'regions' ? regionSeeds() : jobSeeds();
      const rng = new Rng(SEED * 7919 + TARGET_NAMES.indexOf(target));
      const corpus = seeds.map((s) => s.bytes);
      const donors = target === 'tiff' ? [] : corpus.map((b) => parseDoc(b, target === 'jobspec')).filter((d) => d !== undefined);
      const seen = new Set<string>();
      const sigs = new Set<string>();
      const st: Record<string, number> = { execs: 0, ok: 0, sat: 0, crash: 0, hang: 0, oom: 0, memory: 0, corpus: 0, seeds: seeds.length };
      stats[target] = st;
      const until = Date.now() + (TOTAL_SECONDS * 1000 * SHARE[target]) / shares;
      let i = 0;
      while (Date.now() < until) {
        // the seeds themselves first, then mutants
        const input = i < seeds.length ? seeds[i].bytes : mutate(target, rng.pick(corpus), rng, corpus, donors);
        i++;
        const o = await runner.exec(target, input);
        st.execs++;
        st[o.outcome]++;
        const f = feature(o);
        if (o.outcome === 'ok' || o.outcome === 'sat') {
          if (!seen.has(f) && corpus.length < 1000 && input.length < 512 * 1024) {
            seen.add(f);
            corpus.push(input);
            if (target !== 'tiff') {
              const d = parseDoc(input, target === 'jobspec');
              if (d !== undefined) donors.push(d);
            }
          }
          continue;
        }
        const sig = signature(o);
        if (sigs.has(sig)) continue;
        sigs.add(sig);
        const kind = o.outcome as Kind;
        const small = await minimise(runner, target, input, sig, kind);
        const sha = createHash('sha1').update(small).digest('hex');
        const dir = path.join(CRASH_DIR, target);
        mkdirSync(dir, { recursive: true });
        const file = path.join(dir, `${sha}.bin`);
        writeFileSync(file, small);
        const text = [`target: ${target}`, `signature: ${sig}`, `kind: ${kind}`, `error: ${o.errorName ?? ''}: ${o.message ?? ''}`, o.detail ?? '', o.stack ?? ''].join('\n');
        writeFileSync(path.join(dir, `${sha}.txt`), `${text}\n`);
        const first = [`${o.errorName ?? kind}: ${(o.message ?? o.detail ?? '').split('\n')[0]}`, ...(o.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).slice(0, 3)].join('\n');
        findings.push({ target, signature: sig, kind, file: path.relative(repoRoot, file), bytes: small.length, first });
        console.log(`[fuzz] ${target}: NEW ${kind} ${sig} -> ${path.relative(repoRoot, file)} (${input.length} -> ${small.length} bytes)\n${first}`);
      }
      st.corpus = corpus.length;
      console.log(`[fuzz] ${target}: ${JSON.stringify(st)}`);
    }
  } finally {
    runner.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  const report = { seed: SEED, seconds: TOTAL_SECONDS, stats, findings, childStarts: runner.restarts };
  writeFileSync(path.join(tmpdir(), 'satfuzz-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`[fuzz] done: ${findings.length} distinct finding(s); report in ${path.join(tmpdir(), 'satfuzz-report.json')}`);
  for (const f of findings) console.log(`  ${f.target} ${f.kind} ${f.file} ${f.signature}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
