#!/usr/bin/env node
// The `sat` command. Runs the compiled CLI in dist/ (npm ci and npm run build make it), unless the
// TypeScript sources are newer (a checkout being edited): then it runs them through tsx, so what runs
// is always what is in pipeline/.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The commands that run the tile pipeline in this process start Node again with a larger initial old-generation
// limit: with V8's default (a few tens of MB) the stream of per-tile arrays sets off a full garbage collection every
// ~100 ms, about 220 on a 4096² run instead of 58, which cost 10-13 % of the CPU and wall time (measured side by
// side). V8 reads the flag only when the heap is made, so it cannot be set from here. Signals are passed on and the
// child's exit is ours. Long-running services (sat serve, sat worker) are left alone: they must die by their own PID.
const HEAP_FLAG = '--initial-old-space-size=512';
const command = process.argv.slice(2).find((a) => !a.startsWith('-'));
if (['run', 'predict', 'demo'].includes(command) && !process.execArgv.some((a) => a.startsWith('--initial-old-space-size'))) {
  const child = spawn(process.execPath, [...process.execArgv, HEAP_FLAG, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  const [code, signal] = await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  process.exit(code ?? 1);
}

const compiled = fileURLToPath(new URL('../dist/pipeline/cli/sat.js', import.meta.url));
const sources = fileURLToPath(new URL('../pipeline', import.meta.url));

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestSource(file) : statSync(file).mtimeMs);
  }
  return newest;
}

const useCompiled = existsSync(compiled) && (!existsSync(sources) || statSync(compiled).mtimeMs >= newestSource(sources));
if (useCompiled) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../pipeline/cli/sat.ts');
}
