/**
 * `claude-exec help [command…]` names a command that exists. Commander's implicit help command
 * prints the whole usage with exit 0 for a name it does not know; checked before parsing, an
 * unknown name is one clear message, exit 2, with the nearest command.
 */
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { closestCommand } from './typo.js';

const named = (cmds: readonly Command[], word: string) =>
  cmds.find((c) => c.name() === word || c.aliases().includes(word));

/** The words of `args` that are not options or the values of the program's global options. */
function operands(program: Command, args: readonly string[]): string[] {
  const takesValue = new Set(
    program.options
      .filter((o) => o.required || o.optional)
      .flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f))),
  );
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (a.startsWith('-')) {
      if (takesValue.has(a)) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

/**
 * Throws UsageError (exit 2) when `args` (the user's arguments, without node and the script) ask
 * for `help` of a command that does not exist; otherwise does nothing.
 */
export function checkHelpTopic(program: Command, args: readonly string[]): void {
  const [first, ...path] = operands(program, args);
  if (first !== 'help') return;
  let at = program;
  for (const [i, word] of path.entries()) {
    const next = named(at.commands, word);
    if (!next) {
      const near = closestCommand(
        word,
        at.commands.flatMap((c) => [c.name(), ...c.aliases()]),
      );
      const where = ['claude-exec', ...path.slice(0, i)].join(' ');
      const task =
        i === 0 && path.length > 1
          ? `; a task that starts with "help" is given with run (\`claude-exec run "help ${path.join(' ')}"\`)`
          : '';
      throw new UsageError(
        `no command "${word}" in ${where}${near ? ` — did you mean "${near}"?` : ''}`,
        `\`${where} --help\` lists its commands${task}.`,
      );
    }
    if (!next.commands.length) return;
    at = next;
  }
}
