/**
 * `claude-exec prompts eval`: runs prompts against their eval cases (src/evals/) and saves the
 * run. Each case × model × repeat runs as a one-step chain in a temporary directory (a copy of
 * the case's fixture as the workspace, the case's memory in the context), driven by the same
 * driver as `claude-exec prompt run` (its one-step workflow through the one loop, src/engine/loop.ts), so a prompt is
 * evaluated exactly the way a chain runs it. Runs go concurrently within `--max-cost`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createChain } from '../../chain/store.js';
import { promptTokens, tokenCounts } from '../../cost/usage.js';
import { BudgetExceededError, LlmApiError, UsageError } from '../../errors.js';
import { checkAssertions, caseVerdict, type Grade } from '../../evals/assert.js';
import { caseChainContext } from '../../evals/caseChain.js';
import { gradeWithJudge } from '../../evals/judge.js';
import { copyFixture } from '../../evals/fixture.js';
import { loadEvalCases, type EvalCaseFile } from '../../evals/load.js';
import { runTotals, type EvalResult, type EvalRun } from '../../evals/run.js';
import { newRunId, saveRun } from '../../evals/store.js';
import { libraryLayers } from '../../library/load.js';
import type { PromptDoc } from '../../library/parse.js';
import type { Ui } from '../../engine/ui.js';
import { createSandbox } from '../../tools/index.js';
import { driveChainEntry } from '../run/run.js';
import type { BaseDeps } from '../../engine/deps.js';
import { testsBeforeAfter } from './evalTests.js';
import { phaseOf, promptToRun, withResult } from '../../engine/single.js';

export interface EvalOptions {
  /** Prompts to evaluate (empty: every prompt that has cases). */
  names: string[];
  /** Models to run each case on (empty: the configured model of each prompt's tier). */
  models: string[];
  repeat: number;
  /** No case is started once the run has spent this much (USD); null: no limit. */
  maxCostUsd: number | null;
  concurrency: number;
  /** Where the run is saved (`<contexts>/.evals/`). */
  contextsDir: string;
  /** One line per finished or skipped run (stderr). */
  onProgress: (line: string) => void;
}

interface Job {
  c: EvalCaseFile;
  doc: PromptDoc;
  model: string;
  repeat: number;
}

/** A Ui for the cases' chains: their progress is not shown (one line per case is), warnings are; gates approve. */
function caseUi(warn: (text: string) => void): Ui {
  const none = () => undefined;
  return {
    progress: { phase: none, stepStart: none, stepEnd: none, call: none, tool: none, info: none, warn },
    interactive: false,
    askQuestions: async () => ({}),
    askApproval: async () => ({ response: 'approved' }),
    confirmChange: async () => ({ approved: true }),
  };
}

/** Line counts of the fixture's files, by path relative to `root` (null: no such file). */
function fixtureLines(root: string): (file: string) => number | null {
  return (file) => {
    const full = path.resolve(root, file);
    if (path.relative(root, full).startsWith('..')) return null;
    try {
      return readFileSync(full, 'utf8').split('\n').length;
    } catch {
      return null;
    }
  };
}

const usd = (n: number | null) => (n === null ? 'unpriced' : `$${n.toFixed(4)}`);

