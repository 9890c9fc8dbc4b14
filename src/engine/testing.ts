/**
 * The chain's own test runs: which command it runs (resolved once at the start, never
 * left to the model), the baseline before any change of ours, and every later run judged against
 * that baseline, with counts and failing test names read from the runner's summary.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ChainContext, TestRun } from '../chain/schema.js';
import { runTestCommand } from '../tools/index.js';
import { countsText, parseTestOutput, readableOutput } from '../tools/testReport.js';
import { walk } from '../tools/walk.js';
import type { DriveDeps } from './deps.js';
import { runChainChecks } from './checks.js';
import type { ChainSession } from './session.js';
import { emitHook } from './hooks.js';

/** Id of the question asked when no test command can be told from the workspace (`answer ID --answer test_command=…`). */
export const TEST_COMMAND_QUESTION = 'test_command';

/** Output kept for reading a run's report, bytes: `go test -json` writes ~500 bytes a test, so the tool cap (limits.tool_output_bytes) would lose the early events. */
export const REPORT_OUTPUT_BYTES = 8_000_000;
/** Failures kept on a run record. */
const FAILURES_KEPT = 20;

/** Files fingerprinted at most (a bound on the walk of a large workspace). */
const FINGERPRINT_FILES = 20_000;
/** Directories test runs write to (caches, build output): not the code, so not in the fingerprint. */
const RUN_OUTPUT_DIRS = new Set([
  '.pytest_cache',
  '__pycache__',
  '.mypy_cache',
  '.ruff_cache',
  '.venv',
  'target',
  '.gradle',
  'obj',
  'bin',
  '.next',
  '.nuxt',
  '.turbo',
  '.cache',
  'tmp',
  'log',
  'logs',
]);

/** The chain's test argv: the resolved one, else config, else `npm test` (a chain from before the test command was settled at its start). */
export function testArgv(ctx: ChainContext, deps: Pick<DriveDeps, 'config'>): string[] {
  return ctx.test_command?.argv ?? deps.config.test_command ?? ['npm', 'test'];
}

/**
 * A fingerprint of the workspace's files (path, size, mtime), leaving out the contexts directory,
 * the directories the walk skips and those test runs write to (caches, build output); at most
 * 20,000 files. Changes when a file is added,
 * removed, resized or touched.
 */
async function workspaceFingerprint(root: string, contextsDir: string): Promise<string> {
  const hash = createHash('sha256');
  const contextsRel = path.relative(root, contextsDir).split(path.sep).join('/');
  let n = 0;
  for await (const e of walk(root, root, 64)) {
    if (e.kind !== 'file') continue;
    if (
      e.rel
        .split('/')
        .slice(0, -1)
        .some((d) => RUN_OUTPUT_DIRS.has(d))
    )
      continue;
    if (
      contextsRel &&
      !contextsRel.startsWith('..') &&
      (e.rel === contextsRel || e.rel.startsWith(`${contextsRel}/`))
    )
      continue;
    try {
      const s = await stat(e.abs);
      hash.update(`${e.rel}\0${s.size}\0${s.mtimeMs}\n`);
    } catch {
      hash.update(`${e.rel}\0gone\n`);
    }
    if (++n >= FINGERPRINT_FILES) break;
  }
  return hash.digest('hex').slice(0, 16);
}

/** The chain's latest baseline run, or null. */
export function latestBaseline(ctx: ChainContext): TestRun | null {
  return ctx.test_runs.filter((t) => t.expect === 'baseline').at(-1) ?? null;
}

/**
 * Pure: judges a run against the baseline. Green = exit 0. A green-expected run that fails only
 * where the baseline already failed is `no-new-failures`: by name for tests, and by build status
 * for units (`more.broken`: a package, crate, module, suite or file that did not build) — a unit
 * that built in the baseline and does not build now is a new failure (`name (did not build)`).
 * Never `no-new-failures` when the run's summary was not read, its runner differs from the
 * baseline's, or nothing passed where the baseline passed tests while units failed to build. A
 * red run that passes is `unexpected-green` (the new tests pass before any implementation).
 */
