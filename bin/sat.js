#!/usr/bin/env node
// The `sat` command. Runs the compiled CLI in dist/ (npm ci and npm run build make it), unless the
// TypeScript sources are newer (a checkout being edited): then it runs them through tsx, so what runs
// is always what is in pipeline/.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

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
