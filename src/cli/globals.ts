/**
 * Reads the global options off a commander command (they are declared once on the program).
 */
import { statSync } from 'node:fs';
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
  trust?: boolean;
  sandbox?: 'auto' | 'required' | 'off';
}

/** Throws UsageError (exit 2) unless `dir` is an existing directory: a typo must not create a workspace. */
function existingDirectory(dir: string, flag = '--cwd'): string {
  const stat = statSync(dir, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) {
    throw new UsageError(
      `${flag} ${dir}: ${stat ? 'is not a directory' : 'no such directory'}`,
      `Give the path of an existing workspace (your project's root), e.g. ${flag} .`,
    );
  }
  return dir;
}

/**
 * The global options of `cmd` with defaults applied. Throws UsageError on a bad `--max-cost` or
 * a `--cwd` that is not an existing directory.
 */
function globalOptions(cmd: Command): GlobalOptions {
  const raw = cmd.optsWithGlobals() as RawGlobals;
  const cwd = existingDirectory(path.resolve(raw.cwd ?? process.cwd()));
  let maxCost: number | undefined;
  if (raw.maxCost !== undefined) {
    maxCost = Number(raw.maxCost);
    if (!Number.isFinite(maxCost) || maxCost <= 0)
      throw new UsageError(`--max-cost must be a positive number of USD, got "${raw.maxCost}"`);
  }
  if (raw.model !== undefined && !raw.model.trim())
    throw new UsageError(
      '--model is empty',
      'Name a model (e.g. --model claude-sonnet-4-6), or leave --model out for the configured default.',
    );
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
    trust: Boolean(raw.trust),
    ...(raw.sandbox ? { sandbox: raw.sandbox } : {}),
    flags: [
      ...(raw.cwd ? ['--cwd', raw.cwd] : []),
      ...(raw.contexts ?? []).flatMap((d) => ['--contexts', d]),
    ],
  };
}

/** Global options plus an Io bound to the process streams. */
export function commandContext(cmd: Command): { opts: GlobalOptions; io: Io } {
  const opts = globalOptions(cmd);
  return { opts, io: processIo(opts.color) };
}
