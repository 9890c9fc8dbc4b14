/**
 * The chain's side of hooks (src/hooks/): the one function the engine calls at an event. It
 * builds the event's stdin document from the chain, runs the configured hooks (config `hooks`,
 * from the user config or a trusted workspace's: src/config/load.ts), warns on stderr of each
 * hook that failed, timed out or blocked, and records those in the chain's `hook_reports`.
 */
import path from 'node:path';
import type { Step } from '../chain/schema.js';
import { withReport, type HookDocument } from '../hooks/events.js';
import type { HookEvent } from '../hooks/state.js';
import { reportLine, runHooks } from '../hooks/run.js';
import { secretValues } from '../log.js';
import { countsText, parseTestOutput } from '../tools/testReport.js';
import type { TestRunResult } from '../tools/index.js';
import type { BaseDeps } from './deps.js';
import type { ChainSession } from './session.js';

/** The event-specific fields of a hook's document (the rest comes from the chain). */
export type HookFields = Omit<
  Partial<HookDocument>,
  'event' | 'chain_id' | 'workspace' | 'at' | 'phase' | 'cost_usd'
>;

/** Pure: a step as a hook document shows it. */
export function hookStep(
  step: Pick<Step, 'n' | 'prompt' | 'phase' | 'status' | 'summary'>,
): NonNullable<HookDocument['step']> {
  return {
    n: step.n,
    prompt: step.prompt,
    phase: step.phase,
    status: step.status === 'complete' || step.status === 'failed' ? step.status : 'running',
    summary: step.summary,
  };
}

/** Pure: a run_tests run of the model as a test_run document shows it (counts read from its output when the runner is known). */
export function modelTestRun(
  argv: string[],
  r: Pick<TestRunResult, 'passed' | 'exitCode' | 'timedOut' | 'output'>,
): NonNullable<HookDocument['tests']> {
  const report = parseTestOutput(r.output);
  const outcome = r.timedOut
    ? 'timed out'
    : report
      ? countsText({ ...report, broken: report.broken.length })
      : `exit ${r.exitCode}`;
  return {
    by: 'model',
    expect: null,
    passed: r.passed,
    verdict: null,
    summary: `${r.passed ? 'green' : 'red'} — ${outcome}`,
    argv,
    failing: report?.failing ?? [],
  };
}

/**
 * Runs the hooks of `event` for the chain in `session` (none configured: returns at once, nothing
 * is built). Returns the reason the change is refused when a before_file_change hook exited 2,
 * else null. Never throws; the chain goes on whatever a hook did. `env`: the user's process
 * environment the hook's own is made from (default process.env; never the workspace's `.env`).
 */
export async function emitHook(
  session: ChainSession,
  deps: Pick<BaseDeps, 'config' | 'workspace' | 'ui' | 'env'>,
  event: HookEvent,
  fields: HookFields = {},
  env: Record<string, string | undefined> = process.env,
): Promise<string | null> {
  const hooks = deps.config.hooks[event];
  if (hooks.length === 0) return null;
  const ctx = session.ctx;
  const workspace = path.resolve(deps.workspace);
  const doc: HookDocument = {
    event,
    chain_id: ctx.chain_id,
    workspace,
    at: session.now(),
    phase: ctx.current_phase,
    cost_usd: ctx.cost_tracking.estimated_cost,
    ...fields,
  };
  try {
    // The key may come from the workspace's `.env` (deps.env): redacted from hook output too.
    const { blocked, reports } = await runHooks(hooks, doc, {
      cwd: workspace,
      env,
      secrets: secretValues(deps.env),
    });
    for (const r of reports) {
      deps.ui.progress.warn(reportLine(r));
      session.ctx.hook_reports = withReport(session.ctx.hook_reports, r);
    }
    return blocked;
  } catch (err) {
    deps.ui.progress.warn(`${event} hooks could not run: ${(err as Error).message}`);
    return null;
  }
}
