/**
 * Output for commands: results to stdout (a table, or one JSON document with `--json`),
 * everything else to stderr. Commands receive an `Io` so tests can capture both streams.
 */
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
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** stdin and stderr are terminals: questions and approvals may be asked. */
  interactive: boolean;
  color: boolean;
}

export function processIo(color: boolean): Io {
  return {
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    color,
  };
}

/** Prints one JSON document on stdout. */
export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}
