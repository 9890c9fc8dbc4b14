/**
 * `claude-exec completion <shell>`: the shell completion script (bash, zsh, fish, powershell),
 * made by @bomb.sh/tab from the commands and options this program declares. The script asks the
 * hidden `claude-exec complete -- WORDS…` for suggestions at each Tab: commands, options, their
 * choices, and chain ids for the commands that take one.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { commandContext } from '../globals.js';
import { applies, examples } from '../help.js';
import { SHELLS, type ProgramBuilder } from '../completion.js';

/** The global options; `--json` is refused: what these commands print is for a shell, not a parser. */
function scriptContext(cmd: Command): ReturnType<typeof commandContext> {
  const ctx = commandContext(cmd);
  if (ctx.opts.json)
    throw new UsageError(`${cmd.name()} prints shell code; --json does not apply`, 'Run it without --json.');
  return ctx;
}

/** Registers `completion` and `complete`; `buildProgram` gives the program they complete (without themselves). */
export function register(program: Command, buildProgram: ProgramBuilder): void {
  const cmd = program
    .command('completion')
    .description('print the shell completion script for bash, zsh, fish or powershell')
    .argument('<shell>', `one of: ${SHELLS.join(', ')}`)
    .action(async (shell: string, _options: unknown, cmd: Command) => {
      const { opts } = scriptContext(cmd);
      const { completionScript } = await import('../completion.js');
      await completionScript(shell, buildProgram, opts.cwd);
    });
  const plumbing = program
    .command('complete', { hidden: true })
    .description('suggestions for the shell completion script: complete -- WORDS…')
    .argument('[words...]')
    .allowUnknownOption()
    .action(async (words: string[], _options: unknown, cmd: Command) => {
      const { opts } = scriptContext(cmd);
      const { completeWords } = await import('../completion.js');
      await completeWords(words, buildProgram, opts.cwd);
    });
  applies(plumbing, []);
  examples(plumbing, [
    "claude-exec complete -- cost-report --by ''   # what the completion scripts ask at a Tab",
  ]);
  applies(cmd, []);
  examples(cmd, [
    'claude-exec completion bash > ~/.local/share/bash-completion/completions/claude-exec',
    'claude-exec completion zsh > "${fpath[1]}/_claude-exec"',
    'claude-exec completion fish > ~/.config/fish/completions/claude-exec.fish',
    'source <(claude-exec completion bash)   # this shell only',
  ]);
}
