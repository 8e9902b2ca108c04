/**
 * Whole-file decoding beside GDAL: `sat info --stats` and `gdalinfo -stats` (one thread, no .aux.xml read or written)
 * on the same file, one after the other, each as the command a user runs. CPU seconds (user + system, every thread,
 * start-up included) come from /usr/bin/time, so the ratio holds on a busy machine where wall time does not.
 * The two commands' statistics are compared too: a fast read that decodes wrongly is not a result.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export interface CommandCost {
  wallSeconds: number;
  cpuSeconds: number;
  maxRssMB: number;
}

export interface DecodeComparison {
  gdal: CommandCost;
  /** The command, `sat info --stats`, and the read alone (bench/measure-prepare.ts stats: no CLI start-up). */
  ours: CommandCost;
  read: CommandCost;
  /** Valid count, min and max equal and means within GDAL's printed precision, band by band. */
  statsAgree: boolean;
}

/** Runs a command under /usr/bin/time; its stdout and what it cost. */
export function timed(command: string, args: string[], env: NodeJS.ProcessEnv): { stdout: string; cost: CommandCost } {
  const res = spawnSync('/usr/bin/time', ['-f', 'cost %e %U %S %M', command, ...args], { env, encoding: 'utf8', maxBuffer: 1 << 26 });
  const line = res.stderr.trim().split('\n').pop() ?? '';
  const m = /^cost ([\d.]+) ([\d.]+) ([\d.]+) (\d+)$/.exec(line);
  if (res.status !== 0 || !m) throw new Error(`${command} ${args.join(' ')} failed: ${res.stderr.trim().slice(-400)}`);
  return { stdout: res.stdout, cost: { wallSeconds: Number(m[1]), cpuSeconds: Number(m[2]) + Number(m[3]), maxRssMB: Number(m[4]) / 1024 } };
}

interface Stats {
  min: number | null;
  max: number | null;
  mean: number | null;
}

export function canCompareDecode(): boolean {
  return existsSync('/usr/bin/time') && spawnSync('gdalinfo', ['--version']).status === 0;
}

export function measureDecode(file: string, root: string): DecodeComparison {
  const env = { ...process.env, GDAL_NUM_THREADS: '1', GDAL_PAM_ENABLED: 'NO', SAT_LOG_LEVEL: 'warn' };
  const gdal = timed('gdalinfo', ['-stats', '-json', file], env);
  const ours = timed(process.execPath, [path.join(root, 'bin/sat.js'), 'info', '--stats', '--json', file], env);
  const read = timed(process.execPath, ['--import', 'tsx', path.join(root, 'bench/measure-prepare.ts'), 'stats', file], env);
  const gdalStats: Stats[] = JSON.parse(gdal.stdout).bands.map((b: { minimum?: number; maximum?: number; mean?: number }) => ({
    min: b.minimum ?? null,
    max: b.maximum ?? null,
    mean: b.mean ?? null,
  }));
  const ourStats: Stats[] = JSON.parse(ours.stdout).band_stats;
  // gdalinfo -json prints means to 3 decimals.
  const statsAgree =
    gdalStats.length === ourStats.length &&
    gdalStats.every((g, i) => g.min === ourStats[i].min && g.max === ourStats[i].max && (g.mean === ourStats[i].mean || Math.abs(g.mean! - ourStats[i].mean!) <= 5e-4));
  return { gdal: gdal.cost, ours: ours.cost, read: read.cost, statsAgree };
}
