/**
 * Chains built in memory for the memory tests: each step is folded into the context exactly as the
 * driver does it (src/engine/steps.ts: foldResult, then the step closed with its whole result).
 */
import { newChainContext } from '../../src/chain/init.js';
import type { ChainContext, Phase, Step } from '../../src/chain/schema.js';
import { decideSolution, foldResult } from '../../src/memory/fold.js';
import type { Findings } from '../../src/phases/protocol.js';

export function emptyChain(goal = 'Add JWT authentication with refresh tokens'): ChainContext {
  return newChainContext({
    chainId: '007',
    chainUid: 'uid-memory-0007',
    goal,
    slug: 'jwt',
    workspace: '/w',
    model: 'm',
    models: { fast: 'm', default: 'm', smart: 'm' },
    now: new Date(0),
  });
}

export interface StepSpec {
  prompt: string;
  phase: Phase;
  result: Findings;
  focus?: string;
  status?: Step['status'];
  error?: string;
}

/** Appends one finished step to `ctx` and folds its result (a failed step is recorded, not folded). */
export function addStep(ctx: ChainContext, spec: StepSpec): ChainContext {
  const n = ctx.steps.length + 1;
  const at = new Date(n * 1000).toISOString();
  const failed = spec.status === 'failed';
  const folded = failed
    ? { ctx, step: { confidence_reported: null, confidence_gain: null } }
    : foldResult(ctx, { step: n, prompt: spec.prompt, result: spec.result, round: 1, now: at });
  const step: Step = {
    n,
    phase: spec.phase,
    prompt: spec.prompt,
    focus: spec.focus ?? null,
    status: failed ? 'failed' : 'complete',
    started_at: at,
    ended_at: at,
    summary: spec.result.summary,
    confidence_before: ctx.confidence_scores.overall,
    confidence_after: folded.ctx.confidence_scores.overall,
    effect: n,
    result: failed ? undefined : spec.result,
    error: spec.error ?? null,
    ...folded.step,
  };
  return { ...folded.ctx, current_phase: spec.phase, steps: [...folded.ctx.steps, step] };
}

/** Folds `specs` one after another into a new chain. */
export function chainOf(specs: StepSpec[], base = emptyChain()): ChainContext {
  return specs.reduce(addStep, base);
}

/** The human answers the solution gate (approval_history and the version's status, as the driver records them). */
export function answerGate(
  ctx: ChainContext,
  response: 'approved' | 'rejected' | 'more-info',
  note: string | null = null,
): ChainContext {
  const next = decideSolution(ctx, response, new Date(ctx.steps.length * 1000 + 500).toISOString());
  return {
    ...next,
    approval_history: [
      ...next.approval_history,
      {
        phase: 'solution-approval',
        kind: 'solution',
        presented: ctx.solution ?? '',
        user_response: response,
        note,
        timestamp: new Date(0).toISOString(),
      },
    ],
  };
}

/** `k` discovery steps of context building, each with `perStep` findings and one risk, unique by step. */
export function discoverySteps(k: number, perStep: number, words = 12): StepSpec[] {
  return Array.from({ length: k }, (_, s) => ({
    prompt: s % 2 ? 'dependency_analyzer' : 'trace_existing_flow',
    phase: 'context-building' as const,
    focus: `area ${s}`,
    result: {
      summary: `discovery ${s}`,
      findings: Array.from(
        { length: perStep },
        (_, i) => `src/app.js:${10 + i} finding-${s}-${i} ${'detail '.repeat(words)}`,
      ),
      risks: [`risk-${s}: logout keeps the session alive`],
    },
  }));
}
