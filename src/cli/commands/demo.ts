/**
 * `claude-exec demo`: the whole flow on a bundled sample app against the built-in scripted model
 * (src/demo/): no key, no network. On a terminal it asks the questions, the approval and each file
 * change; otherwise (or with --yes) it accepts them. `--json`: `claude-exec/demo@1` (the run@1 shape).
 */
import type { Command } from 'commander';
import { commandContext } from '../globals.js';
import { applies, examples } from '../help.js';

/** Pause before each reply of the scripted model on a terminal, ms: enough to watch the status line. */
const TERMINAL_LATENCY_MS = 250;

export function register(program: Command): void {
  const demo = program
    .command('demo')
    .description(
      'see the whole flow with nothing set up: a sample app, a built-in scripted model, no API key, no network',
    )
    .action(async (_o, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const [{ runDemo }, { createTerminalUi }, { reportOutcome }, { onInterrupt }, { selfCommand }] =
        await Promise.all([
          import('../../demo/run.js'),
          import('../../ui/terminal.js'),
          import('../outcome.js'),
          import('../../engine/interrupt.js'),
          import('../self.js'),
        ]);
      const stderrColor =
        opts.color ||
        (!process.env.NO_COLOR && process.argv.indexOf('--no-color') < 0 && Boolean(process.stderr.isTTY));
      const ui = createTerminalUi({
        color: stderrColor,
        verbose: opts.verbose,
        interactive: io.interactive,
        costLabel: 'demo',
      });
      const off = onInterrupt(() => ui.close());
      try {
        const r = await runDemo({
          dir: opts.flags.includes('--cwd') ? opts.cwd : undefined,
          ui,
          yes: opts.yes || !io.interactive,
          verbose: opts.verbose,
          until: opts.until,
          latencyMs: process.stderr.isTTY ? TERMINAL_LATENCY_MS : 0,
        });
        ui.close();
        reportOutcome(io, opts.json, r.outcome, {
          schema: 'claude-exec/demo@1',
          flags: ['--cwd', r.workspace],
        });
        const say = opts.json ? io.err : io.out;
        // Name the program as this user can run it (after `npm ci` in a clone only ./bin/claude-exec exists).
        const self = selfCommand();
        say('');
        say(
          `This was a demo: the model was scripted ("demo", ${r.requests} calls on 127.0.0.1), so there was no charge and no network.`,
        );
        say(`  workspace:    ${r.workspace}   (cd there and run: node --test)`);
        say(`  context file: ${r.outcome.file}`);
        say(
          `  look around:  ${self} --cwd ${r.workspace} status ${r.outcome.ctx.chain_id}   · spec · chain-cost · show · rollback`,
        );
        say(`With your key, in your own repository: ANTHROPIC_API_KEY=sk-ant-... ${self} "your task"`);
      } finally {
        off();
        ui.close();
      }
    });
  applies(demo, ['--json', '--yes', '--until', '--cwd', '--verbose', '--no-color']);
  examples(demo, [
    'claude-exec demo                       # on a terminal: answer, approve and review the diffs yourself',
    'claude-exec demo --yes --json | jq .status',
    'mkdir /tmp/try && claude-exec demo --cwd /tmp/try   # keep the workspace where you want it',
  ]);
}
