import type { Command } from 'commander';
import { SatError } from '../../core/errors.js';
import { logger } from '../../core/logger.js';
import { buildApi } from '../../service/api.js';
import { parseQueueList, QUEUE_GROUPS, QUEUES } from '../../service/queues.js';
import { purgeExpiredJobs } from '../../service/retention.js';
import { ServiceContext } from '../../service/service-context.js';
import { runWorkers } from '../../../workers/run-workers.js';
import { cliSettings } from '../cli-settings.js';
import { integerOption } from '../parse-options.js';

/** Resolves when the process is asked to stop (SIGTERM from an orchestrator, SIGINT from a terminal). */
const stopSignal = () => new Promise<string>((resolve) => ['SIGTERM', 'SIGINT'].forEach((s) => process.once(s, () => resolve(s))));

/** `sat serve` and `sat worker`: the service's two kinds of process. */
export function register(program: Command): void {
  program
    .command('serve')
    .description('the HTTP API of the queued service (jobs, schedules, results, time series; OpenAPI at /openapi.json)')
    .option('--port <n>', 'port (default: service.port)', integerOption('--port'))
    .option('--host <addr>', 'address to listen on (default: service.host)')
    .option('--config <file>', 'settings file (YAML) over config/default.yaml')
    .action(async (opts: { port?: number; host?: string; config?: string }) => {
      const settings = cliSettings(opts.config);
      if (Object.keys(settings.service.tokens).length === 0) {
        throw new SatError('E_CONFIG', 'no API tokens: set service.tokens in a settings file or SAT_API_TOKENS=name=token (16+ characters)');
      }
      const ctx = new ServiceContext(settings, 'fails-fast');
      const app = await buildApi(ctx);
      const address = await app.listen({ port: opts.port ?? settings.service.port, host: opts.host ?? settings.service.host });
      process.stderr.write(`sat serve: listening on ${address}\n`);
      // Retention: every hour, finished jobs past service.retentionDays go (any API instance may do it; purging is idempotent).
      const days = settings.service.retentionDays;
      const sweep = () => purgeExpiredJobs(ctx, Date.now() - days * 86_400_000).catch((err) => logger.warn({ err: (err as Error).message }, 'retention sweep failed'));
      const timer = days > 0 ? setInterval(sweep, 3_600_000) : null;
      if (days > 0) void sweep();
      await stopSignal();
      if (timer) clearInterval(timer);
      await app.close();
      await ctx.close();
    });

  program
    .command('worker')
    .description(`a worker of the queued service: takes jobs from the given queues (${QUEUES.join(', ')})`)
    .option('--queues <list>', `comma-separated queues or groups: all, cpu (${QUEUE_GROUPS.cpu.join(',')}), model (${QUEUE_GROUPS.model.join(',')}: what GPU workers take)`, 'all')
    .option('--concurrency <n>', 'jobs processed at once per queue', integerOption('--concurrency'), 2)
    .option('--config <file>', 'settings file (YAML) over config/default.yaml')
    .action(async (opts: { queues: string; concurrency: number; config?: string }) => {
      let queues;
      try {
        queues = parseQueueList(opts.queues);
      } catch (err) {
        throw new SatError('E_INPUT', `--queues: ${(err as Error).message}`);
      }
      if (opts.concurrency < 1) throw new SatError('E_INPUT', '--concurrency must be at least 1');
      const ctx = new ServiceContext(cliSettings(opts.config));
      const running = runWorkers(ctx, queues, opts.concurrency);
      process.stderr.write(`sat worker: ${queues.join(', ')} (concurrency ${opts.concurrency})\n`);
      const signal = await stopSignal();
      logger.info({ signal }, 'stopping: finishing running jobs');
      await running.close();
      await ctx.close();
    });
}
