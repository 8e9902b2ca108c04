import { pino, type Logger } from 'pino';

/**
 * Structured logs (JSON lines) go to stderr so that stdout stays clean for command output
 * (`sat info --json` must print exactly one JSON object). Level: SAT_LOG_LEVEL, default "warn"
 * for the CLI so that a newcomer sees results, not chatter.
 */
export const logger: Logger = pino(
  { level: process.env.SAT_LOG_LEVEL ?? 'warn', base: { pid: process.pid } },
  pino.destination(2),
);

export function setLogLevel(level: string): void {
  logger.level = level;
}
