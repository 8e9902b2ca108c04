#!/usr/bin/env node
// The `sat` command. Runs the compiled CLI (npm ci / npm run build make dist/);
// falls back to the TypeScript sources through tsx when dist/ is missing (a fresh checkout in development).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/pipeline/cli/sat.js', import.meta.url));
if (existsSync(compiled)) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../pipeline/cli/sat.ts');
}
