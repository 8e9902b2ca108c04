/**
 * The stages of a job in pipeline order, after the UNECE HLG-MOS generic pipeline: data collection and preparation
 * (ingest, prepare), prediction (classify, stitch), dissemination (aggregate), evaluation (assess), dissemination
 * (publish). `sat run` runs them in a loop (workflows/run-stages.ts); the queued
 * service builds its BullMQ flow from the same list (service/stage-flow.ts), one queue per stage.
 */
import type { Job } from '../jobs/open-job.js';
import { aggregate } from './aggregate.js';
import { assess } from './assess.js';
import { classify } from './classify.js';
import { ingest } from './ingest.js';
import { prepare } from './prepare.js';
import { publish } from './publish.js';
import type { Stage } from './stage.js';
import { stitch } from './stitch.js';

/** Scene → class map (`sat predict`). */
export const PREDICTION_STAGES: Stage[] = [ingest, prepare, classify, stitch];

/** Scene → published regional statistics (`sat run`, the service). */
export const JOB_STAGES: Stage<Job>[] = [...PREDICTION_STAGES, aggregate, assess, publish];
