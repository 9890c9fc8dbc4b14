/**
 * The chain's checks besides its tests (typecheck, lint, build): which ones (detected from the
 * workspace, or config `checks`: src/tools/checkCommands.ts), a baseline run before any change,
 * and the run after the tests pass that decides, with them, whether the implementation is green.
 * A check that already failed in the baseline is reported but not held against the change.
 */
import type { CheckRun, ChainContext } from '../chain/schema.js';
import type { Config } from '../config/schema.js';
import { detectChecks, probeChecks, resolveChecks, type DetectedCheck } from '../tools/checkCommands.js';
import { dataBlock } from '../tools/dataBlock.js';
import { runCheckCommand } from '../tools/runCheck.js';
import type { DriveDeps } from './deps.js';
import type { ChainSession } from './session.js';

/** The digest kept on a run record and sent as feedback, characters: two failed checks stay within the machine's 4,000-character feedback. */
const DIGEST_KEPT = 1_800;

/** The checks of the workspace at `root`: detected, then config `checks` over them. */
export function chainChecks(root: string, config: Pick<Config, 'checks'>): DetectedCheck[] {
  return resolveChecks(detectChecks(probeChecks(root)), config.checks);
}

/** Pure: the latest baseline run of check `name`, or null. */
function checkBaseline(ctx: Pick<ChainContext, 'check_runs'>, name: string): CheckRun | null {
  return ctx.check_runs.filter((r) => r.name === name && r.expect === 'baseline').at(-1) ?? null;
}

/**
 * Pure: which failed runs count against the change: every failed run except those of a check that
 * already failed in its baseline (that failure is the workspace's, not the change's). A check
 * without a baseline run counts.
 */
export function countedFailures(
  ctx: Pick<ChainContext, 'check_runs'>,
  runs: readonly CheckRun[],
): { counted: CheckRun[]; preexisting: CheckRun[] } {
  const failed = runs.filter((r) => !r.passed);
  const preexisting = failed.filter((r) => checkBaseline(ctx, r.name)?.passed === false);
  return { counted: failed.filter((r) => !preexisting.includes(r)), preexisting };
}

/** Pure: the feedback for failed checks: one block per check with its digest. */
export function checkFeedback(runs: readonly CheckRun[]): string {
  return runs
    .map(
      (r) =>
        `The ${r.name} check failed (exit code ${r.exit_code ?? 'none'}${r.timed_out ? ', timed out' : ''}):\n${dataBlock('check_output', { check: r.name, command: r.argv.join(' ') }, r.digest)}`,
    )
    .join('\n\n');
}

/**
 * Runs every check of the chain once (in the sandbox), records each in `check_runs` and saves.
 * Never throws for a failing check. Returns the runs made (none when the chain has no checks).
 */
export async function runChainChecks(
  session: ChainSession,
  deps: DriveDeps,
  expect: CheckRun['expect'],
): Promise<CheckRun[]> {
  const checks = deps.checks ?? [];
  const runs: CheckRun[] = [];
  for (const check of checks) {
    deps.ui.progress.info(
      `  running the ${check.name} check: ${check.argv.join(' ')}${expect === 'baseline' ? ' (baseline, before any change)' : ''}`,
    );
    const r = await runCheckCommand(check, {
      root: deps.workspace,
      timeoutMs: deps.config.limits.test_timeout_ms,
      maxOutputBytes: DIGEST_KEPT,
      sandbox: deps.sandbox,
    });
    const run: CheckRun = {
      at: session.now(),
      name: check.name,
      expect,
      argv: [...check.argv],
      passed: r.passed,
      exit_code: r.exitCode,
      timed_out: r.timedOut,
      digest: r.digest.slice(0, DIGEST_KEPT),
      iteration: session.ctx.machine.implementation_iterations,
    };
    session.ctx.check_runs.push(run);
    runs.push(run);
  }
  if (runs.length) await session.save();
  for (const r of runs.filter((x) => !x.passed)) {
    if (expect === 'baseline')
      deps.ui.progress.warn(
        `the ${r.name} check fails before any change: it will be reported but not held against the change`,
      );
  }
  return runs;
}

/**
 * After the tests passed: runs the checks and says whether the change is still green. `feedback`
 * carries the failed checks' digests for the next implementation turn (empty when green).
 */
export async function checksAfterGreenTests(
  session: ChainSession,
  deps: DriveDeps,
): Promise<{ green: boolean; feedback: string }> {
  const runs = await runChainChecks(session, deps, 'green');
  const { counted, preexisting } = countedFailures(session.ctx, runs);
  for (const r of preexisting)
    deps.ui.progress.warn(`the ${r.name} check still fails, as in the baseline before any change`);
  if (counted.length)
    deps.ui.progress.info(`  checks: ${counted.map((r) => r.name).join(', ')} failed — not green yet`);
  return { green: counted.length === 0, feedback: checkFeedback(counted) };
}
