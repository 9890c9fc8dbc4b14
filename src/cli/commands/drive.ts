/**
 * Commands that drive a chain: run (the default command), resume, approve, answer.
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { commandContext } from '../globals.js';
import { applies, examples } from '../help.js';
import { commandNames, guardDefaultTask } from '../typo.js';
import type { GlobalOptions, Io } from '../io.js';

/** What a driving command needs: options, io, base deps, and `drive(fn, report?)` (report: the outcome printer, default run@1). */
export async function setup(cmd: Command) {
  const { opts, io } = commandContext(cmd);
  const [{ createBaseDeps }, { createTerminalUi }, chain, { reportOutcome }, { onInterrupt }] = await Promise.all([
    import('../../app/deps.js'),
    import('../../ui/terminal.js'),
    import('../../app/chain.js'),
    import('../outcome.js'),
    import('../../app/interrupt.js'),
  ]);
  const stderrColor = !process.env.NO_COLOR && process.argv.indexOf('--no-color') < 0 && Boolean(process.stderr.isTTY);
  const ui = createTerminalUi({ color: stderrColor, verbose: opts.verbose, interactive: io.interactive });
  const base = await createBaseDeps(opts.cwd, { ui, yes: opts.yes, ...(opts.backend ? { backend: opts.backend } : {}) });
  const driveOpts = {
    contextsDir: contextsDir(opts),
    verbose: opts.verbose,
    until: opts.until,
    maxCostUsd: opts.maxCost,
    model: opts.model,
  };
  type Outcome = Parameters<typeof reportOutcome>[2];
  /** Drives with `fn`, then prints the outcome; the status line is removed whatever happens. */
  const drive = async <O extends Outcome>(fn: () => Promise<O>, report: (o: O) => void = (o) => reportOutcome(io, opts.json, o, { flags: opts.flags })) => {
    const off = onInterrupt(() => ui.close());
    try {
      const outcome = await fn();
      ui.close();
      report(outcome);
    } finally {
      off();
      ui.close();
    }
  };
  return { opts, io, base, chain, driveOpts, drive };
}

/** The one contexts directory a driving command writes to. */
export function contextsDir(opts: GlobalOptions): string {
  if (opts.contexts && opts.contexts.length > 1) throw new UsageError('a chain is driven in one contexts directory; give --contexts once');
  return opts.contexts?.[0] ?? path.join(opts.cwd, 'contexts');
}

function parseAnswers(pairs: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new UsageError(`--answer "${pair}" must look like q1=your answer`);
    out[pair.slice(0, i).trim()] = pair.slice(i + 1);
  }
  return out;
}

