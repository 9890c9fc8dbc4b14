/**
 * Help that teaches, for every registered command (commands added later are checked too): its
 * --help shows at least one example and the global options that apply to it.
 */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { globalsOf } from '../../src/cli/help.js';
import { buildProgram } from '../../src/cli/program.js';

function leaves(cmd: Command, prefix: string[] = []): { path: string; cmd: Command }[] {
  return cmd.commands.flatMap((c) => {
    const p = [...prefix, c.name()];
    return c.commands.length
      ? [{ path: p.join(' '), cmd: c }, ...leaves(c, p)]
      : [{ path: p.join(' '), cmd: c }];
  });
}

function helpOf(cmd: Command): string {
  let text = '';
  cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  cmd.outputHelp();
  return text;
}

const program = buildProgram();
const commands = leaves(program);

describe('--help of every command', () => {
  it('covers the commands a user knows', () => {
    expect(commands.map((c) => c.path)).toEqual(
      expect.arrayContaining([
        'run',
        'resume',
        'approve',
        'answer',
        'chains',
        'status',
        'show',
        'pending',
        'cost-report',
        'chain-cost',
        'prices',
        'prompts list',
        'init',
        'demo',
      ]),
    );
  });

  it.each(commands)('$path: an example and its global options', ({ cmd }) => {
    const help = helpOf(cmd);
    const examples = help.split('Examples:')[1] ?? '';
    expect(
      examples
        .split('\n')
        .filter((l) => /^\s+(claude-exec|mkdir|git)\b/.test(l))
        .some((l) => l.includes('claude-exec')),
      help,
    ).toBe(true);
    const globals = help.split('Global Options:')[1]?.split('Examples:')[0] ?? '';
    const own = new Set(cmd.options.map((o) => o.long));
    for (const flag of globalsOf(cmd).filter((f) => !own.has(f)))
      expect(globals, `${flag} in\n${help}`).toContain(flag);
  });

  it('run, resume, approve and answer show --yes, --until, --cwd and --max-cost', () => {
    for (const name of ['run', 'resume', 'approve', 'answer']) {
      const help = helpOf(commands.find((c) => c.path === name)!.cmd);
      for (const flag of ['--yes', '--until', '--cwd', '--max-cost', '--model'])
        expect(help, `${name} ${flag}`).toContain(flag);
    }
  });

  it('a command that does not drive a chain does not list the driving options', () => {
    const help = helpOf(commands.find((c) => c.path === 'prices')!.cmd);
    expect(help).not.toContain('--max-cost');
    expect(help).not.toContain('--yes');
  });
});
