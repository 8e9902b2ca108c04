/**
 * Every input the fuzzer (npm run fuzz) ever found crashing a reader, kept as test/fuzz-regressions/<target>/<sha1>.bin,
 * run in-process through its target: it must succeed or throw a SatError. Hangs are left to vitest's timeout.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isSatError } from '../pipeline/core/errors.js';
import { TARGET_NAMES, TARGETS } from '../fuzz/targets.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fuzz-regressions');
const tmp = mkdtempSync(path.join(tmpdir(), 'fuzz-regressions-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cases = TARGET_NAMES.flatMap((target) => {
  const dir = path.join(root, target);
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.bin'))
        .sort()
        .map((f) => ({ name: `${target}/${f}`, target, file: f }))
    : [];
});

describe('fuzz regressions', () => {
  it('every saved input belongs to a known target', () => {
    const dirs = existsSync(root) ? readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name) : [];
    for (const d of dirs) expect(TARGET_NAMES as string[]).toContain(d);
  });

  it.each(cases)('$name succeeds or throws a SatError', async ({ target, file }) => {
    const input = path.join(tmp, `${file}${TARGETS[target].ext}`);
    copyFileSync(path.join(root, target, file), input);
    let thrown: unknown = null;
    try {
      await TARGETS[target].run(input);
    } catch (err) {
      thrown = err;
    }
    if (thrown !== null && !isSatError(thrown)) {
      throw new Error(`${target}/${file}: not a SatError: ${(thrown as Error)?.stack ?? String(thrown)}`);
    }
  });
});