export function judgeRun(
  expect: TestRun['expect'],
  passed: boolean,
  failing: string[],
  baseline: TestRun | null,
  more: { broken?: string[]; counts?: TestRun['counts'] } = {},
): { verdict: NonNullable<TestRun['verdict']>; new_failures: string[] } {
  const broken = more.broken ?? [];
  const red = baseline !== null && !baseline.passed;
  const before = new Set(baseline?.failing ?? []);
  const brokenBefore = new Set(baseline?.broken ?? []);
  const newBroken = broken.filter((b) => !red || !brokenBefore.has(b)).map((b) => `${b} (did not build)`);
  const new_failures = [...(red ? failing.filter((f) => !before.has(f)) : failing), ...newBroken];
  if (expect === 'baseline') return { verdict: passed ? 'green' : 'red', new_failures: [] };
  if (expect === 'red') return { verdict: passed ? 'unexpected-green' : 'red', new_failures };
  if (passed) return { verdict: 'green', new_failures: [] };
  const c = more.counts;
  const sameRunner = !c || !baseline?.counts || c.runner === baseline.counts.runner;
  const nothingRan = broken.length > 0 && c?.passed === 0 && (baseline?.counts?.passed ?? 0) > 0;
  const known =
    red &&
    before.size + brokenBefore.size > 0 &&
    failing.length + broken.length > 0 &&
    sameRunner &&
    !nothingRan;
  return { verdict: known && new_failures.length === 0 ? 'no-new-failures' : 'red', new_failures };
}

/** Pure: one line for a run, e.g. `red — 1 failed, 2 passed (node:test); failing: AC2: rejects…; did not build: example.com/x`. */
export function describeRun(t: TestRun): string {
  const c = t.counts;
  const counts = c
    ? countsText({ ...c, broken: t.broken.length })
    : t.timed_out
      ? 'timed out'
      : `exit ${t.exit_code}, summary not recognised`;
  const failing = t.failing.length
    ? `; failing: ${t.failing.slice(0, 5).join('; ')}${t.failing.length > 5 ? ` … (+${t.failing.length - 5})` : ''}`
    : '';
  const broken = t.broken.length
    ? `; did not build: ${t.broken.slice(0, 5).join('; ')}${t.broken.length > 5 ? ` … (+${t.broken.length - 5})` : ''}`
    : '';
  return `${t.verdict ?? (t.passed ? 'green' : 'red')} — ${counts}${failing}${broken}`;
}

/**
 * Pure: a run's failures as lines for a person (the gate, the spec), units that did not build
 * first: `did not build example.com/x — x/x.go:4:17: cannot use 3 …` or `failed TestMean —
 * mean_test.go:7: Mean = -1, want 2.5`; the first line of each message, at most `max` lines
 * and a count of the rest.
 */
export function failureLines(t: Pick<TestRun, 'failures'>, max = 10): string[] {
  const lines = t.failures.slice(0, max).map((f) => {
    const first =
      f.message
        .split('\n')
        .find((l) => l.trim())
        ?.trim() ?? '';
    return `${f.kind === 'build' ? 'did not build' : 'failed'} ${f.name}${f.location ? ` — ${f.location}` : ''}${first ? `: ${first.length > 160 ? `${first.slice(0, 160)} …` : first}` : ''}`;
  });
  return t.failures.length > max ? [...lines, `… and ${t.failures.length - max} more`] : lines;
}

/**
 * Runs the chain's test command once (in the sandbox), records it in `test_runs` with counts,
 * failing names and its verdict against the baseline, saves, and returns the record. Never throws
 * for a failing run.
 */
