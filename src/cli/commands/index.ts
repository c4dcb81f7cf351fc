import type { Command } from 'commander';

/** A CLI command module: registers itself on the program. One file per command in this folder. */
export type CommandModule = { register(program: Command): void };

/** Every command, in help order. Add one import and one entry per new command. */
import * as demo from './demo.js';
import * as serve from './serve.js';
import * as importCmd from './import.js';
import * as simulate from './simulate.js';
import * as stats from './stats.js';
import * as evalCmd from './eval.js';
import * as ope from './ope.js';
import * as segment from './segment.js';
import * as tag from './tag.js';
import * as train from './train.js';
import * as worker from './worker.js';
import * as models from './models.js';
import * as jobs from './jobs.js';
import * as experiments from './experiments.js';
import * as keys from './keys.js';
import * as audit from './audit.js';
import * as exportUser from './export-user.js';

export const COMMANDS: CommandModule[] = [
  demo,
  serve,
  importCmd,
  simulate,
  stats,
  evalCmd,
  ope,
  segment,
  tag,
  train,
  worker,
  models,
  jobs,
  experiments,
  keys,
  audit,
  exportUser,
];
