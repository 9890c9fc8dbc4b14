/**
 * The answers to "more info" questions asked at the solution gate. The question is the note of a
 * `more-info` approval; its answer is the result of the uncertainty_resolver step the machine ran
 * for it (in the solution-approval phase, in order). Pure.
 */
import type { ChainContext } from '../chain/schema.js';

/**
 * One question asked at the gate: its text, uncertainty_resolver's answer (markdown; null while
 * none), the step that answered it, and the index of its `more-info` entry in approval_history.
 */
export type GateAnswer = { question: string; answer: string | null; step: number | null; approval: number };

/** The answer text of an uncertainty_resolver result: `answer`, else its `summary`; null when it has neither. */
function answerText(result: unknown): string | null {
  const r = result as { answer?: unknown; summary?: unknown } | undefined;
  if (typeof r?.answer === 'string' && r.answer.trim()) return r.answer;
  if (typeof r?.summary === 'string' && r.summary.trim()) return r.summary;
  return null;
}

/** Every more-info question of the chain with its answer, oldest first (one per `more-info` approval). */
export function gateAnswers(ctx: ChainContext): GateAnswer[] {
  const resolved = ctx.steps.filter(
    (s) => s.prompt === 'uncertainty_resolver' && s.phase === 'solution-approval' && s.status === 'complete',
  );
  let next = 0;
  const out: GateAnswer[] = [];
  ctx.approval_history.forEach((a, approval) => {
    if (a.kind !== 'solution' || a.user_response !== 'more-info') return;
    const step = resolved[next++];
    out.push({
      question: a.note ?? '',
      answer: step ? answerText(step.result) : null,
      step: step?.n ?? null,
      approval,
    });
  });
  return out;
}

/**
 * The questions asked since the solution gate was last decided (approved or rejected), with their
 * answers: what the human asked about the solution now presented again. Empty when none.
 */
export function answersSinceDecision(ctx: ChainContext): GateAnswer[] {
  const decided = ctx.approval_history.findLastIndex(
    (a) => a.kind === 'solution' && a.user_response !== 'more-info',
  );
  return gateAnswers(ctx).filter((g) => g.approval > decided);
}
