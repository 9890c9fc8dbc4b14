/**
 * `claude-exec doctor`: checks Node, git, the sandbox, the credentials, the endpoint, the contexts
 * directory and the optional Claude Agent SDK, and says what to fix. Exit 1 when a check fails
 * (`--json`: `claude-exec/doctor@1`).
 */
import type { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import { commandContext } from '../globals.js';
import { applies, examples } from '../help.js';
import { printJson } from '../io.js';

export function register(program: Command): void {
  const cmd = program
    .command('doctor')
    .description(
      'check Node, git, the sandbox, the API key and endpoint, the contexts directory and the optional Claude Agent SDK; say what to fix',
    )
    .option('--offline', 'do not contact the endpoint')
    .action(async (options: { offline?: boolean }, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const [{ runDoctor }, { renderDoctor }] = await Promise.all([
        import('../../features/init/doctor.js'),
        import('../views/doctor.js'),
      ]);
      const { checks, ok } = await runDoctor({
        workspace: opts.cwd,
        ...(opts.contexts?.[0] ? { contextsDir: opts.contexts[0] } : {}),
        ...(options.offline ? { offline: true } : {}),
        ...(opts.backend ? { backend: opts.backend } : {}),
      });
      if (opts.json) printJson(io, { schema: 'claude-exec/doctor@1', ok, checks });
      else io.out(renderDoctor(checks, opts.color));
      process.exitCode = ok ? ExitCode.ok : ExitCode.failed;
    });
  applies(cmd, 'workspace');
  examples(cmd, [
    'claude-exec doctor',
    'claude-exec doctor --offline',
    'claude-exec doctor --json | jq \'.checks[] | select(.status != "ok")\'',
  ]);
}
