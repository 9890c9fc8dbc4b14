/**
 * Reads the global options off a commander command (they are declared once on the program).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { processIo, type GlobalOptions, type Io } from './io.js';

interface RawGlobals {
  json?: boolean;
  yes?: boolean;
  cwd?: string;
  contexts?: string[];
  verbose?: boolean;
  color?: boolean;
  model?: string;
  maxCost?: string;
  until?: string;
  backend?: 'api' | 'claude-code';
}

/** The global options of `cmd` with defaults applied; throws UsageError on a bad `--max-cost`. */
export function globalOptions(cmd: Command): GlobalOptions {
  const raw = cmd.optsWithGlobals() as RawGlobals;
  const cwd = path.resolve(raw.cwd ?? process.cwd());
  let maxCost: number | undefined;
  if (raw.maxCost !== undefined) {
    maxCost = Number(raw.maxCost);
    if (!Number.isFinite(maxCost) || maxCost <= 0) throw new UsageError(`--max-cost must be a positive number of USD, got "${raw.maxCost}"`);
  }
  return {
    json: Boolean(raw.json),
    yes: Boolean(raw.yes),
    cwd,
    contexts: raw.contexts?.map((d) => path.resolve(cwd, d)),
    verbose: Boolean(raw.verbose),
    // Colour for what goes to stdout (tables); progress on stderr decides for itself.
    color: raw.color !== false && !process.env.NO_COLOR && Boolean(process.stdout.isTTY),
    model: raw.model,
    maxCost,
    until: raw.until,
    ...(raw.backend ? { backend: raw.backend } : {}),
  };
}

/** Global options plus an Io bound to the process streams. */
export function commandContext(cmd: Command): { opts: GlobalOptions; io: Io } {
  const opts = globalOptions(cmd);
  return { opts, io: processIo(opts.color) };
}
