import type { Logger } from 'pino';
import type { Settings } from '../config/settings.js';

/**
 * What every stage receives besides its input: settings, a logger, and a progress sink.
 * The same stage functions run in-process (`sat run`, `sat demo`) and inside queue workers;
 * only the context differs (a CLI progress bar there, BullMQ job progress here).
 */
export interface StageContext {
  settings: Settings;
  logger: Logger;
  /** Called with the fraction done (0..1) of the current stage. */
  progress: (fraction: number, message?: string) => void;
  signal?: AbortSignal;
}
