/**
 * Commands that drive a chain: run (the default command), resume, approve, answer.
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { UsageError } from '../../errors.js';
import { commandContext } from '../globals.js';
import { applies, examples } from '../help.js';
import { commandNames, guardDefaultTask } from '../typo.js';
import { printJson, type GlobalOptions, type Io } from '../io.js';
import type { PatternUse } from '../../chain/schema.js';
import type { PatternDoc } from '../../patterns/file.js';
import type { PatternCandidate } from '../../patterns/offer.js';

/** What a driving command needs: options, io, base deps, and `drive(fn, report?)` (report: the outcome printer, default run@1). */
export async function setup(cmd: Command) {
  const { opts, io } = commandContext(cmd);
  const [
    { createBaseDeps },
    { createTerminalUi },
    chain,
    { reportOutcome },
    { onInterrupt },
    { ensureTrust },
  ] = await Promise.all([
    import('../../engine/deps.js'),
    import('../../ui/terminal.js'),
    import('../../features/run/run.js'),
    import('../outcome.js'),
    import('../../engine/interrupt.js'),
    import('../trust.js'),
  ]);
  // Before anything is created or called: the workspace's own files count only once trusted.
  const trusted = await ensureTrust(opts.cwd, { trust: opts.trust, io });
  const stderrColor =
    !process.env.NO_COLOR && process.argv.indexOf('--no-color') < 0 && Boolean(process.stderr.isTTY);
  const ui = createTerminalUi({ color: stderrColor, verbose: opts.verbose, interactive: io.interactive });
  // `replay` answers the gates as the recording did (src/features/replay/replayGates.ts).
  const replayGates = (cmd.opts() as { replayGates?: string }).replayGates;
  const gated = replayGates
    ? (await import('../../features/replay/replayGates.js')).replayGateUi(
        ui,
        (await import('../../llm/cassette.js')).readGates(replayGates),
      )
    : ui;
  const base = await createBaseDeps(opts.cwd, {
    ui: gated,
    yes: opts.yes,
    trusted,
    ...(opts.backend ? { backend: opts.backend } : {}),
    ...(opts.sandbox ? { sandbox: opts.sandbox } : {}),
  });
  const driveOpts = {
    contextsDir: contextsDir(opts),
    verbose: opts.verbose,
    until: opts.until,
    maxCostUsd: opts.maxCost,
    model: opts.model,
  };
  type Outcome = Parameters<typeof reportOutcome>[2];
  /** Drives with `fn`, then prints the outcome; the status line is removed whatever happens. */
  const drive = async <O extends Outcome>(
    fn: () => Promise<O>,
    report: (o: O) => void = (o) => reportOutcome(io, opts.json, o, { flags: opts.flags }),
  ) => {
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
  type ChainOutcome = Awaited<ReturnType<typeof chain.startChain>>;
  /**
   * Drives with `fn` like `drive`; when the chain completed and a human is at a terminal (not
   * --json, not --yes), asks "Save as reusable pattern? [Y/n]" and saves it (src/features/patterns/save.ts).
   */
  const driveAndOffer = async (fn: () => Promise<ChainOutcome>) => {
    let outcome: ChainOutcome | undefined;
    await drive(async () => (outcome = await fn()));
    // --yes answers the chain's gates, not this offer: nothing is saved unless asked (`save-pattern ID`).
    if (
      !outcome ||
      outcome.error ||
      outcome.ctx.status !== 'complete' ||
      outcome.ctx.single_prompt ||
      opts.json ||
      opts.yes ||
      !io.interactive ||
      !ui.confirm
    )
      return;
    if (!(await ui.confirm('Save as reusable pattern?', true))) return;
    const [{ savePattern }, { printSaved }] = await Promise.all([
      import('../../features/patterns/save.js'),
      import('../views/patterns.js'),
    ]);
    printSaved(
      io,
      false,
      await savePattern(outcome.ctx.chain_id, base, {
        contextsDir: driveOpts.contextsDir,
        verbose: opts.verbose,
      }),
      opts.cwd,
    );
    ui.close();
  };
  return { opts, io, base, chain, driveOpts, drive, driveAndOffer };
}

/**
 * The saved pattern a new chain applies: none with --no-pattern; the named one with --pattern
 * (UsageError for an unknown name, before anything is created); else the best match above the
 * threshold — asked on a terminal ("Similar pattern: NAME (87% match) — apply?"), applied with
 * --yes, otherwise only reported on stderr. Without such a match, the saved patterns as
 * `candidates` for new_case to match by meaning (src/patterns/offer.ts).
 */
async function choosePattern(
  task: string,
  flag: string | false | undefined,
  s: Awaited<ReturnType<typeof setup>>,
): Promise<
  | { doc: PatternDoc; similarity: number; appliedBy: PatternUse['applied_by'] }
  | { candidates: PatternCandidate[] }
  | undefined
> {
  if (flag === false) return undefined;
  const [{ loadPatterns }, { findPattern }, { matchPatterns }, { patternCandidates }] = await Promise.all([
    import('../../patterns/file.js'),
    import('../../patterns/manage.js'),
    import('../../patterns/apply.js'),
    import('../../patterns/offer.js'),
  ]);
  const { patterns, issues } = await loadPatterns(s.opts.cwd, { workspaceLayer: s.base.trusted });
  if (issues.length)
    s.io.err(
      `warning: ${issues.length} invalid pattern file(s) left out (\`claude-exec patterns validate\` lists them)`,
    );
  if (typeof flag === 'string') {
    const doc = findPattern(patterns, flag);
    return { doc, similarity: matchPatterns(task, [doc], 0)[0]?.similarity ?? 0, appliedBy: 'flag' as const };
  }
  const [best] = matchPatterns(task, patterns);
  // No match by words: new_case is shown the saved patterns and says which applies, if any.
  if (!best) return patterns.length ? { candidates: patternCandidates(patterns) } : undefined;
  const label = `Similar pattern: ${best.pattern.name} (${Math.round(best.similarity * 100)}% match)`;
  const ui = s.base.ui;
  if (s.io.interactive && !s.opts.json && ui.confirm) {
    return (await ui.confirm(`${label} — apply?`, true))
      ? { doc: best.pattern, similarity: best.similarity, appliedBy: 'confirmed' as const }
      : undefined;
  }
  if (s.opts.yes) {
    s.io.err(`${label} — applied (--yes)`);
    return { doc: best.pattern, similarity: best.similarity, appliedBy: 'yes' as const };
  }
  s.io.err(
    `${label} — not applied: without a terminal pass --pattern ${best.pattern.name} (or --yes) to apply it, --no-pattern to skip matching`,
  );
  return undefined;
}

/** The one contexts directory a driving command writes to. */
export function contextsDir(opts: GlobalOptions): string {
  if (opts.contexts && opts.contexts.length > 1)
    throw new UsageError('a chain is driven in one contexts directory; give --contexts once');
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
    throw new UsageError(
      `${file}: cannot read answers (${(err as Error).message})`,
      'The file holds a JSON object: {"q1": "answer", "q2": "answer"}.',
    );
  }
  if (
    !json ||
    typeof json !== 'object' ||
    Array.isArray(json) ||
    Object.values(json).some((v) => typeof v !== 'string')
  ) {
    throw new UsageError(
      `${file}: answers must be a JSON object of question id → string`,
      'Example: {"q1": "Yes, refresh tokens", "q2": "Redis"}',
    );
  }
  io.err(`read ${Object.keys(json).length} answer(s) from ${file}`);
  return json as Record<string, string>;
}

