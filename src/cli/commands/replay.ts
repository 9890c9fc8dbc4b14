/**
 * `claude-exec replay CASSETTE`: re-runs a recorded chain offline against its recorded responses
 * and reports the first request that differs from the recording. Exit 1 when a request differs
 * (unless `--update` wrote the new requests into the cassette); `--json`: `claude-exec/replay@1`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import { commandContext } from '../globals.js';
import { applies, examples } from '../help.js';
import { printJson } from '../io.js';

const BIN = fileURLToPath(new URL('../../../bin/claude-exec', import.meta.url));

export function register(program: Command): void {
  const cmd = program
    .command('replay')
    .description(
      're-run a recorded chain (--record) offline, in a fresh worktree at its starting commit, and show the first request that differs from the recording',
    )
    .argument('<cassette>', 'a chain-NNN-….cassette.jsonl.gz file')
    .option('--update', 'accept the new requests: write them into the cassette (the responses stay)')
    .action(async (cassette: string, o: { update?: boolean }, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const [{ replayCassette }, { renderReplay }] = await Promise.all([
        import('../../features/replay/replay.js'),
        import('../views/replay.js'),
      ]);
      const report = await replayCassette({
        cassette: path.resolve(opts.cwd, cassette),
        repo: opts.cwd,
        update: Boolean(o.update),
        bin: BIN,
        env: process.env,
        ...(opts.verbose ? { onProgress: (line: string) => io.err(`  │ ${line}`) } : {}),
      });
      if (opts.json) printJson(io, { schema: 'claude-exec/replay@1', ...report });
      else io.out(renderReplay(report));
      process.exitCode = report.differences.length && !report.updated ? ExitCode.failed : ExitCode.ok;
    });
  applies(cmd, 'workspace');
  examples(cmd, [
    'claude-exec replay contexts/chain-004-add-jwt-auth-2026-12-07-10-00-00.cassette.jsonl.gz',
    'claude-exec replay contexts/chain-004-….cassette.jsonl.gz --update   # accept the new requests',
    'claude-exec --json replay CASSETTE | jq ".differences[0].diff" -r',
  ]);
}
