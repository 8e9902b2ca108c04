import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker_threads module given relative to the caller (`fromUrl` = its import.meta.url), whether we
 * run from compiled JavaScript (dist/, the `sat` command) or from TypeScript sources (vitest, tsx): a .ts
 * entry is loaded through tsx's loader, registered inside the new thread.
 */
export function startWorker(fromUrl: string, relative: string, options: WorkerOptions = {}): Worker {
  const js = fileURLToPath(new URL(`${relative}.js`, fromUrl));
  if (existsSync(js)) return new Worker(js, options);
  const ts = pathToFileURL(fileURLToPath(new URL(`${relative}.ts`, fromUrl))).href;
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(ts)}); });`;
  // execArgv: [] so a parent started with `--import tsx` does not load the loader twice.
  return new Worker(bootstrap, { execArgv: [], ...options, eval: true });
}
