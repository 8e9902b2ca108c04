/**
 * The fuzzer's child process: runs one input at a time through its target, on request of fuzz/run.ts over IPC,
 * and reports the outcome and the process's peak RSS. Started as
 * `node --max-old-space-size=1024 --import tsx fuzz/child.ts`, killed by the parent on a hang or memory blow-up.
 */
import { isSatError } from '../pipeline/core/errors.js';
import { TARGETS, type TargetName } from './targets.js';

export interface ChildRequest {
  id: number;
  target: TargetName;
  file: string;
}

export interface ChildResult {
  id: number;
  outcome: 'ok' | 'sat' | 'crash';
  errorName?: string;
  message?: string;
  stack?: string;
  /** Peak RSS of this process so far, MiB (resourceUsage().maxRSS). */
  maxRssMB: number;
  /** Resident set now, MiB. */
  rssMB: number;
}

let current: number | null = null;

function send(r: Omit<ChildResult, 'maxRssMB' | 'rssMB'>): Promise<void> {
  const full: ChildResult = { ...r, maxRssMB: process.resourceUsage().maxRSS / 1024, rssMB: process.memoryUsage().rss / 1048576 };
  return new Promise((resolve) => process.send!(full, () => resolve()));
}

function describe(err: unknown) {
  const e = err instanceof Error ? err : new Error(`non-Error thrown: ${String(err)}`);
  return { errorName: e.name || e.constructor?.name, message: String(e.message).slice(0, 2000), stack: String(e.stack ?? '').slice(0, 4000) };
}

async function fatal(err: unknown): Promise<void> {
  if (current !== null) await send({ id: current, outcome: 'crash', ...describe(err) });
  process.exit(3);
}
process.on('uncaughtException', (e) => void fatal(e));
process.on('unhandledRejection', (e) => void fatal(e));

process.on('message', async (req: ChildRequest) => {
  current = req.id;
  try {
    const summary = await TARGETS[req.target].run(req.file);
    await send({ id: req.id, outcome: 'ok', message: summary.slice(0, 300) });
  } catch (err) {
    if (isSatError(err)) await send({ id: req.id, outcome: 'sat', errorName: 'SatError', message: String(err.message).slice(0, 300) });
    else await send({ id: req.id, outcome: 'crash', ...describe(err) });
  }
  current = null;
});
process.send!({ ready: true });
