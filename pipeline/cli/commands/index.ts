import type { Command } from 'commander';

/** A module of subcommands: the names it registers, and the module itself, loaded only when needed. */
export interface CommandModule {
  names: string[];
  load: () => Promise<{ register: (program: Command) => void }>;
}

/**
 * Every subcommand of `sat`, in the order `sat --help` lists them. Modules are imported lazily: `sat info` should not
 * pay for compiling bullmq, TensorFlow.js and fastify (about 2 s of CPU) before reading a file.
 */
export const commands: CommandModule[] = [
  { names: ['demo'], load: () => import('./demo.js') },
  { names: ['run'], load: () => import('./run.js') },
  { names: ['search'], load: () => import('./search.js') },
  { names: ['composite'], load: () => import('./composite.js') },
  { names: ['info'], load: () => import('./info.js') },
  { names: ['synth'], load: () => import('./synth.js') },
  { names: ['tiles'], load: () => import('./tiles.js') },
  { names: ['zonal'], load: () => import('./zonal.js') },
  { names: ['train'], load: () => import('./train.js') },
  { names: ['predict'], load: () => import('./predict.js') },
  { names: ['evaluate'], load: () => import('./evaluate.js') },
  { names: ['sample'], load: () => import('./sample.js') },
  { names: ['assess'], load: () => import('./assess.js') },
  { names: ['serve', 'worker'], load: () => import('./service.js') },
  { names: ['submit', 'status', 'cancel', 'schedule', 'export'], load: () => import('./client.js') },
];
