/**
 * Every command module. Each exports `register(program)`, which declares the command and its
 * options and sets an action that lazily imports what it needs and sets `process.exitCode`.
 * The completion commands (./completion.ts) are registered last by src/cli/program.ts, which gives
 * them the program to complete.
 */
import type { Command } from 'commander';
import * as chainCost from './chain-cost.js';
import * as chains from './chains.js';
import * as costReport from './cost-report.js';
import * as demo from './demo.js';
import * as doctor from './doctor.js';
import * as drive from './drive.js';
import * as init from './init.js';
import * as patterns from './patterns.js';
import * as prices from './prices.js';
import * as prompt from './prompt.js';
import * as prompts from './prompts.js';
import * as replay from './replay.js';
import * as serve from './serve.js';
import * as trust from './trust.js';
import * as workflows from './workflows.js';

export interface CommandModule {
  register(program: Command): void;
}

export const commandModules: CommandModule[] = [
  drive,
  chains,
  costReport,
  chainCost,
  prices,
  prompts,
  prompt,
  workflows,
  patterns,
  init,
  trust,
  demo,
  doctor,
  replay,
  serve,
];