export async function runChainTests(
  session: ChainSession,
  deps: DriveDeps,
  expect: TestRun['expect'],
): Promise<{ run: TestRun; output: string }> {
  const ctx = session.ctx;
  const argv = testArgv(ctx, deps);
  const contextsDir = path.dirname(session.file);
  deps.ui.progress.info(
    `  running ${argv.join(' ')} (${expect === 'baseline' ? 'baseline, before any change' : `expecting ${expect}`})`,
  );
  const started = Date.now();
  // The whole output is read for the report; only its readable tail is kept on the record.
  const r = await runTestCommand({
    root: deps.workspace,
    command: argv,
    timeoutMs: deps.config.limits.test_timeout_ms,
    maxOutputBytes: Math.max(deps.config.limits.tool_output_bytes, REPORT_OUTPUT_BYTES),
    sandbox: deps.sandbox,
  });
  const duration_ms = Date.now() - started;
  // Taken after the run, so that files the run itself writes do not count as a change.
  const fingerprint = expect === 'baseline' ? await workspaceFingerprint(deps.workspace, contextsDir) : null;
  const report = parseTestOutput(r.output);
  const readable = readableOutput(r.output);
  // Runners name a failing file by its absolute path: kept relative to the workspace, like every path the chain records.
  const root = `${path.resolve(deps.workspace)}${path.sep}`;
  const rel = (f: string) => f.split(`file://${root}`).join('').split(root).join('');
  const failing = (report?.failing ?? []).map(rel);
  const broken = (report?.broken ?? []).map(rel);
  const failures = (report?.failures ?? []).slice(0, FAILURES_KEPT).map((f) => ({
    ...f,
    name: rel(f.name),
    message: rel(f.message),
    location: f.location === null ? null : rel(f.location),
  }));
  const counts = report
    ? { runner: report.runner, passed: report.passed, failed: report.failed, skipped: report.skipped }
    : null;
  const { verdict, new_failures } = judgeRun(expect, r.passed, failing, latestBaseline(ctx), {
    broken,
    counts,
  });
  const run: TestRun = {
    at: session.now(),
    phase: ctx.current_phase,
    expect,
    passed: r.passed,
    exit_code: r.exitCode ?? null,
    timed_out: r.timedOut,
    output_tail: readable.slice(-2000),
    iteration: ctx.machine.implementation_iterations,
    argv,
    duration_ms,
    counts,
    failing,
    verdict,
    new_failures,
    broken,
    failures,
    fingerprint,
  };
  ctx.test_runs.push(run);
  await session.save();
  deps.ui.progress.info(`  tests: ${describeRun(run)}`);
  await emitHook(session, deps, 'test_run', {
    tests: { by: 'chain', expect, passed: run.passed, verdict, summary: describeRun(run), argv, failing },
  });
  if (verdict === 'unexpected-green')
    deps.ui.progress.warn(
      'the new tests already pass before any implementation: they may not pin the required behaviour',
    );
  if (verdict === 'no-new-failures')
    deps.ui.progress.warn(
      `${failing.length} test(s) still fail${broken.length ? ` and ${broken.length} unit(s) still do not build` : ''}, as in the baseline before any change; no new failure`,
    );
  return { run, output: readable };
}

/**
 * Runs the baseline (the tests, then the checks: ./checks.ts) when the chain has none, or when
 * `ifChanged` and the workspace changed since the last one (the checkpoint). Returns the test run
 * made, or null.
 */
export async function ensureBaseline(
  session: ChainSession,
  deps: DriveDeps,
  ifChanged = false,
): Promise<TestRun | null> {
  const last = latestBaseline(session.ctx);
  if (last && !ifChanged) return null;
  if (last && last.fingerprint === (await workspaceFingerprint(deps.workspace, path.dirname(session.file))))
    return null;
  const { run } = await runChainTests(session, deps, 'baseline');
  if (!run.passed) deps.ui.progress.warn(`the baseline is red before any change: ${describeRun(run)}`);
  // The checks too, so that one the workspace already fails is not held against the change (./checks.ts).
  await runChainChecks(session, deps, 'baseline');
  return run;
}
