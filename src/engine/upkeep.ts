/**
 * Steps the driver runs around the phase machine's effects: the memory's maintenance (health
 * check, compaction: src/memory/maintenance.ts) before an effect, error_recovery after a step
 * failed, and chain_debugger when the chain fails. Each is a prompt run with its own calls and
 * cost, keyed like every step by the effect it belongs to, so `resume` never repeats one.
 */
import { StepFailedError } from '../errors.js';
import { maintenanceDue } from '../memory/maintenance.js';
import { memoryTokens } from '../memory/render.js';
import type { DriveDeps } from './deps.js';
import type { ChainSession } from './session.js';
import { promptStep } from './steps.js';

/** At most this many maintenance steps before one effect (a health check, then a compaction). */
const MAX_MAINTENANCE = 2;

/**
 * Runs the maintenance steps due now. A maintenance step that fails is reported and skipped:
 * bookkeeping never fails the chain. Rethrows budget, API and interrupt errors.
 */
export async function maintainMemory(session: ChainSession, deps: DriveDeps): Promise<void> {
  const { config } = deps;
  const settings = {
    healthEvery: config.caps.health_check_every,
    budgetTokens: config.limits.context_tokens,
    compactAt: config.thresholds.compact_memory_at,
    healthFloor: config.thresholds.context_health,
  };
  for (let i = 0; i < MAX_MAINTENANCE; i++) {
    const full = memoryTokens(session.ctx);
    const due = maintenanceDue(session.ctx, settings, full);
    if (!due) return;
    deps.ui.progress.info(`  ${due.prompt}: ${due.reason}`);
    try {
      // On the chain's tier (config upkeep_tier), so the call reads the prefix its steps cached.
      await promptStep(session, deps, { name: due.prompt, focus: due.reason, tier: deps.config.upkeep_tier });
    } catch (err) {
      if (!(err instanceof StepFailedError)) throw err;
      deps.ui.progress.warn(
        `${due.prompt} failed (${err.message}); the chain goes on with its memory as it is`,
      );
      return;
    }
  }
}

/** Whether error_recovery already ran for the current effect (it runs at most once per effect). */
export function recoveredThisEffect(session: ChainSession): boolean {
  return session.ctx.steps.some((s) => s.effect === session.ctx.machine.seq && s.prompt === 'error_recovery');
}

/**
 * error_recovery diagnoses `failure` (its `{{feedback}}`); the driver then tries the effect once
 * more. Returns false when the diagnosis itself failed (then the chain fails as it would have).
 */
export async function recoverFromFailure(
  session: ChainSession,
  deps: DriveDeps,
  failure: StepFailedError,
): Promise<boolean> {
  const failed = session.ctx.steps.filter((s) => s.status === 'failed').at(-1);
  const feedback = `${failed ? `Step ${failed.n} (${failed.prompt}, ${failed.phase}) failed: ` : ''}${failure.message}`;
  deps.ui.progress.info('  error_recovery: diagnosing the failed step before one more try');
  try {
    await promptStep(session, deps, { name: 'error_recovery', focus: null, feedback });
    return true;
  } catch (err) {
    if (!(err instanceof StepFailedError)) throw err;
    return false;
  }
}

/**
 * chain_debugger diagnoses why the chain is failing (`reason`, its `{{feedback}}`), so the human
 * who resumes it knows what to change. Its own failure is reported, not fatal.
 */
export async function debugFailedChain(
  session: ChainSession,
  deps: DriveDeps,
  reason: string,
): Promise<void> {
  if (session.ctx.steps.some((s) => s.effect === session.ctx.machine.seq && s.prompt === 'chain_debugger'))
    return;
  deps.ui.progress.info('  chain_debugger: diagnosing why the chain failed');
  try {
    await promptStep(session, deps, { name: 'chain_debugger', focus: null, feedback: reason });
  } catch (err) {
    if (!(err instanceof StepFailedError)) throw err;
    deps.ui.progress.warn(`chain_debugger failed: ${err.message}`);
  }
}
