/**
 * A workflow's `phase` step: the phase machine (src/phases/machine.ts) run for that phase. A
 * phase the machine is already in (the previous phase step left it there going forward) goes on
 * from the machine's own awaiting effect; another phase is entered with the machine's entry
 * effect (`phaseEntry`). The step ends when the machine leaves the phase forward, completes or
 * fails; a walk-back (a rejection, another analysis loop) stays inside the step. Before the
 * solution gate the baseline runs and the spec is written; `--until` pauses after a phase, or at
 * the gate for solution-approval; a failing chain is debugged (chain_debugger) before it fails.
 */
import { PHASES, type Effect, type PromptRun, type WorkflowEffect } from '../../chain/schema.js';
import { InterruptedError } from '../../errors.js';
import { phaseEntry } from '../../phases/machine.js';
import type { DriveDeps } from '../deps.js';
import type { ChainSession } from '../session.js';
import { debugFailedChain } from '../upkeep.js';
import { beforeApproval, pauseAtGate } from './gate.js';
import { applyMachineEvent, performWithRecovery, settingsOf } from './machine.js';
import type { StepOutcome } from './outcome.js';

/** `effect` with a step's model tier on every prompt it runs. */
function withTier(effect: Effect, tier: PromptRun['tier'] | null): Effect {
  if (!tier) return effect;
  if (effect.kind === 'prompt') return { ...effect, run: { ...effect.run, tier } };
  if (effect.kind === 'batch') return { ...effect, runs: effect.runs.map((r) => ({ ...r, tier })) };
  return effect;
}

const live = (e: Effect | null): boolean => e !== null && e.kind !== 'complete' && e.kind !== 'fail';

/**
 * Puts the machine in the step's phase, unless it is there with work to do: the entry effect of
 * the phase (./machine.ts phaseEntry) and a new phase record. Not saved: entering is
 * deterministic, so a kill before the next save enters again the same way (one context-file
 * rewrite between two calls).
 */
function enterStepPhase(
  session: ChainSession,
  deps: DriveDeps,
  effect: Extract<WorkflowEffect, { kind: 'phase' }>,
): void {
  const run = session.ctx.workflow!;
  const m = session.ctx.machine;
  if (!(m.phase === effect.phase && live(m.awaiting))) {
    const entry = phaseEntry(
      effect.phase,
      m,
      session.ctx.solution_versions.length > 0 || !!session.ctx.solution,
    );
    const open = session.ctx.phase_history.at(-1);
    if (!(open && open.ended_at === null && open.phase === effect.phase)) {
      session.exitPhase(`workflow step ${effect.at}`);
      session.enterPhase(effect.phase);
      deps.ui.progress.phase(effect.phase);
    }
    session.ctx.machine = {
      ...m,
      ...entry.patch,
      phase: effect.phase,
      awaiting: entry.effect,
      seq: m.seq + 1,
    };
  }
  run.phase_entered = true;
}

/**
 * Runs phase step `effect` until the machine leaves its phase forward (done), completes (done),
 * fails (rejected, after chain_debugger), or the chain pauses (--until) or stops (thrown).
 */
export async function runPhaseStep(
  session: ChainSession,
  deps: DriveDeps,
  effect: Extract<WorkflowEffect, { kind: 'phase' }>,
  signal?: AbortSignal,
): Promise<StepOutcome> {
  const settings = settingsOf(deps);
  const target = PHASES.indexOf(effect.phase);
  if (!session.ctx.workflow!.phase_entered) enterStepPhase(session, deps, effect);
  for (;;) {
    if (signal?.aborted) throw new InterruptedError();
    const inner = session.ctx.machine.awaiting!;
    if (inner.kind === 'gate') {
      // The baseline runs before the solution is presented, before any change of ours; the spec is written for the reviewer.
      await beforeApproval(session, deps);
      if (await pauseAtGate(session, deps)) return { paused: true };
    }
    if (inner.kind === 'complete') return { note: `${effect.phase}: the machine completed` };
    if (inner.kind === 'fail') {
      await debugFailedChain(session, deps, inner.reason);
      return { rejected: inner.reason };
    }
    const event = await performWithRecovery(withTier(inner, effect.tier), session, deps);
    const t = applyMachineEvent(session, event, settings);
    const c = session.ctx;
    if (t.exited) {
      session.exitPhase(t.exited.reason);
      deps.log.info({ phase: t.exited.phase, reason: t.exited.reason }, 'phase exited');
      const terminal = t.effect.kind === 'complete' || t.effect.kind === 'fail';
      if (!terminal) {
        session.enterPhase(t.state.phase);
        deps.ui.progress.phase(t.state.phase);
      }
      const until =
        !terminal && c.until_phase === t.exited.phase
          ? `stopped after ${t.exited.phase} as --until asked; continue with \`claude-exec resume ${c.chain_id}\``
          : null;
      if (until) c.until_phase = null;
      if (!terminal && PHASES.indexOf(t.state.phase) > target) {
        // Saved with the workflow's next step (src/engine/loop.ts), once.
        return until ? { note: t.exited.reason, pauseAfter: until } : { note: t.exited.reason };
      }
      if (until) {
        // A walk-back: the chain pauses inside this step.
        c.status = 'paused';
        await session.save();
        deps.ui.progress.info(until);
        return { paused: true };
      }
    }
    await session.save();
  }
}
