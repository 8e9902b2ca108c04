import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { SatError } from '../core/errors.js';
import { validate } from './load-yaml.js';
import { packageRoot } from '../core/package-root.js';
import { parseAllowedOrigin } from '../raster/sources/http-source.js';

/** An allow-list entry: `scheme://host[:port]` (no port: the scheme's default) or a bare host (meaning https). */
const originEntry = z.string().superRefine((entry, ctx) => {
  try {
    parseAllowedOrigin(entry);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

/** Settings that apply to every run (not one job's inputs: those are the job spec). */
export const SettingsSchema = z
  .object({
    raster: z
      .object({
        decodeThreads: z.number().int().min(0).max(256),
        blockCacheMB: z.number().int().min(0),
        httpTimeoutMs: z.number().int().positive(),
        maxWindowMegapixels: z.number().positive(),
        /**
         * When set, http(s) imagery may be read only from these origins (every redirect hop checked) and remote failures
         * are reported without details. Unset: any URL (the CLI). The service sets it from service.allowedHosts.
         */
        allowedOrigins: z.array(originEntry).optional(),
        /**
         * When set, local files named by STAC catalogues (their documents and asset hrefs) must lie in these folders,
         * symlinks resolved. Unset: any file (the CLI). The service sets it from service.dataRoots.
         */
        localRoots: z.array(z.string()).optional(),
      })
      .strict(),
    tiling: z
      .object({
        tileSize: z.number().int().min(16).max(16384),
        halo: z.number().int().min(0).max(4096),
      })
      .strict(),
    model: z
      .object({
        backend: z.enum(['auto', 'webgpu', 'tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']),
        inferenceThreads: z.number().int().min(0).max(256),
        batchSize: z.number().int().min(1).max(1024),
      })
      .strict(),
    /** The queued service: Redis, where artifacts live, what inputs jobs may read, who may call the API. */
    service: z
      .object({
        redisUrl: z.string().url(),
        /** Key prefix of every queue and key, so several deployments (or test runs) can share one Redis. */
        prefix: z.string().regex(/^[A-Za-z0-9_.-]+$/),
        artifactsDir: z.string(),
        /** Folders job inputs must lie in (after resolving symlinks); relative paths in jobs are relative to the first. */
        dataRoots: z.array(z.string()).min(1),
        /**
         * Origins http(s) inputs may come from: `scheme://host[:port]` (no port: 80 for http, 443 for https), e.g.
         * `https://example.org` or `http://127.0.0.1:8081`; a bare `host` or `host:port` means https. Scheme, host and
         * port must all match; redirects are followed only to listed origins. Empty: no URL inputs.
         */
        allowedHosts: z.array(originEntry),
        port: z.number().int().min(0).max(65535),
        host: z.string(),
        /** Largest request body the API accepts. */
        bodyLimitKB: z.number().int().positive(),
        /** API bearer tokens: name → token. Each name sees only the jobs and schedules it created. */
        tokens: z.record(z.string(), z.string().min(16)),
        /** A worker holds a job's lock this long between renewals; a killed worker's job is retried after it lapses. */
        lockDurationMs: z.number().int().positive(),
        stalledIntervalMs: z.number().int().positive(),
        attempts: z.number().int().min(1),
        backoffMs: z.number().int().min(0),
        /** Tiles a classify worker collects into one inference batch (across jobs), and how long it waits for them. */
        /** Finished jobs older than this are deleted with their results by `sat serve` (0: kept until purged). */
        retentionDays: z.number().min(0),
        /** Schedules: the shortest time between two runs (every, or a cron's closest firings), and how many one token may have. */
        minScheduleIntervalMs: z.number().int().min(1000),
        maxSchedulesPerOwner: z.number().int().min(1),
        classifyBatch: z.number().int().min(1),
        classifyBatchWaitMs: z.number().int().min(0),
      })
      .strict(),
    /** Caps on what one input or job may make us read or plan: a file's header or size is a claim, not a fact. */
    limits: z
      .object({
        /** Largest scene (width x height) a job may read, in megapixels, and most tiles one job's plan may have. */
        maxSceneMegapixels: z.number().positive(),
        maxTiles: z.number().int().positive(),
        /** Largest regions/AOI GeoJSON file, in MiB. */
        regionsFileMB: z.number().positive(),
        /** Most features in a regions file. */
        maxRegions: z.number().int().positive(),
      })
      .strict(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  })
  .strict();

export type Settings = z.infer<typeof SettingsSchema>;

const defaultFile = path.join(packageRoot(), 'config', 'default.yaml');

/** Validates `value` against the schema; on failure a SatError lists every bad key by its path. */
export function parseSettings(value: unknown, origin: string): Settings {
  return validate(SettingsSchema, value, `invalid configuration in ${origin}`, 'E_CONFIG');
}

function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SatError('E_NOT_FOUND', `cannot read configuration file ${file}: ${(err as Error).message}`);
  }
  try {
    return YAML.parse(text);
  } catch (err) {
    throw new SatError('E_CONFIG', `configuration file ${file} is not valid YAML: ${(err as Error).message}`);
  }
}

/**
 * SAT_API_TOKENS: "name=token,name2=token2". A token is everything after the first '=' (base64 tokens end in '=');
 * a pair without '=' or with an empty name is an error, not a token silently cut or dropped.
 */
export function parseTokenList(list: string): Record<string, string> {
  const tokens: Record<string, string> = {};
  for (const pair of list.split(',').map((p) => p.trim()).filter(Boolean)) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new SatError('E_CONFIG', 'SAT_API_TOKENS: each entry is name=token (a token is everything after the first "=")');
    tokens[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return tokens;
}

function deepMerge(base: any, over: any): any {
  if (over === undefined) return base;
  if (typeof base !== 'object' || base === null || typeof over !== 'object' || over === null || Array.isArray(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

/**
 * The defaults (config/default.yaml), overlaid with a user file when given, then with
 * environment variables SAT_DECODE_THREADS, SAT_TF_BACKEND, SAT_INFERENCE_THREADS, SAT_LOG_LEVEL, and for the service
 * REDIS_URL, SAT_PREFIX, SAT_ARTIFACTS_DIR, SAT_DATA_ROOTS (':'-separated), SAT_API_PORT, SAT_API_TOKENS (name=token,...).
 */
export function loadSettings(userFile?: string, env: NodeJS.ProcessEnv = process.env): Settings {
  let merged = readYaml(defaultFile);
  if (userFile) merged = deepMerge(merged, readYaml(path.resolve(userFile)));
  const fromEnv: any = {};
  if (env.SAT_DECODE_THREADS !== undefined) fromEnv.raster = { decodeThreads: Number(env.SAT_DECODE_THREADS) };
  if (env.SAT_TF_BACKEND !== undefined || env.SAT_INFERENCE_THREADS !== undefined) {
    fromEnv.model = {};
    if (env.SAT_TF_BACKEND !== undefined) fromEnv.model.backend = env.SAT_TF_BACKEND;
    if (env.SAT_INFERENCE_THREADS !== undefined) fromEnv.model.inferenceThreads = Number(env.SAT_INFERENCE_THREADS);
  }
  if (env.SAT_LOG_LEVEL !== undefined) fromEnv.logLevel = env.SAT_LOG_LEVEL;
  const service: Record<string, unknown> = {};
  if (env.REDIS_URL !== undefined) service.redisUrl = env.REDIS_URL;
  if (env.SAT_PREFIX !== undefined) service.prefix = env.SAT_PREFIX;
  if (env.SAT_ARTIFACTS_DIR !== undefined) service.artifactsDir = env.SAT_ARTIFACTS_DIR;
  if (env.SAT_DATA_ROOTS !== undefined) service.dataRoots = env.SAT_DATA_ROOTS.split(path.delimiter).filter(Boolean);
  if (env.SAT_API_PORT !== undefined) service.port = Number(env.SAT_API_PORT);
  if (env.SAT_API_TOKENS !== undefined) service.tokens = parseTokenList(env.SAT_API_TOKENS);
  if (Object.keys(service).length) fromEnv.service = service;
  merged = deepMerge(merged, fromEnv);
  return parseSettings(merged, userFile ? `${userFile} (over the defaults)` : defaultFile);
}
