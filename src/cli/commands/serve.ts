/**
 * `claude-exec serve`: the local web view of the chains and their costs (src/web/), on
 * 127.0.0.1 only, behind a random access token carried by the printed URL. Runs until Ctrl-C
 * (exit 130, like every interrupt; a chain it was driving is saved as `cancelled`).
 * `--json`: one `claude-exec/serve@1` document once it listens.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { commandContext } from '../globals.js';
import { applies, examples } from '../help.js';
import { printJson } from '../io.js';
import type { ServeOutput } from '../../contract/serve.js';

/** A port: 0 (any free one) to 65535. Throws UsageError otherwise. */
export function parsePort(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(n) || n > 65_535)
    throw new UsageError(
      `--port must be a port number 0-65535, got "${text}"`,
      '--port 0 (the default) picks a free port.',
    );
  return n;
}

/** A --contexts directory must exist (the default one may not yet: the view shows it once chains start). */
function existingContexts(dir: string): string {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory())
    throw new UsageError(
      `--contexts ${dir}: no such directory`,
      'Give a directory chains were written to, e.g. --contexts ./contexts.',
    );
  return dir;
}

export function register(program: Command): void {
  const serve = program
    .command('serve')
    .description(
      'a local web view of the chains and their costs, live while a chain runs; answer gates from the page (127.0.0.1 only, access token)',
    )
    .option('--port <n>', 'port on 127.0.0.1 (default 0: a free port, printed)')
    .option('--read-only', 'show only: questions and approvals cannot be answered from the page')
    .action(async (o: { port?: string; readOnly?: boolean }, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const port = parsePort(o.port ?? '0');
      const dirs = opts.contexts ? opts.contexts.map(existingContexts) : [path.join(opts.cwd, 'contexts')];
      const [{ startWebServer }, { onInterrupt, INTERRUPT_REPORTED }] = await Promise.all([
        import('../../web/server.js'),
        import('../../engine/interrupt.js'),
      ]);
      const server = await startWebServer({
        dirs,
        port,
        readOnly: Boolean(o.readOnly),
        flags: opts.flags,
        log: (line) => io.err(line),
      });
      onInterrupt(() => {
        io.err('claude-exec serve: stopped');
        return INTERRUPT_REPORTED;
      });
      const doc: ServeOutput = {
        schema: 'claude-exec/serve@1',
        url: server.url,
        origin: server.origin,
        port: server.port,
        token: server.token,
        contexts: dirs,
        read_only: Boolean(o.readOnly),
      };
      if (opts.json) printJson(io, doc);
      else {
        io.out(`claude-exec serve: the web view of ${dirs.join(', ')}${o.readOnly ? ' (read-only)' : ''}`);
        io.out(`  open ${server.url}`);
        io.out(
          '  (the token in this URL is the key: the first visit stores it in a cookie; Ctrl-C stops the server)',
        );
      }
      // Runs until SIGINT/SIGTERM; the CLI entry exits then.
      await new Promise<never>(() => undefined);
    });
  applies(serve, ['--json', '--cwd', '--contexts']);
  examples(serve, [
    'claude-exec serve                                  # prints http://127.0.0.1:PORT/?token=…',
    'claude-exec serve --port 8377 --read-only',
    'claude-exec serve --contexts ci/contexts --contexts contexts',
    'claude-exec serve --json | jq -r .url',
  ]);
}
