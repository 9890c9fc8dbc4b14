/**
 * `claude-exec init`: scaffold prompts/custom/, contexts/, .gitignore, project_rules.md (or
 * AGENTS.md: `--agents-md`, or yes to the question asked on a terminal when the workspace has
 * neither) and .env.example in the workspace. Never overwrites; prints what was created, updated
 * or skipped (`--json`: `claude-exec/init@1`).
 */
import type { Command } from 'commander';
import { commandContext } from '../globals.js';
import { applies, examples } from '../help.js';
import { printJson } from '../io.js';

export function register(program: Command): void {
  const cmd = program
    .command('init')
    .description(
      'scaffold prompts/custom/, contexts/, .gitignore (.env, contexts/), project_rules.md (or AGENTS.md) and .env.example in the workspace',
    )
    .option(
      '--agents-md',
      'write the project rules to AGENTS.md (read by claude-exec, Codex, Cursor and Claude Code) instead of project_rules.md, when the workspace has neither',
    )
    .action(async (o: { agentsMd?: boolean }, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const { initWorkspace, canOfferAgentsMd } = await import('../../features/init/init.js');
      let agentsMd = o.agentsMd ?? false;
      if (!agentsMd && io.interactive && !opts.json && canOfferAgentsMd(opts.cwd)) {
        const { confirm } = await import('@inquirer/prompts');
        agentsMd = await confirm(
          {
            message:
              'Write the project rules to AGENTS.md (shared with Codex, Cursor and Claude Code) instead of project_rules.md?',
            default: false,
          },
          { input: process.stdin, output: process.stderr },
        );
      }
      const result = await initWorkspace(opts.cwd, {
        rulesFile: agentsMd ? 'AGENTS.md' : 'project_rules.md',
      });
      if (opts.json) {
        printJson(io, { schema: 'claude-exec/init@1', ...result });
        return;
      }
      const width = Math.max(...result.files.map((f) => f.action.length));
      for (const f of result.files)
        io.out(`${f.action.padEnd(width)}  ${f.path}${f.note ? ` (${f.note})` : ''}`);
    });
  applies(cmd, 'workspace');
  examples(cmd, [
    'claude-exec init',
    'claude-exec init --agents-md',
    'claude-exec --cwd ../my-app init --json',
  ]);
}
