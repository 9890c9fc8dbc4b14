/**
 * Every command module. Each exports `register(program)`, which declares the command and its
 * options and sets an action that lazily imports what it needs and sets `process.exitCode`.
 */
import type { Command } from 'commander';

export interface CommandModule {
  register(program: Command): void;
}

export const commandModules: CommandModule[] = [];
