/**
 * The next commands printed after a run (hints, `next`, pending) must run as printed: with
 * `--cwd` and each `--contexts DIR` repeated from the invocation, commander must still see the command
 * and its chain id. `--contexts` takes one directory, so a task after it stays the task.
 */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { nextCommands } from '../../src/contract/views/chain.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import { fakeChain } from '../helpers/chains.js';

/** Parses `line` like the shell would (no quotes in these lines) and returns the action it reaches. */
function parse(line: string): { command: string; args: string[]; contexts?: string[]; cwd?: string } {
  const argv = line
    .replace(/\s+#.*$/, '')
    .split(/\s+/)
    .slice(1);
  const program = buildProgram();
  let hit: { command: string; args: string[]; contexts?: string[]; cwd?: string } | undefined;
  const visit = (cmd: Command) => {
    cmd.commands.forEach(visit);
    cmd.action((...a: unknown[]) => {
      const self = a.at(-1) as Command;
      const g = self.optsWithGlobals() as { contexts?: string[]; cwd?: string };
      hit = { command: self.name(), args: self.args, contexts: g.contexts, cwd: g.cwd };
    });
  };
  visit(program);
  program.exitOverride().parse(argv, { from: 'user' });
  return hit!;
}

describe('printed next commands', () => {
  const flags = ['--cwd', '/work/app', '--contexts', '/ci/a', '--contexts', '/ci/b'];
  for (const status of ['failed', 'budget-exceeded', 'complete', 'cancelled'] as const) {
    it(`${status}: every next command reaches its command with the chain id and the directories`, () => {
      const { ctx } = fakeChain({
        n: 7,
        startedAt: new Date('2026-11-20T10:00:00Z'),
        calls: 3,
        table: loadPriceTable(),
      });
      ctx.status = status;
      const lines = nextCommands(ctx, flags);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        const p = parse(line);
        expect(p.args[0], line).toBe('007');
        expect(p.contexts, line).toEqual(['/ci/a', '/ci/b']);
        expect(p.cwd, line).toBe('/work/app');
      }
    });
  }
});

describe('--contexts', () => {
  it('takes one directory, so the words after it are the task (not a second directory)', () => {
    const p = parse('claude-exec --contexts /ci/a add-a-feature');
    expect(p.contexts).toEqual(['/ci/a']);
    expect(p.command).toBe('run');
    expect(p.args).toEqual(['add-a-feature']);
  });

  it('collects a repeated --contexts in order', () => {
    expect(parse('claude-exec cost-report --contexts /ci/a --contexts /ci/b').contexts).toEqual([
      '/ci/a',
      '/ci/b',
    ]);
  });
});
