/**
 * The deployment files: docker-compose.yml as docker-compose 1.29 (Debian's, `apt-get install docker-compose`)
 * normalises it, without a .env file; and the Dockerfile's text (no Docker daemon needed for either).
 * Without docker-compose on PATH the compose tests are skipped, except under CI (which installs it): there they fail.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import YAML from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SERVICES = ['redis', 'api', 'cpu-worker', 'gpu-worker', 'demo'];
const SATSTAT_SERVICES = ['api', 'cpu-worker', 'gpu-worker'];

const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
const skipCompose = !hasCompose && !process.env.CI;
if (skipCompose) console.warn('test/deploy: docker-compose is not on PATH, so docker-compose.yml is not checked (apt-get install docker-compose)');
const composeTest = (name: string) => `${name}${skipCompose ? ' (skipped: docker-compose is not on PATH)' : ''}`;

const scratch: string[] = [];
afterAll(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sat-deploy-'));
  scratch.push(dir);
  return dir;
}

interface ComposeConfig {
  services: Record<string, { environment?: Record<string, string | null> | string[]; command?: string[]; build?: { args?: Record<string, string> } }>;
}

/**
 * `docker-compose config` of the repo's docker-compose.yml, copied alone into a fresh folder (so no .env file is
 * read), with only `vars` (and PATH, HOME) in its environment.
 */
function composeConfig(vars: Record<string, string> = {}): { status: number | null; stderr: string; config: ComposeConfig } {
  if (!hasCompose) throw new Error('docker-compose is not on PATH: CI installs it (.ci/run: apt-get install docker-compose)');
  const dir = tempDir();
  copyFileSync(path.join(root, 'docker-compose.yml'), path.join(dir, 'docker-compose.yml'));
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? dir, ...vars };
  const r = spawnSync('docker-compose', ['--project-name', 'satstat', 'config'], { cwd: dir, env, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr, config: r.status === 0 ? (YAML.parse(r.stdout) as ComposeConfig) : { services: {} } };
}

/** A service's environment as a map, whether compose wrote it as a map or a KEY=value list. */
function envOf(config: ComposeConfig, service: string): Record<string, string | null> {
  const env = config.services[service]?.environment ?? {};
  if (!Array.isArray(env)) return env;
  return Object.fromEntries(env.map((kv) => { const i = kv.indexOf('='); return i < 0 ? [kv, null] : [kv.slice(0, i), kv.slice(i + 1)]; }));
}

function queuesOf(config: ComposeConfig, service: string): string {
  const cmd = config.services[service]?.command ?? [];
  const at = cmd.indexOf('--queues');
  expect(at, `${service} names its queues`).toBeGreaterThanOrEqual(0);
  return cmd[at + 1];
}

describe('docker-compose.yml', () => {
  it.skipIf(skipCompose)(composeTest('validates without a .env file: every service, the shared environment in each, the API tokens possibly empty'), () => {
    const { status, stderr, config } = composeConfig();
    expect(status, stderr).toBe(0);
    expect(Object.keys(config.services).sort()).toEqual([...SERVICES].sort());
    for (const service of SATSTAT_SERVICES) {
      const env = envOf(config, service);
      for (const name of ['REDIS_URL', 'SAT_ARTIFACTS_DIR', 'SAT_DATA_ROOTS', 'SAT_LOG_LEVEL']) expect(env, `${service}: ${name}`).toHaveProperty(name);
      expect(env.SAT_LOG_LEVEL).toBe('info');
    }
    expect(envOf(config, 'api')).toHaveProperty('SAT_API_TOKENS');
    expect(envOf(config, 'api').SAT_API_TOKENS ?? '').toBe('');
    expect(envOf(config, 'gpu-worker').SAT_TF_BACKEND).toBe('tfjs-node-gpu');
    expect(config.services['gpu-worker'].build?.args?.WITH_GPU).toBe('1');
  }, 120_000);

  it.skipIf(skipCompose)(composeTest('passes the tokens, the log level and the code version through from the environment'), () => {
    const { status, stderr, config } = composeConfig({ SAT_API_TOKENS: 'alice=a-long-random-token-1234', SAT_LOG_LEVEL: 'debug', SAT_CODE_VERSION: '0.1.0+abc1234' });
    expect(status, stderr).toBe(0);
    expect(envOf(config, 'api').SAT_API_TOKENS).toBe('alice=a-long-random-token-1234');
    for (const service of SATSTAT_SERVICES) expect(envOf(config, service).SAT_LOG_LEVEL, service).toBe('debug');
    for (const service of [...SATSTAT_SERVICES, 'demo']) expect(config.services[service].build?.args?.SAT_CODE_VERSION, service).toBe('0.1.0+abc1234');
  }, 120_000);

  it.skipIf(skipCompose)(composeTest('sets only environment variables the settings read'), () => {
    const settings = readFileSync(path.join(root, 'pipeline/config/settings.ts'), 'utf8');
    const { status, stderr, config } = composeConfig();
    expect(status, stderr).toBe(0);
    for (const service of SATSTAT_SERVICES) {
      for (const name of Object.keys(envOf(config, service))) expect(settings, `${service}: ${name}`).toContain(`env.${name}`);
    }
  }, 120_000);

  it.skipIf(skipCompose)(composeTest('the workers take queues that exist, and between them every queue'), async () => {
    const { status, stderr, config } = composeConfig();
    expect(status, stderr).toBe(0);
    const { parseQueueList, QUEUES } = await import('../../pipeline/service/queues.js');
    const served = new Set(['cpu-worker', 'gpu-worker'].flatMap((s) => parseQueueList(queuesOf(config, s))));
    expect([...served].sort()).toEqual([...QUEUES].sort());
  }, 120_000);
});

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function dockerfile(): { op: string; args: string }[] {
  const text = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  return text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const m = /^\s*(\w+)\s+(.*)$/s.exec(line);
      if (!m) throw new Error(`Dockerfile: cannot read ${line}`);
      return { op: m[1].toUpperCase(), args: m[2].trim() };
    });
}

