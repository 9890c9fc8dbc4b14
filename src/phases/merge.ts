/**
 * Pure reducers that fold a prompt run's `record_findings` into the chain context, and the
 * markdown summary of the chain that prompts receive as `{{context}}`.
 */
import type { ChainContext, ConfidenceScores, Question } from '../chain/schema.js';
import type { Findings } from './protocol.js';

const SOLUTION_PROMPTS = new Set(['solution_synthesizer', 'solution_presenter', 'uncertainty_resolver', 'solution_designer']);

function mergeDiscovered(into: Record<string, unknown>, add: Findings['discovered']): Record<string, unknown> {
  const out = { ...into };
  for (const [key, value] of Object.entries(add ?? {})) {
    const prev = out[key];
    if (Array.isArray(value) && Array.isArray(prev)) out[key] = [...new Set([...prev.map(String), ...value])];
    else out[key] = value;
  }
  return out;
}

/** Overall confidence: the model's own figure when given, else the weakest dimension. */
function mergeConfidence(prev: ConfidenceScores, add: Findings['confidence']): ConfidenceScores {
  if (!add) return prev;
  const next = { ...prev };
  for (const key of ['requirements', 'technical_approach', 'implementation_details'] as const) {
    const v = add[key];
    if (v !== undefined) next[key] = v;
  }
  next.overall = add.overall ?? Math.min(next.requirements, next.technical_approach, next.implementation_details);
  return next;
}

/**
 * Folds `findings` of a run of `prompt` into `ctx` (returns a new context). Questions are taken
 * only from clarification_generator (they become the round `round` of questions to ask), with
 * ids `q1`, `q2`, … unique in the chain.
 */
export function applyFindings(ctx: ChainContext, prompt: string, f: Findings, round: number): ChainContext {
  const uncertainties = [...ctx.uncertainties];
  for (const u of f.uncertainties ?? []) {
    const i = uncertainties.findIndex((x) => x.area === u.area);
    if (i >= 0) uncertainties[i] = u;
    else uncertainties.push(u);
  }
  const decisions = { ...ctx.decisions };
  for (const d of f.decisions ?? []) decisions[d.key] = { choice: d.choice, rationale: d.rationale };
  let questions = ctx.questions;
  if (prompt === 'clarification_generator' && f.questions?.length) {
    const base = ctx.questions.length;
    const asked: Question[] = f.questions.map((q, i) => ({
      id: `q${base + i + 1}`,
      question: q.question,
      why: q.why,
      default_answer: q.default_answer,
      answer: null,
      answered_by: null,
      round,
    }));
    questions = [...ctx.questions, ...asked];
  }
  return {
    ...ctx,
    discovered: mergeDiscovered(ctx.discovered, f.discovered),
    uncertainties,
    confidence_scores: mergeConfidence(ctx.confidence_scores, f.confidence),
    decisions,
    questions,
    assumptions: [...new Set([...ctx.assumptions, ...(f.assumptions ?? [])])],
    solution: SOLUTION_PROMPTS.has(prompt) && f.solution ? f.solution : ctx.solution,
  };
}

/** Questions still without an answer. */
export function openQuestions(ctx: ChainContext): Question[] {
  return ctx.questions.filter((q) => q.answer === null);
}

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max)}…` : s);

/**
 * The chain so far as compact markdown (the `{{context}}` variable): discovered facts,
 * decisions, answered questions and assumptions, open uncertainties, confidence, the approved
 * solution and the files changed. At most about `maxChars` characters.
 */
export function renderChainState(ctx: ChainContext, maxChars = 12_000): string {
  const lines: string[] = [`Chain ${ctx.chain_id}, phase ${ctx.current_phase}.`];
  const c = ctx.confidence_scores;
  lines.push(`Confidence: overall ${c.overall}, requirements ${c.requirements}, technical approach ${c.technical_approach}, implementation details ${c.implementation_details}.`);
  const facts = Object.entries(ctx.discovered);
  if (facts.length) {
    lines.push('', '### Discovered');
    for (const [k, v] of facts) lines.push(`- ${k}: ${clip(Array.isArray(v) ? v.join('; ') : String(v), 600)}`);
  }
  const answered = ctx.questions.filter((q) => q.answer !== null);
  if (answered.length || ctx.assumptions.length) {
    lines.push('', '### Answers and assumptions');
    for (const q of answered) lines.push(`- ${q.question} → ${q.answer}${q.answered_by === 'assumed' ? ' (assumed default)' : ''}`);
    for (const a of ctx.assumptions) lines.push(`- assumption: ${a}`);
  }
  const decisions = Object.entries(ctx.decisions);
  if (decisions.length) {
    lines.push('', '### Decisions');
    for (const [k, d] of decisions) lines.push(`- ${k}: ${d.choice} (${clip(d.rationale, 200)})`);
  }
  const open = ctx.uncertainties.filter((u) => !u.resolved);
  if (open.length) {
    lines.push('', '### Open uncertainties');
    for (const u of open) lines.push(`- ${u.area}: confidence ${u.confidence}${u.blocking ? ', blocking' : ''}`);
  }
  const rejected = ctx.approval_history.filter((a) => a.user_response !== 'approved' && a.note);
  if (rejected.length) {
    lines.push('', '### Human feedback at the gate');
    for (const a of rejected) lines.push(`- ${a.user_response}: ${a.note}`);
  }
  if (ctx.solution && ['implementation', 'deployment-readiness', 'solution-approval'].includes(ctx.current_phase)) {
    lines.push('', '### Solution', clip(ctx.solution, 4000));
  }
  if (ctx.session_memory.files_modified.length) {
    lines.push('', `### Files changed\n- ${ctx.session_memory.files_modified.join('\n- ')}`);
  }
  return clip(lines.join('\n'), maxChars);
}
