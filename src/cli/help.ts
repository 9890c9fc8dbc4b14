/**
 * Help that teaches: every command's `--help` lists the global options that apply to it (under
 * "Global Options:") and ends with examples. Commands say which globals apply with `applies`
 * (default: `read`); examples are added with `examples`. The program's help configuration
 * (`helpConfiguration`) filters the global options by that declaration.
 */
import { Help, type Command, type Option } from 'commander';

/** Long names of the program's global options, by what a command does. */
const GLOBALS = {
  /** Commands that drive a chain (run, resume, approve, answer, demo). */
  drive: [
    '--json',
    '--yes',
    '--until',
    '--max-cost',
    '--model',
    '--trust',
    '--sandbox',
    '--cwd',
    '--contexts',
    '--verbose',
    '--no-color',
  ],
  /** Commands that read chains from the contexts directories. */
  read: ['--json', '--cwd', '--contexts', '--verbose', '--no-color'],
  /** Commands about the workspace and the library (no chain involved). */
  workspace: ['--json', '--cwd', '--verbose', '--no-color'],
} as const;
export type GlobalsKind = keyof typeof GLOBALS;

const declared = new WeakMap<Command, readonly string[]>();

/** Declares which global options apply to `cmd` (shown in its help). Returns `cmd`. */
export function applies(cmd: Command, kind: GlobalsKind | readonly string[]): Command {
  declared.set(cmd, typeof kind === 'string' ? GLOBALS[kind as GlobalsKind] : kind);
  return cmd;
}

/** The global option names that apply to `cmd` (its own declaration, else `read`). */
export function globalsOf(cmd: Command): readonly string[] {
  return declared.get(cmd) ?? GLOBALS.read;
}

/** Appends an "Examples:" block (each line a command line) to the help of `cmd`. Returns `cmd`. */
export function examples(cmd: Command, lines: string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}`);
}

/** The help configuration of the program (inherited by every command created after it is set). */
export const helpConfiguration: Partial<Help> = {
  showGlobalOptions: true,
  visibleGlobalOptions(this: Help, cmd: Command): Option[] {
    const own = new Set(cmd.options.map((o) => o.long));
    const wanted = globalsOf(cmd);
    // A command's own option of the same name (cost-report --until DATE) hides the global one.
    return Help.prototype.visibleGlobalOptions
      .call(this, cmd)
      .filter((o) => o.long !== undefined && wanted.includes(o.long) && !own.has(o.long));
  },
};
