/**
 * `claude-exec init`: scaffold prompts/custom/, contexts/, .gitignore, project_rules.md and
 * .env.example in the workspace. Never overwrites; prints what was created, updated or skipped
 * (`--json`: `claude-exec/init@1`).
 */
import type { Command } from 'commander';
import { commandContext } from '../globals.js';
import { applies, examples } from '../help.js';
import { printJson } from '../io.js';

export function register(program: Command): void {
  const cmd = program
    .command('init')
    .description('scaffold prompts/custom/, contexts/, .gitignore (.env, contexts/), project_rules.md and .env.example in the workspace')
    .action(async (_options: unknown, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const { initWorkspace } = await import('../../app/init.js');
      const result = await initWorkspace(opts.cwd);
      if (opts.json) {
        printJson(io, { schema: 'claude-exec/init@1', ...result });
        return;
      }
      const width = Math.max(...result.files.map((f) => f.action.length));
      for (const f of result.files) io.out(`${f.action.padEnd(width)}  ${f.path}${f.note ? ` (${f.note})` : ''}`);
    });
  applies(cmd, 'workspace');
  examples(cmd, ['claude-exec init', 'claude-exec --cwd ../my-app init --json']);
}
