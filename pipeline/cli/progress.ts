import cliProgress from 'cli-progress';

export interface Progress {
  update(fraction: number, label?: string): void;
  stop(): void;
}

/**
 * A progress bar on stderr when it is a terminal; otherwise (CI, pipes, logs) a line every 10 %.
 * stdout stays reserved for results.
 */
export function createProgress(title: string): Progress {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${title} [{bar}] {percentage}% {label}`, stream: process.stderr, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    bar.start(1000, 0, { label: '' });
    return {
      update: (fraction, label = '') => bar.update(Math.round(fraction * 1000), { label }),
      stop: () => bar.stop(),
    };
  }
  let lastDecile = -1;
  return {
    update(fraction) {
      const decile = Math.floor(fraction * 10);
      if (decile > lastDecile) {
        lastDecile = decile;
        process.stderr.write(`${title}: ${decile * 10}%\n`);
      }
    },
    stop() {},
  };
}

/** One progress bar per named step, each stopped when its step reaches 100 %: for workflows of several steps. */
export function stepProgress(): (step: string, fraction: number, label?: string) => void {
  const bars = new Map<string, Progress>();
  return (step, fraction, label) => {
    let bar = bars.get(step);
    if (!bar) bars.set(step, (bar = createProgress(step)));
    bar.update(fraction, label);
    if (fraction >= 1) bar.stop();
  };
}
