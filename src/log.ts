/**
 * Logging: pino, one file per chain beside its context file (`chain-047-….log`). Level from
 * `LOG_LEVEL`, or `debug` with `--verbose`. Secrets never reach the log: known key paths are
 * redacted, and every string is scrubbed of the secret values themselves (the API key, the auth
 * token, every secret-looking variable: `secretValues`); the test command's output is scrubbed by
 * the same function (src/tools/sandbox.ts).
 */
import pino, { type Logger } from 'pino';
import { DurableAppender } from './durable.js';

export type { Logger };

/** The credentials we hold ourselves: always secrets, whatever `isSecretName` says. */
const SECRET_ENV = ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN'];
/** Shorter values are not redacted: they would blank ordinary words and numbers out of a text. */
const MIN_SECRET_LENGTH = 8;

/**
 * Pure: true for an environment variable name that holds a secret by convention: a part `KEY`,
 * `TOKEN`, `SECRET`, `PASSWORD`/`PASSWD`/`PASS`, `CREDENTIAL(S)`, `AUTH`, `PRIVATE`, `SESSION`,
 * `COOKIE` or `DSN` (`MY_SERVICE_TOKEN`, `AWS_SECRET_ACCESS_KEY`, `DB_PASSWORD`, `GH_AUTH`…), or
 * an `APIKEY`/`ACCESSKEY` spelled as one word.
 */
export function isSecretName(name: string): boolean {
  return (
    /(^|_)(KEY|KEYS|TOKEN|TOKENS|SECRET|SECRETS|PASSWORD|PASSWD|PASS|PASSPHRASE|CREDENTIAL|CREDENTIALS|AUTH|PRIVATE|SESSION|COOKIE|DSN)(_|$)/i.test(
      name,
    ) || /APIKEY|ACCESSKEY|SECRETKEY/i.test(name)
  );
}

/**
 * Pure: the secret values in `env` that a text must not carry: the API key and auth token, the
 * value of every secret-looking name (`isSecretName`), and the password of any URL with
 * credentials (`postgres://user:PASSWORD@host`). Values shorter than 8 characters are left out.
 */
export function secretValues(env: Record<string, string | undefined>): string[] {
  const out = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (SECRET_ENV.includes(name) || isSecretName(name)) out.add(value);
    for (const m of value.matchAll(/[a-z][\w+.-]*:\/\/[^\s:/@]*:([^\s@/]+)@/gi)) out.add(m[1]!);
  }
  return [...out].filter((v) => v.length >= MIN_SECRET_LENGTH);
}

/** Pure: `text` with every occurrence of each of `values` replaced by `[redacted]` (longest first). */
export function redactValues(text: string, values: readonly string[]): string {
  let out = text;
  for (const v of [...values].sort((a, b) => b.length - a.length))
    if (v) out = out.split(v).join('[redacted]');
  return out;
}

/** Replaces every occurrence of the secrets of `env` (`secretValues`) in `text` with `[redacted]`. */
export function scrubSecrets(text: string, env: Record<string, string | undefined> = process.env): string {
  return redactValues(text, secretValues(env));
}

/**
 * A logger appending to `file`: each line is written whole or not at all (src/durable.ts), so a
 * full disk never leaves a torn line and is reported (`FileSystemError` from the log call) instead
 * of being ignored. Lines are not fsynced one by one (the context file is the record; the log is
 * for reading), but each is handed to the kernel before the call returns, so a crash loses none.
 */
export function createChainLogger(
  file: string,
  opts: { verbose: boolean; env: Record<string, string | undefined> },
): Logger {
  const level = opts.verbose ? 'debug' : (opts.env.LOG_LEVEL ?? 'info');
  const secrets = secretValues(opts.env);
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: [
          'apiKey',
          'authToken',
          '*.apiKey',
          '*.authToken',
          'headers["x-api-key"]',
          'headers.authorization',
        ],
        censor: '[redacted]',
      },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === 'string' ? redactValues(a, secrets) : a)) as Parameters<
              typeof method
            >,
          );
        },
      },
    },
    new DurableAppender(file, { fsync: false }),
  );
}
