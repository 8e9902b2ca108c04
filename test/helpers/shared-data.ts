import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The shared real-data folder: $SAT_SHARED_DATA, else ../shared/data beside the repository. */
export const sharedDataDir = process.env.SAT_SHARED_DATA ?? path.resolve(repoRoot, '../shared/data');

export const hasSharedData = existsSync(sharedDataDir);

export function sharedPath(...parts: string[]): string {
  return path.join(sharedDataDir, ...parts);
}

/**
 * A describe() for tests that need ../shared/data. In CI a missing folder is a failure
 * (the suite throws); elsewhere the suite is skipped with a message saying why.
 */
export function describeWithSharedData(name: string, fn: () => void): void {
  if (hasSharedData) {
    describe(name, fn);
    return;
  }
  if (process.env.CI) {
    throw new Error(`shared data folder not found at ${sharedDataDir} (set SAT_SHARED_DATA)`);
  }
  console.warn(`[skip] ${name}: shared data folder not found at ${sharedDataDir} (set SAT_SHARED_DATA)`);
  describe.skip(name, fn);
}

export { repoRoot };
