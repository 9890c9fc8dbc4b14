/**
 * The end of a drive, for every flow: the spec (and with a complete chain its PR description)
 * written from the chain, the final status saved, the measured prompt costs updated; and the
 * save of a chain stopped by an error (waiting for a human, over budget, interrupted, failed).
 */
import type { ChainContext } from '../../chain/schema.js';
import {
  AwaitingInputError,
  BudgetExceededError,
  ClaudeExecError,
  InterruptedError,
  StepFailedError,
} from '../../errors.js';
import { patternAdaptations } from '../../patterns/apply.js';
import type { BaseDeps } from '../deps.js';
import type { ChainSession } from '../session.js';
import { specsDirOf, writeSpecFiles } from '../spec.js';
import { FamilyStoppedError } from './subChain.js';

export type DriveOutcome = ChainContext['status'];

/**
 * Rewrites the chain's spec (and, with `final`, its PR description) once a solution exists. A
 * failed write is a warning: the context file, not the spec, is the chain's state. Returns the
 * spec's path, or null when nothing was written.
 */
export async function updateSpec(
  session: ChainSession,
  deps: Pick<BaseDeps, 'config' | 'workspace' | 'ui'>,
  final = false,
): Promise<string | null> {
  const c = session.ctx;
  if (c.single_prompt || (!c.solution_versions.length && !c.solution)) return null;
  try {
    return (await writeSpecFiles(c, session.file, specsDirOf(deps), { final })).spec;
  } catch (err) {
    deps.ui.progress.warn(`could not write the spec: ${(err as Error).message}`);
    return null;
  }
}

/**
 * Ends the chain as complete or failed (with `reason`): writes its spec (final, with the PR
 * description, when complete) and saves. (The engine's caller then adds its runs to the measured
 * prompt costs: src/engine/run.ts EngineServices.chainEnded.)
 */
export async function finish(
  session: ChainSession,
  status: 'complete' | 'failed',
  reason: string | null,
  deps?: Pick<BaseDeps, 'config' | 'workspace' | 'ui'>,
): Promise<DriveOutcome> {
  const c = session.ctx;
  if (status === 'failed') session.exitPhase(`failed: ${reason}`);
  c.status = status;
  c.error = reason;
  c.pending = null;
  if (c.pattern) c.pattern.adaptations = patternAdaptations(c);
  // The spec first: a kill while it is written leaves the chain unfinished, and its resume (the
  // spec's only writer) removes the half-written temp file and writes it again.
  if (deps) await updateSpec(session, deps, status === 'complete');
  await session.save();
  return status;
}

/**
 * Records why a chain stopped on `err` and saves: a failed step fails the chain (returned as
 * 'failed'); every other error is rethrown after the save (awaiting input, budget, interrupt,
 * API failure).
 */
export async function stopped(
  session: ChainSession,
  err: unknown,
  deps?: Pick<BaseDeps, 'config' | 'workspace' | 'ui'>,
): Promise<DriveOutcome> {
  const c = session.ctx;
  if (err instanceof AwaitingInputError || err instanceof FamilyStoppedError) {
    // The gate saved status and pending already; a split's parts step set the status of its family's stop.
  } else if (err instanceof BudgetExceededError) {
    c.status = 'budget-exceeded';
    c.error = err.message;
  } else if (err instanceof InterruptedError) {
    c.status = 'cancelled';
    c.error = 'interrupted';
  } else if (err instanceof StepFailedError) {
    return finish(session, 'failed', err.message, deps);
  } else {
    c.status = 'failed';
    c.error = err instanceof ClaudeExecError ? err.message : String((err as Error)?.message ?? err);
  }
  await session.save();
  throw err;
}