async function readAnswersFile(file: string, io: Io): Promise<Record<string, string>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${file}: cannot read answers (${(err as Error).message})`, 'The file holds a JSON object: {"q1": "answer", "q2": "answer"}.');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json) || Object.values(json).some((v) => typeof v !== 'string')) {
    throw new UsageError(`${file}: answers must be a JSON object of question id → string`, 'Example: {"q1": "Yes, refresh tokens", "q2": "Redis"}');
  }
  io.err(`read ${Object.keys(json).length} answer(s) from ${file}`);
  return json as Record<string, string>;
}

export function register(program: Command): void {
  const run = program
    .command('run', { isDefault: true })
    .description('start a new chain for a task and drive it through the phases (the default command)')
    .argument('[task...]', 'what to build or fix, in plain words (several words, or give `run` explicitly)')
    .action(async (task: string[], _o, cmd: Command) => {
      if (!task.length) {
        cmd.parent?.outputHelp();
        throw new UsageError('no task given', 'Usage: claude-exec "Add JWT authentication to my Express app"');
      }
      guardDefaultTask(task, commandNames(cmd.parent!), cmd.parent?.args[0] === 'run');
      const s = await setup(cmd);
      await s.drive(() => s.chain.startChain(task.join(' '), s.base, s.driveOpts));
    });
  applies(run, 'drive');
  examples(run, [
    'claude-exec "Add JWT authentication with refresh tokens to this Express app"',
    'claude-exec --yes --until solution-approval "Plan a migration to Postgres"   # plan only, nothing approved',
    'claude-exec --json --max-cost 2 "Fix the flaky login test" | jq .status',
    'claude-exec run refactor   # a one-word task needs run',
  ]);

  const resume = program
    .command('resume')
    .description('continue a chain from its last completed step (after a pause, a crash, a budget stop, an interrupt, an awaited answer)')
    .argument('<id>', 'chain id, e.g. 047')
    .option('--more-iterations <n>', 'a chain stopped at the implementation iteration cap: allow N more (1-20), continuing from the last failure')
    .action(async (id: string, o: { moreIterations?: string }, cmd: Command) => {
      const more = o.moreIterations === undefined ? undefined : Number(o.moreIterations);
      if (more !== undefined && (!Number.isInteger(more) || more < 1 || more > 20)) {
        throw new UsageError(`--more-iterations "${o.moreIterations}" must be a whole number from 1 to 20`);
      }
      const s = await setup(cmd);
      await s.drive(() => s.chain.resumeChain(id, s.base, { ...s.driveOpts, ...(more !== undefined ? { moreIterations: more } : {}) }));
    });
  applies(resume, 'drive');
  examples(resume, ['claude-exec resume 047', 'claude-exec resume 047 --yes --max-cost 5', 'claude-exec resume 047 --more-iterations 2   # past the implementation iteration cap']);

  const approve = program
    .command('approve')
    .description('answer a pending approval gate (solution or file change) without a terminal, then continue the chain')
    .argument('<id>', 'chain id')
    .option('--reject <why>', 'reject, saying what should change')
    .option('--more-info <question>', 'ask a question before deciding (solution gate only)')
    .option('--all-changes', 'approve this and every remaining file change of the implementation (the gate\'s "all")')
    .action(async (id: string, o: { reject?: string; moreInfo?: string; allChanges?: boolean }, cmd: Command) => {
      if (o.reject !== undefined && o.moreInfo !== undefined) throw new UsageError('give either --reject or --more-info, not both');
      if (o.allChanges && (o.reject !== undefined || o.moreInfo !== undefined)) throw new UsageError('--all-changes approves: it cannot go with --reject or --more-info');
      const answer = o.reject !== undefined ? { response: 'rejected' as const, note: o.reject } : o.moreInfo !== undefined ? { response: 'more-info' as const, note: o.moreInfo } : { response: 'approved' as const, note: null, allChanges: o.allChanges === true };
      const s = await setup(cmd);
      await s.drive(() => s.chain.approveChain(id, answer, s.base, s.driveOpts));
    });
  applies(approve, 'drive');
  examples(approve, [
    'claude-exec pending 047    # read what waits first',
    'claude-exec approve 047',
    'claude-exec approve 047 --reject "Keep server sessions; add JWT only for the mobile API"',
    'claude-exec approve 047 --more-info "How is logout handled?"',
    'claude-exec approve 047 --all-changes   # this change and the rest of the implementation',
  ]);

  const answer = program
    .command('answer')
    .description('answer pending clarifying questions without a terminal, then continue the chain')
    .argument('<id>', 'chain id')
    .option('--file <answers.json>', 'a JSON object of question id → answer')
    .option('--answer <qid=text...>', 'one answer, e.g. --answer q1="Yes, refresh tokens" (repeatable)')
    .action(async (id: string, o: { file?: string; answer?: string[] }, cmd: Command) => {
      const { io } = commandContext(cmd);
      const answers = { ...(o.file ? await readAnswersFile(o.file, io) : {}), ...parseAnswers(o.answer) };
      if (Object.keys(answers).length === 0) throw new UsageError('no answers given', `Use --answer q1=… or --file answers.json; \`claude-exec pending ${id}\` lists the questions.`);
      const s = await setup(cmd);
      await s.drive(() => s.chain.answerChain(id, answers, o.file ? 'file' : 'user', s.base, s.driveOpts));
    });
  applies(answer, 'drive');
  examples(answer, ['claude-exec pending 047    # the questions and their proposed defaults', 'claude-exec answer 047 --answer q1="Yes" --answer q2="Redis"', 'claude-exec answer 047 --file answers.json']);
}