export function register(program: Command): void {
  const run = program
    .command('run', { isDefault: true })
    .description('start a new chain for a task and drive it through the phases (the default command)')
    .argument('[task...]', 'what to build or fix, in plain words (several words, or give `run` explicitly)')
    .option(
      '--estimate',
      'print the forecast (cost, calls, model time: median and 80% interval) and what it rests on, then stop: no chain, no call',
    )
    .option(
      '--pattern <name>',
      'apply this saved pattern (its questions with their answers as defaults, its decisions as proposals, its discovery prompts first)',
    )
    .option('--no-pattern', 'do not match the task against the saved patterns')
    .option(
      '--workflow <name>',
      'the workflow to run: feature (default), bugfix, review, plan, refactor, docs, or your own (`claude-exec workflows list`)',
    )
    .option(
      '--split',
      'plan sub-chains with parallel_work_planner, approve the split (or --yes), run them in parallel git worktrees; `claude-exec apply ID` applies their patches',
    )
    .option(
      '--record',
      'keep every request and response in a cassette beside the context file (chain-NNN-….cassette.jsonl.gz; `claude-exec replay` re-runs it offline)',
    )
    .addOption(
      new Option(
        '--replay-gates <cassette>',
        'answer the gates as in this cassette (what `claude-exec replay` runs the chain with)',
      ).hideHelp(),
    )
    .action(
      async (
        task: string[],
        o: {
          estimate?: boolean;
          pattern?: string | false;
          workflow?: string;
          split?: boolean;
          record?: boolean;
        },
        cmd: Command,
      ) => {
        if (!task.length) {
          cmd.parent?.outputHelp();
          throw new UsageError(
            'no task given',
            'Usage: claude-exec "Add JWT authentication to my Express app"',
          );
        }
        guardDefaultTask(task, commandNames(cmd.parent!), cmd.parent?.args[0] === 'run');
        if (o.estimate) {
          const { opts, io } = commandContext(cmd);
          const [{ estimateTask }, { forecastLine }] = await Promise.all([
            import('../../features/learning/estimate.js'),
            import('../../features/learning/forecast.js'),
          ]);
          const r = await estimateTask(
            task.join(' '),
            opts.cwd,
            contextsDir(opts),
            opts.model,
            o.pattern,
            o.workflow,
          );
          if (opts.json) printJson(io, { schema: 'claude-exec/estimate@1', ...r });
          else io.out(forecastLine(r.forecast));
          return;
        }
        const s = await setup(cmd);
        const chosen = await choosePattern(task.join(' '), o.pattern, s);
        const pattern = chosen && 'doc' in chosen ? chosen : undefined;
        const patternCandidates = chosen && 'candidates' in chosen ? chosen.candidates : undefined;
        // What shapes the requests, kept in a cassette's header so a replay runs the same way.
        const recordFlags = [
          ...(s.opts.yes ? ['--yes'] : []),
          ...(s.opts.model ? ['--model', s.opts.model] : []),
          ...(s.opts.until ? ['--until', s.opts.until] : []),
          ...(o.workflow ? ['--workflow', o.workflow] : []),
          ...(pattern ? ['--pattern', pattern.doc.name] : patternCandidates ? [] : ['--no-pattern']),
        ];
        await s.driveAndOffer(() =>
          s.chain.startChain(task.join(' '), s.base, {
            ...s.driveOpts,
            pattern,
            patternCandidates,
            ...(o.workflow !== undefined ? { workflow: o.workflow } : {}),
            ...(o.split ? { split: true } : {}),
            ...(o.record ? { record: true } : {}),
            recordFlags,
          }),
        );
      },
    );
  applies(run, 'drive');
  examples(run, [
    'claude-exec "Add JWT authentication with refresh tokens to this Express app"',
    'claude-exec --yes --until solution-approval "Plan a migration to Postgres"   # plan only, nothing approved',
    'claude-exec --json --max-cost 2 "Fix the flaky login test" | jq .status',
    'claude-exec run refactor   # a one-word task needs run',
    'claude-exec --workflow bugfix "Login fails with 500 after the session upgrade"',
    'claude-exec --workflow review --yes "Review the changes on this branch against main"',
    'claude-exec --split "Add Stripe payments: provider integration, webhooks, refunds"   # then: claude-exec apply ID',
    'claude-exec "Add rate limiting to the public API" --estimate   # the forecast only: no chain, no call',
    'claude-exec --pattern session_to_token_auth "Add JWT auth to the admin API"   # start from a saved pattern',
  ]);

  const fork = program
    .command('fork')
    .description(
      'start a new chain that reuses steps 1..N-1 of chain ID without calls and runs live from step N, with other answers or another model',
    )
    .argument('<id>', 'chain id to fork')
    .requiredOption('--from-step <n>', 'the first step to run again (`claude-exec show ID` lists the steps)')
    .option(
      '--answer <qid=text...>',
      'answer a question of the source differently, e.g. --answer q1="No rotation" (repeatable)',
    )
    .action(async (id: string, o: { fromStep: string; answer?: string[] }, cmd: Command) => {
      const n = Number(o.fromStep);
      if (!/^\d+$/.test(o.fromStep) || n < 1)
        throw new UsageError(`--from-step "${o.fromStep}" must be a step number (1, 2, …)`);
      const answers = parseAnswers(o.answer);
      const s = await setup(cmd);
      const { forkChain } = await import('../../features/fork/fork.js');
      await s.drive(() => forkChain(id, n, answers, s.base, s.driveOpts));
    });
  applies(fork, 'drive');
  examples(fork, [
    'claude-exec fork 047 --from-step 5 --answer q1="No, keep one refresh token per user"',
    'claude-exec fork 047 --from-step 9 --model claude-opus-4-6   # the same chain up to step 8, a stronger model from 9',
  ]);

  const resume = program
    .command('resume')
    .description(
      'continue a chain from its last completed step (after a pause, a crash, a budget stop, an interrupt, an awaited answer)',
    )
    .argument('<id>', 'chain id, e.g. 047')
    .option(
      '--more-iterations <n>',
      'a chain stopped at the implementation iteration cap: allow N more (1-20), continuing from the last failure',
    )
    .action(async (id: string, o: { moreIterations?: string }, cmd: Command) => {
      const more = o.moreIterations === undefined ? undefined : Number(o.moreIterations);
      if (more !== undefined && (!Number.isInteger(more) || more < 1 || more > 20)) {
        throw new UsageError(`--more-iterations "${o.moreIterations}" must be a whole number from 1 to 20`);
      }
      const s = await setup(cmd);
      await s.driveAndOffer(() =>
        s.chain.resumeChain(id, s.base, {
          ...s.driveOpts,
          ...(more !== undefined ? { moreIterations: more } : {}),
        }),
      );
    });
  applies(resume, 'drive');
  examples(resume, [
    'claude-exec resume 047',
    'claude-exec resume 047 --yes --max-cost 5',
    'claude-exec resume 047 --more-iterations 2   # past the implementation iteration cap',
  ]);

  const approve = program
    .command('approve')
    .description(
      'answer a pending approval gate (solution or file change) without a terminal, then continue the chain',
    )
    .argument('<id>', 'chain id')
    .option('--reject <why>', 'reject, saying what should change')
    .option('--more-info <question>', 'ask a question before deciding (solution gate only)')
    .option(
      '--all-changes',
      'approve this and every remaining file change of the implementation (the gate\'s "all")',
    )
    .action(
      async (id: string, o: { reject?: string; moreInfo?: string; allChanges?: boolean }, cmd: Command) => {
        if (o.reject !== undefined && o.moreInfo !== undefined)
          throw new UsageError('give either --reject or --more-info, not both');
        if (o.allChanges && (o.reject !== undefined || o.moreInfo !== undefined))
          throw new UsageError('--all-changes approves: it cannot go with --reject or --more-info');
        const answer =
          o.reject !== undefined
            ? { response: 'rejected' as const, note: o.reject }
            : o.moreInfo !== undefined
              ? { response: 'more-info' as const, note: o.moreInfo }
              : { response: 'approved' as const, note: null, allChanges: o.allChanges === true };
        const s = await setup(cmd);
        await s.driveAndOffer(() => s.chain.approveChain(id, answer, s.base, s.driveOpts));
      },
    );
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
      if (Object.keys(answers).length === 0)
        throw new UsageError(
          'no answers given',
          `Use --answer q1=… or --file answers.json; \`claude-exec pending ${id}\` lists the questions.`,
        );
      const s = await setup(cmd);
      await s.driveAndOffer(() =>
        s.chain.answerChain(id, answers, o.file ? 'file' : 'user', s.base, s.driveOpts),
      );
    });
  applies(answer, 'drive');
  examples(answer, [
    'claude-exec pending 047    # the questions and their proposed defaults',
    'claude-exec answer 047 --answer q1="Yes" --answer q2="Redis"',
    'claude-exec answer 047 --file answers.json',
  ]);
}
