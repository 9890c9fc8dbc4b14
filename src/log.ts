/**
 * Logging: pino, one file per chain beside its context file (`chain-047-….log`). Level from
 * `LOG_LEVEL`, or `debug` with `--verbose`. Secrets never reach the log: known key paths are
 * redacted, and every string is scrubbed of the API key and auth token values themselves.
 */
import pino, { type Logger } from 'pino';
import { DurableAppender } from './durable.js';

export type { Logger };

const SECRET_ENV = ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN'];

/** Replaces every occurrence of the configured secrets in `text` with `[redacted]`. */
export function scrubSecrets(text: string, env: Record<string, string | undefined> = process.env): string {
  let out = text;
  for (const name of SECRET_ENV) {
    const value = env[name];
    if (value && value.length >= 8) out = out.split(value).join('[redacted]');
  }
  return out;
}

/**
 * A logger appending to `file`: each line is written whole or not at all (src/durable.ts), so a
 * full disk never leaves a torn line and is reported (`FileSystemError` from the log call) instead
 * of being ignored. Lines are not fsynced one by one (the context file is the record; the log is
 * for reading), but each is handed to the kernel before the call returns, so a crash loses none.
 */
export function createChainLogger(file: string, opts: { verbose: boolean; env: Record<string, string | undefined> }): Logger {
  const level = opts.verbose ? 'debug' : (opts.env.LOG_LEVEL ?? 'info');
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: ['apiKey', 'authToken', '*.apiKey', '*.authToken', 'headers["x-api-key"]', 'headers.authorization'], censor: '[redacted]' },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? scrubSecrets(a, opts.env) : a)) as Parameters<typeof method>);
        },
      },
    },
    new DurableAppender(file, { fsync: false }),
  );
}
