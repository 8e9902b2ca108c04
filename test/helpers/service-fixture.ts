import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import YAML from 'yaml';
import { loadSettings, type Settings } from '../../pipeline/config/settings.js';
import { loadClassScheme } from '../../pipeline/model/class-scheme.js';
import { loadBandRecipe } from '../../pipeline/preprocess/band-recipe.js';
import { buildApi } from '../../pipeline/service/api.js';
import { ServiceContext } from '../../pipeline/service/service-context.js';
import type { JobStatus } from '../../pipeline/service/job-status.js';
import { generateScene } from '../../pipeline/synth/generate-scene.js';
import { trainModel } from '../../pipeline/workflows/train-model.js';
import { repoRoot } from './shared-data.js';

export const TOKENS = { alice: 'alice-token-0123456789abcdef', bob: 'bob-token-0123456789abcdef' };

/** A synthetic scene with regions and truth, and a small land-cover model trained on it, in `dir`. */
export async function makeServiceData(dir: string, size = 256): Promise<void> {
  await generateScene(path.join(dir, 'scene'), { width: size, height: size, seed: 7, cloudCover: 0.05, regions: 3 });
  await trainModel({
    task: 'landcover',
    imagery: path.join(dir, 'scene', 'scene.tif'),
    labels: { file: path.join(dir, 'scene', 'truth.tif') },
    aux: path.join(dir, 'scene', 'clouds.tif'),
    recipe: loadBandRecipe('synth-s2'),
    classes: loadClassScheme('synth'),
    out: path.join(dir, 'model'),
    epochs: 2,
    seed: 1,
    split: { kind: 'blocks', blockSize: 64, testFraction: 0.3, seed: 1 },
    width: 8,
    backend: 'wasm',
  });
}

/** A job over the synthetic data, as submitted to the API (paths relative to the data root). */
export const serviceJob = (extra: Record<string, unknown> = {}) => ({
  name: 'synth-aoi',
  imagery: 'scene/scene.tif',
  aux: 'scene/clouds.tif',
  model: 'model',
  regions: { file: 'scene/regions.geojson', idField: 'code' },
  reference: { raster: 'scene/truth.tif', sampleSize: 300, minPerStratum: 20 },
  period: '2020-06-01',
  seed: 3,
  ...extra,
});

/**
 * One service deployment for a test file: its own key prefix on the test Redis (REDIS_URL or 127.0.0.1:6379),
 * its own artifacts folder and settings file, the API in-process on a free port, workers as child processes
 * (`sat worker`, so they can be killed). `close()` stops everything and deletes every key under the prefix.
 */
export class ServiceFixture {
  readonly configFile: string;
  readonly settings: Settings;
  readonly ctx: ServiceContext;
  private app: FastifyInstance | null = null;
  private apiCtx: ServiceContext | null = null;
  url = '';
  private readonly children: ChildProcess[] = [];

  constructor(
    readonly dir: string,
    readonly dataDir: string,
    options: { redisUrl?: string; service?: Record<string, unknown>; tiling?: { tileSize: number; halo: number } } = {},
  ) {
    const prefix = `sattest${process.pid}${Math.random().toString(36).slice(2, 8)}`;
    this.configFile = path.join(dir, 'settings.yaml');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      this.configFile,
      YAML.stringify({
        tiling: options.tiling ?? { tileSize: 128, halo: 16 },
        model: { backend: 'wasm', inferenceThreads: 1, batchSize: 2 },
        service: {
          redisUrl: options.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
          prefix,
          artifactsDir: path.join(dir, 'artifacts'),
          dataRoots: [dataDir],
          tokens: TOKENS,
          lockDurationMs: 2000,
          stalledIntervalMs: 1000,
          attempts: 3,
          backoffMs: 200,
          classifyBatch: 4,
          classifyBatchWaitMs: 20,
          minScheduleIntervalMs: 1000,
          ...options.service,
        },
        logLevel: 'warn',
      }),
    );
    this.settings = loadSettings(this.configFile, {});
    this.ctx = new ServiceContext(this.settings);
  }

  /** The API in-process, on a context of its own that fails fast while Redis is down (as `sat serve` does). */
  async startApi(): Promise<void> {
    this.apiCtx = new ServiceContext(this.settings, 'fails-fast');
    this.app = await buildApi(this.apiCtx);
    this.url = await this.app.listen({ port: 0, host: '127.0.0.1' });
  }

  /** `sat worker` in a child process, on the fixture's settings. */
  startWorker(queues = 'all', concurrency = 2): ChildProcess {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/sat.js'), 'worker', '--config', this.configFile, '--queues', queues, '--concurrency', String(concurrency)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, SAT_TF_BACKEND: 'wasm', SAT_LOG_LEVEL: 'warn' },
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => (child as ChildProcess & { log?: string }).log = ((child as ChildProcess & { log?: string }).log ?? '') + d);
    this.children.push(child);
    return child;
  }

  async fetch(route: string, init: { method?: string; body?: unknown; token?: string | null; raw?: string } = {}): Promise<Response> {
    const token = init.token === undefined ? TOKENS.alice : init.token;
    return fetch(`${this.url}${route}`, {
      method: init.method ?? (init.body !== undefined || init.raw !== undefined ? 'POST' : 'GET'),
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.body !== undefined || init.raw !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
    });
  }

  async submit(job: unknown, token = TOKENS.alice): Promise<JobStatus> {
    const response = await this.fetch('/jobs', { body: job, token });
    if (response.status !== 201) throw new Error(`submit: ${response.status} ${await response.text()}`);
    return (await response.json()) as JobStatus;
  }

  async status(id: string): Promise<JobStatus> {
    return (await (await this.fetch(`/jobs/${id}`)).json()) as JobStatus;
  }

  /**
   * Polls `check` until it gives a value. No wall-clock limit (a busy machine is slow, not broken); it fails at once
   * when every worker started has exited, since then nothing can change, with what the workers said.
   */
  async until<T>(what: string, check: () => Promise<T | undefined | null | false>, everyMs = 50): Promise<T> {
    for (;;) {
      const value = await check();
      if (value) return value;
      if (this.children.length > 0 && this.children.every((c) => c.exitCode !== null || c.signalCode !== null)) {
        const logs = this.children.map((c) => (c as ChildProcess & { log?: string }).log ?? '').join('\n');
        throw new Error(`${what}: every worker has exited\n${logs}`);
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  /** Polls until every job is completed, failed or cancelled. */
  async waitFor(ids: string[]): Promise<JobStatus[]> {
    return this.until(`waiting for ${ids.length} job(s)`, async () => {
      const all = await Promise.all(ids.map((id) => this.status(id)));
      return all.every((s) => s.state === 'completed' || s.state === 'failed' || s.state === 'cancelled') && all;
    }, 200);
  }

  async close(): Promise<void> {
    const running = this.children.filter((c) => c.exitCode === null && c.signalCode === null);
    for (const c of running) c.kill('SIGTERM');
    await Promise.all(running.map((c) => new Promise((r) => c.once('exit', r))));
    await this.app?.close();
    try {
      await Promise.all(this.ctx.allQueues().map((q) => q.obliterate({ force: true }).catch(() => {})));
      let cursor = '0';
      do {
        const [next, keys] = await this.ctx.redis.scan(cursor, 'MATCH', `${this.ctx.prefix}:*`, 'COUNT', 1000);
        if (keys.length) await this.ctx.redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      await this.ctx.close();
      await this.apiCtx?.close();
    }
  }
}

export function tempDir(name: string): string {
  return mkdtempSync(path.join(tmpdir(), `sat-${name}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