describe('Dockerfile', () => {
  const steps = dockerfile();
  const runs = steps.filter((s) => s.op === 'RUN').map((s) => s.args);

  it('keeps optional dependencies (sharp ships its platform binaries as such) and installs nothing after dropping dev dependencies', () => {
    for (const run of runs) expect(run).not.toMatch(/--omit[= ]optional|--no-optional/);
    const all = runs.join('\n');
    expect(all).toMatch(/npm ci\b/);
    const prune = all.indexOf('npm prune --omit=dev');
    expect(prune).toBeGreaterThan(all.indexOf('npm ci'));
    for (const m of all.slice(prune).matchAll(/npm (?:install|i|add)\b[^&;\n]*/g)) expect(m[0]).toContain('--omit=dev');
  });

  it('runs as an unprivileged user that owns /artifacts', () => {
    const users = steps.filter((s) => s.op === 'USER').map((s) => s.args);
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1].split(':')[0];
    expect(['root', '0']).not.toContain(user);
    expect(runs.join('\n')).toMatch(new RegExp(`chown ${user}(:${user})? /artifacts`));
  });

  it('bakes the SAT_CODE_VERSION build arg into the environment (the image has no git)', () => {
    expect(steps.some((s) => s.op === 'ARG' && /^SAT_CODE_VERSION\b/.test(s.args))).toBe(true);
    expect(steps.some((s) => s.op === 'ENV' && /^SAT_CODE_VERSION[= ]\$\{?SAT_CODE_VERSION\}?$/.test(s.args))).toBe(true);
  });

  it('takes tfjs-node (and tfjs-node-gpu unless WITH_GPU=1) out of package.json and the lockfile, and nothing else', () => {
    const strip = runs.map((r) => /^node -e '(.*)'$/s.exec(r)?.[1]).find((script) => script?.includes('package-lock.json'));
    expect(strip, 'the RUN node -e step that edits package.json and the lockfile').toBeDefined();
    const pkg0 = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    const lock0 = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
    for (const withGpu of ['0', '1']) {
      const dir = tempDir();
      for (const f of ['package.json', 'package-lock.json']) copyFileSync(path.join(root, f), path.join(dir, f));
      execFileSync(process.execPath, ['-e', strip!], { cwd: dir, env: { ...process.env, WITH_GPU: withGpu } });
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      const lock = JSON.parse(readFileSync(path.join(dir, 'package-lock.json'), 'utf8'));
      const kept = withGpu === '1' ? ['@tensorflow/tfjs-node-gpu'] : [];
      expect(Object.keys(pkg.optionalDependencies ?? {}), `WITH_GPU=${withGpu}`).toEqual(kept);
      // npm ci needs the lockfile's root to agree with package.json
      expect(lock.packages[''].optionalDependencies ?? {}).toEqual(pkg.optionalDependencies ?? {});
      expect(lock.packages['node_modules/@tensorflow/tfjs-node']).toBeUndefined();
      expect(lock.packages['node_modules/@tensorflow/tfjs-node-gpu'] !== undefined).toBe(withGpu === '1');
      // everything else as it was: dependencies, sharp and its platform packages
      expect({ ...pkg, optionalDependencies: undefined }).toEqual({ ...pkg0, optionalDependencies: undefined });
      const others = (l: { packages: Record<string, unknown> }) => Object.keys(l.packages).filter((k) => !k.includes('tfjs-node'));
      expect(others(lock)).toEqual(others(lock0));
      expect(lock.packages['node_modules/@img/sharp-linux-x64']).toEqual(lock0.packages['node_modules/@img/sharp-linux-x64']);
    }
  });
});

describe('codeVersion', () => {
  const saved = process.env.SAT_CODE_VERSION;
  afterEach(() => {
    if (saved === undefined) delete process.env.SAT_CODE_VERSION;
    else process.env.SAT_CODE_VERSION = saved;
  });
  async function freshCodeVersion(value: string | undefined): Promise<string> {
    if (value === undefined) delete process.env.SAT_CODE_VERSION;
    else process.env.SAT_CODE_VERSION = value;
    vi.resetModules();
    const { codeVersion } = await import('../../pipeline/core/version.js');
    return codeVersion();
  }

  it('is SAT_CODE_VERSION when set (what the image bakes in), else the package version (plus the commit in a checkout)', async () => {
    const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
    expect(await freshCodeVersion('0.1.0+abc1234')).toBe('0.1.0+abc1234');
    expect(await freshCodeVersion('')).toMatch(new RegExp(`^${version.replace(/\./g, '\\.')}(\\+[0-9a-f]+)?$`));
    expect(await freshCodeVersion(undefined)).toMatch(new RegExp(`^${version.replace(/\./g, '\\.')}(\\+[0-9a-f]+)?$`));
  });
});