/** Runs one case once; API failures (LlmApiError) are thrown, everything else is a failed result. */
async function runJob(
  base: BaseDeps,
  job: Job,
  budgetLeft: number | null,
  warn: (t: string) => void,
): Promise<EvalResult> {
  const { c, doc, model } = job;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'claude-exec-eval-'));
  try {
    const workspace = path.join(tmp, 'workspace');
    const fixture = c.fixture ? path.join(tmp, 'fixture') : null;
    if (c.fixture && fixture) {
      await copyFixture(c.fixture, fixture);
      await cp(fixture, workspace, { recursive: true });
    } else await mkdir(workspace);
    const contextsDir = path.join(tmp, 'contexts');
    const phase = c.spec.inputs.phase ?? phaseOf(doc);
    const now = base.clock();
    const entry = await createChain(contextsDir, c.spec.inputs.goal, now, (chainId, chainUid, slug) =>
      caseChainContext(c.spec, c.file, doc.name, phase, model, {
        chainId,
        chainUid,
        slug,
        workspace,
        now,
        maxCostUsd: budgetLeft,
      }),
    );
    const started = Date.now();
    const outcome = await driveChainEntry(
      entry,
      { ...base, workspace, yes: true, ui: caseUi(warn) },
      { contextsDir, verbose: false },
    );
    const latency = Date.now() - started;
    if (outcome.error instanceof LlmApiError) throw outcome.error;
    const result = withResult(outcome, doc.name).result;
    const calls = outcome.ctx.calls;
    const counts = calls.map((k) => tokenCounts(k.usage));
    let cost: number | null = calls.some((k) => k.cost_usd === null)
      ? null
      : calls.reduce((s, k) => s + k.cost_usd!, 0);
    const graded = new Map<number, Grade>();
    for (const [i, a] of c.spec.assert.entries()) {
      if (a.type !== 'llm-rubric' || result === null) continue;
      const judged = await gradeWithJudge(base.llm, base.prices, {
        judge: a.judge,
        goal: c.spec.inputs.goal,
        rubric: a.rubric,
        result,
      }).catch((err: unknown) => {
        if (err instanceof LlmApiError) throw err;
        return { grade: null, cost_usd: null };
      });
      if (judged.grade) graded.set(i, judged.grade);
      cost = cost === null || judged.cost_usd === null ? null : cost + judged.cost_usd;
    }
    // Tests the step wrote, run before and after the case's reference implementation.
    const ranTests = new Map<number, { pass: boolean; detail: string }>();
    for (const [i, dir] of c.afterDirs) {
      if (result === null || !fixture) continue;
      const { sandbox_env: env, sandbox_env_files: envFiles, sandbox_limits: limits } = base.config;
      const sandbox = createSandbox(base.config.sandbox, warn, { policy: { env, envFiles, limits } });
      const scratch = path.join(tmp, `tests-${i}`);
      const tests = outcome.ctx.session_memory.tests_written;
      ranTests.set(
        i,
        await testsBeforeAfter({
          fixture,
          after: dir,
          stepWorkspace: workspace,
          tests,
          scratch,
          sandbox,
          timeoutMs: base.config.limits.test_timeout_ms,
        }),
      );
    }
    const measured = {
      input_tokens: counts.reduce((s, t) => s + promptTokens(t), 0),
      output_tokens: counts.reduce((s, t) => s + t.output, 0),
      cost_usd: cost === null ? null : Math.round(cost * 1e6) / 1e6,
      latency_ms: latency,
    };
    const assertions = checkAssertions(
      c.spec.assert,
      result ?? null,
      measured,
      fixtureLines(workspace),
      graded,
      ranTests,
    );
    const verdict = caseVerdict(assertions);
    const error =
      result === null
        ? (outcome.error?.message ?? outcome.ctx.error ?? `the chain ended ${outcome.ctx.status}`)
        : null;
    return {
      prompt: doc.name,
      case: c.name,
      model,
      repeat: job.repeat,
      ...verdict,
      ...measured,
      calls: calls.length,
      error,
      assertions,
      result: result ?? null,
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Runs `fn` over `items` with at most `n` at once, in order of start. */
async function pool<T>(
  items: readonly T[],
  n: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
}

/**
 * The cases of `names` (every prompt with cases when empty) in the layers of `base`'s library.
 * Throws UsageError for an unknown prompt, a prompt without cases, or an invalid case file.
 */
async function casesFor(
  base: BaseDeps,
  names: readonly string[],
): Promise<{ cases: EvalCaseFile[]; docs: Map<string, PromptDoc> }> {
  const layers = await libraryLayers({
    workspace: base.workspace,
    extraDirs: base.config.prompt_dirs.map((d) => path.resolve(base.workspace, d)),
    workspaceLayer: base.trusted,
  });
  const docs = new Map<string, PromptDoc>();
  for (const n of names) docs.set(n, promptToRun(base, n));
  const cases = await loadEvalCases(layers, names.length ? [...docs.values()].map((d) => d.name) : undefined);
  const missing = [...docs.values()].filter((d) => !cases.some((c) => c.prompt === d.name));
  if (missing.length)
    throw new UsageError(
      `no eval cases for ${missing.map((d) => d.name).join(', ')}`,
      `Add cases as prompts/evals/${missing[0]!.name}/<case>.yaml (README "Evaluating prompts").`,
    );
  for (const c of cases) if (!docs.has(c.prompt)) docs.set(c.prompt, promptToRun(base, c.prompt));
  if (cases.length === 0)
    throw new UsageError(
      'no eval cases found',
      'Add cases as prompts/evals/<prompt>/<case>.yaml (README "Evaluating prompts").',
    );
  return { cases, docs };
}

/**
 * Runs every case of `opts.names` on each model `opts.repeat` times and saves the run. Returns the
 * run and its file. Throws UsageError (bad cases, unknown prompt) before any call, and LlmApiError
 * when the API fails (the run is then not saved).
 */
export async function evaluatePrompts(
  base: BaseDeps,
  opts: EvalOptions,
): Promise<{ run: EvalRun; file: string }> {
  const { cases, docs } = await casesFor(base, opts.names);
  const jobs: Job[] = [];
  for (const c of cases) {
    const doc = docs.get(c.prompt)!;
    const models = opts.models.length ? opts.models : [base.config.model ?? base.config.models[doc.tier]];
    for (const model of models)
      for (let r = 1; r <= opts.repeat; r++) jobs.push({ c, doc, model, repeat: r });
  }
  // Invalid memory is bad input: refuse before the first call.
  for (const c of cases)
    caseChainContext(c.spec, c.file, c.prompt, c.spec.inputs.phase ?? phaseOf(docs.get(c.prompt)!), 'check', {
      chainId: '001',
      chainUid: '00000000-0000-4000-8000-000000000000',
      slug: 'check',
      workspace: '/',
      now: base.clock(),
      maxCostUsd: null,
    });
  const results: EvalResult[] = [];
  const skipped: EvalRun['skipped'] = [];
  let spent = 0;
  let done = 0;
  const warn = (t: string) => opts.onProgress(`warning: ${t}`);
  await pool(jobs, opts.concurrency, async (job) => {
    const label = `${job.c.prompt}/${job.c.name} · ${job.model}${opts.repeat > 1 ? ` #${job.repeat}` : ''}`;
    if (opts.maxCostUsd !== null && spent >= opts.maxCostUsd) {
      skipped.push({
        prompt: job.c.prompt,
        case: job.c.name,
        model: job.model,
        repeat: job.repeat,
        reason: `--max-cost $${opts.maxCostUsd} reached`,
      });
      opts.onProgress(
        `[${++done}/${jobs.length}] ${label}: skipped (--max-cost $${opts.maxCostUsd} reached)`,
      );
      return;
    }
    let r: EvalResult;
    try {
      r = await runJob(base, job, opts.maxCostUsd === null ? null : opts.maxCostUsd - spent, warn);
    } catch (err) {
      if (!(err instanceof BudgetExceededError)) throw err;
      r = {
        prompt: job.c.prompt,
        case: job.c.name,
        model: job.model,
        repeat: job.repeat,
        pass: false,
        score: 0,
        input_tokens: 0,
        output_tokens: 0,
        cost_usd: null,
        latency_ms: 0,
        calls: 0,
        error: err.message,
        assertions: [],
        result: null,
      };
    }
    spent += r.cost_usd ?? 0;
    results.push(r);
    opts.onProgress(
      `[${++done}/${jobs.length}] ${label}: ${r.pass ? 'PASS' : 'FAIL'} ${r.score.toFixed(2)} ` +
        `(${r.input_tokens} in / ${r.output_tokens} out, ${usd(r.cost_usd)}, ${r.latency_ms} ms)` +
        (r.error ? ` — ${r.error}` : ''),
    );
  });
  const order = (r: { prompt: string; case: string; model: string; repeat: number }) =>
    `${r.prompt}\u0000${r.case}\u0000${opts.models.indexOf(r.model)}\u0000${r.model}\u0000${String(r.repeat).padStart(6, '0')}`;
  results.sort((x, y) => (order(x) < order(y) ? -1 : 1));
  const prompts = await Promise.all(
    [...new Set(cases.map((c) => c.prompt))].map(async (name) => {
      const doc = docs.get(name)!;
      return {
        name,
        layer: doc.layer,
        sha256: createHash('sha256')
          .update(await readFile(doc.file))
          .digest('hex'),
      };
    }),
  );
  const now = base.clock();
  const run: EvalRun = {
    run_id: newRunId(now),
    created_at: now.toISOString(),
    models: [...new Set(jobs.map((j) => j.model))],
    repeat: opts.repeat,
    max_cost_usd: opts.maxCostUsd,
    prompts,
    results,
    skipped,
    totals: runTotals(results, skipped.length),
  };
  return { run, file: await saveRun(opts.contextsDir, run) };
}
