import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { SatError } from '../core/errors.js';
import { validate } from './load-yaml.js';
import { packageRoot } from '../core/package-root.js';

/** Settings that apply to every run (not one job's inputs: those are the job spec). */
export const SettingsSchema = z
  .object({
    raster: z
      .object({
        decodeThreads: z.number().int().min(0).max(256),
        blockCacheMB: z.number().int().min(0),
        httpTimeoutMs: z.number().int().positive(),
        maxWindowMegapixels: z.number().positive(),
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
        backend: z.enum(['auto', 'tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']),
        inferenceThreads: z.number().int().min(0).max(256),
        batchSize: z.number().int().min(1).max(1024),
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

function deepMerge(base: any, over: any): any {
  if (over === undefined) return base;
  if (typeof base !== 'object' || base === null || typeof over !== 'object' || over === null || Array.isArray(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

/**
 * The defaults (config/default.yaml), overlaid with a user file when given, then with
 * environment variables SAT_DECODE_THREADS, SAT_TF_BACKEND, SAT_INFERENCE_THREADS, SAT_LOG_LEVEL.
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
  merged = deepMerge(merged, fromEnv);
  return parseSettings(merged, userFile ? `${userFile} (over the defaults)` : defaultFile);
}
