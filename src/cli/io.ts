/**
 * Output for commands: results to stdout (a table, or one JSON document with `--json`),
 * everything else to stderr. Commands receive an `Io` so tests can capture both streams.
 */
import { writeSync } from 'node:fs';
import { escapeJsonControls, sanitizeTerminal } from '../ui/sanitize.js';
import { rounded } from '../contract/json.js';

export interface GlobalOptions {
  json: boolean;
  yes: boolean;
  cwd: string;
  contexts?: string[];
  verbose: boolean;
  color: boolean;
  model?: string;
  maxCost?: number;
  until?: string;
  /** --backend: which backend runs the prompts (default: config `backend`). */
  backend?: 'api' | 'claude-code';
  /** --trust: trust the workspace's files (src/cli/trust.ts) without asking. */
  trust: boolean;
  /** --sandbox: the test command's sandbox for this run, over the user config. */
  sandbox?: 'auto' | 'required' | 'off';
  /** The --cwd / --contexts given, to repeat in the next commands printed. */
  flags: string[];
}

export interface Io {
  /**
   * A line (a newline is added when missing). `out` and `err` pass every line through the
   * terminal sanitizer (src/ui/sanitize.ts): no caller can print a control sequence.
   */
  out(text: string): void;
  err(text: string): void;
  /** Bytes to stdout exactly as given (`show` prints the context file verbatim); sanitized only when stdout is a terminal. */
  raw(text: string): void;
  /** stdin and stderr are terminals: questions and approvals may be asked. */
  interactive: boolean;
  color: boolean;
}

const line = (t: string) => (t.endsWith('\n') ? t : `${t}\n`);

export function processIo(color: boolean): Io {
  const clean = (t: string) => sanitizeTerminal(line(t), { keepColors: color });
  return {
    out: (t) => process.stdout.write(clean(t)),
    err: (t) => process.stderr.write(clean(t)),
    raw: (t) => process.stdout.write(process.stdout.isTTY ? sanitizeTerminal(t) : t),
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    color,
  };
}

/** Writes synchronously (for a signal handler that exits right after). */
export function syncIo(): Io {
  const write = (fd: number, t: string) => {
    try {
      writeSync(fd, t);
    } catch {
      // The reader went away; nothing more to do while exiting.
    }
  };
  const clean = (t: string) => sanitizeTerminal(line(t));
  return {
    out: (t) => write(1, clean(t)),
    err: (t) => write(2, clean(t)),
    raw: (t) => write(1, t),
    interactive: false,
    color: false,
  };
}

/** Prints one JSON document on stdout (fractions rounded to 1e-6; DEL, C1 and bidi marks as `\uXXXX`, the same value). */
export function printJson(io: Io, value: unknown): void {
  io.out(escapeJsonControls(JSON.stringify(value, rounded, 2)));
}
