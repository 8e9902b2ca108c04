/**
 * Replays saved fuzz inputs in-process through their targets and says which now meet the contract (success or a
 * SatError). With --keep, copies those (and their .txt notes) into test/fuzz-regressions/<target>/, unless larger
 * than 64 KiB (a slow-input finding is no unit test).
 *
 *   node --import tsx fuzz/replay.ts /tmp/fuzz-crashes [--keep]
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isSatError } from '../pipeline/core/errors.js';
import { repoRoot } from './seeds.js';
import { TARGET_NAMES, TARGETS } from './targets.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const keep = args.includes('--keep');
  const root = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join(repoRoot, 'test/fuzz-regressions'));
  const tmp = mkdtempSync(path.join(tmpdir(), 'satfuzz-replay-'));
  let failing = 0;
  for (const target of TARGET_NAMES) {
    const dir = path.join(root, target);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.bin')).sort()) {
      const input = path.join(tmp, `${f}${TARGETS[target].ext}`);
      copyFileSync(path.join(dir, f), input);
      let verdict = 'pass';
      try {
        await TARGETS[target].run(input);
      } catch (err) {
        if (!isSatError(err)) {
          const at = String((err as Error)?.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).slice(0, 4);
          verdict = [`CRASH ${(err as Error)?.name}: ${String((err as Error)?.message).split('\n')[0].slice(0, 160)}`, ...at].join('\n');
          failing++;
        }
      }
      console.log(`${target}/${f}: ${verdict}`);
      const small = statSync(path.join(dir, f)).size <= 64 * 1024;
      if (keep && verdict === 'pass' && !small) console.log(`  not kept: over 64 KiB`);
      if (keep && verdict === 'pass' && small) {
        const dest = path.join(repoRoot, 'test/fuzz-regressions', target);
        mkdirSync(dest, { recursive: true });
        copyFileSync(path.join(dir, f), path.join(dest, f));
        const notes = path.join(dir, f.replace(/\.bin$/, '.txt'));
        if (existsSync(notes)) copyFileSync(notes, path.join(dest, path.basename(notes)));
      }
    }
  }
  rmSync(tmp, { recursive: true, force: true });
  process.exitCode = failing ? 1 : 0;
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
