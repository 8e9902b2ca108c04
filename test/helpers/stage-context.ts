import type { Settings } from '../../pipeline/config/settings.js';
import { logger } from '../../pipeline/core/logger.js';
import { Classifiers } from '../../pipeline/model/classifiers.js';
import type { StageContext } from '../../pipeline/stages/stage.js';

/** A stage context for calling one stage by hand: quiet, its own models (close them with `ctx.classifiers.close()`). */
export function testStageContext(settings: Settings): StageContext {
  return {
    settings,
    logger,
    progress: () => {},
    classifiers: new Classifiers(settings, { size: settings.model.batchSize, waitMs: 5 }),
    runCost: async () => ({ stageSeconds: {}, wallSeconds: 0, cpuSeconds: 0 }),
    handOver: null, // the files carry every hand-over
  };
}
