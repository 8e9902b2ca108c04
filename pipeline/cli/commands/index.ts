import type { Command } from 'commander';
import { register as assess } from './assess.js';
import { register as client } from './client.js';
import { register as demo } from './demo.js';
import { register as evaluate } from './evaluate.js';
import { register as info } from './info.js';
import { register as predict } from './predict.js';
import { register as run } from './run.js';
import { register as sample } from './sample.js';
import { register as search } from './search.js';
import { register as service } from './service.js';
import { register as synth } from './synth.js';
import { register as tiles } from './tiles.js';
import { register as train } from './train.js';
import { register as zonal } from './zonal.js';

/** Every subcommand of `sat`, in the order `sat --help` lists them. */
export const commands: Array<(program: Command) => void> = [demo, run, search, info, synth, tiles, zonal, train, predict, evaluate, sample, assess, service, client];
