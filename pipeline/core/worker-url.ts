import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WorkerOptions } from 'node:worker_threads';

/**
 * Where a worker_threads entry module lives, and how to start it, whether we run from compiled
 * JavaScript (dist/, the `sat` command) or from TypeScript sources (vitest, tsx).
 * `relative` names the module without extension, relative to `fromUrl` (the caller's import.meta.url).
 */
export function workerEntry(fromUrl: string, relative: string): { file: string; options: WorkerOptions } {
  const js = fileURLToPath(new URL(`${relative}.js`, fromUrl));
  if (existsSync(js)) return { file: js, options: {} };
  const ts = fileURLToPath(new URL(`${relative}.ts`, fromUrl));
  return { file: ts, options: { execArgv: [...process.execArgv, '--import', 'tsx'] } };
}
