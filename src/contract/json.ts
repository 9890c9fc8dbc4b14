/** How every face writes a `--json` document: the number rounding, and the error document. */
import type { ErrorOutput } from './error.js';

/** JSON.stringify replacer: fractional numbers rounded to 1e-6 (USD to the micro-dollar; shares, confidences). */
export function rounded(_key: string, value: unknown): unknown {
  return typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value)
    ? Math.round(value * 1e6) / 1e6
    : value;
}

/** The `claude-exec/error@1` document printed on stdout with `--json` when a command fails. */
export function errorJson(exitCode: number, message: string, hint: string | null): ErrorOutput {
  return { schema: 'claude-exec/error@1', error: { exit_code: exitCode, message, hint } };
}
