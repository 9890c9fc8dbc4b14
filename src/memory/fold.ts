/**
 * Folding a step's result into the chain (pure): the step keeps its whole result; the chain-level
 * fields are what later steps build on — requirements, questions to ask, uncertainties, decisions,
 * assumptions, discovered facts, the solution document and its versions, the digest and the
 * context health — each changed only by the prompts whose job it is.
 */
import type {
  ChainContext,
  PartialConfidence,
  Question,
  Requirement,
  SolutionVersion,
  Uncertainty,
} from '../chain/schema.js';
import type { Findings } from '../phases/protocol.js';
import { applyConfidence, confidenceGain, reportedConfidence } from './confidence.js';

/** What the fold adds to the step itself (besides its result). */
export interface StepConfidence {
  confidence_reported: PartialConfidence | null;
  confidence_gain: number | null;
}

export interface FoldInput {
  /** The step's number and its (canonical) prompt name. */
  step: number;
  prompt: string;
  result: Findings;
  /** Clarification round the questions of clarification_generator belong to (1-based). */
  round: number;
  /** ISO time for new solution versions and the digest. */
  now: string;
}

function mergeDiscovered(
  into: Record<string, unknown>,
  add: Findings['discovered'],
): Record<string, unknown> {
  const out = { ...into };
  for (const [key, value] of Object.entries(add ?? {})) {
    const prev = out[key];
    if (Array.isArray(value) && Array.isArray(prev)) out[key] = [...new Set([...prev.map(String), ...value])];
    else out[key] = value;
  }
  return out;
}

function mergeUncertainties(prev: readonly Uncertainty[], add: Findings['uncertainties']): Uncertainty[] {
  const out = [...prev];
  for (const u of add ?? []) {
    const i = out.findIndex((x) => x.area === u.area);
    if (i >= 0) out[i] = u;
    else out.push(u);
  }
  return out;
}

const ID_PREFIX = /^\s*\[?(AC\d+)\]?[:.)]?\s+/i;
const norm = (s: string) => s.replace(ID_PREFIX, '').replace(/\s+/g, ' ').trim().toLowerCase();

/**
 * A restated requirement list replaces the previous one. An item keeps its id when it names it
 * (`AC3 …`) or repeats an existing text; other items get the next unused id, so ids are never
 * reused for a different requirement.
 */
export function mergeRequirements(
  prev: readonly Requirement[],
  texts: readonly string[],
  step: number,
): Requirement[] {
  let next = 1 + Math.max(0, ...prev.map((r) => Number(r.id.slice(2)) || 0));
  const taken = new Set<string>();
  const out: Requirement[] = [];
  for (const raw of texts) {
    const text = raw.replace(ID_PREFIX, '').trim();
    if (!text) continue;
    const named = ID_PREFIX.exec(raw)?.[1]?.toUpperCase();
    const same = prev.find((r) => !taken.has(r.id) && (r.id === named || norm(r.text) === norm(text)));
    const id =
      same?.id ?? (named && !taken.has(named) && !prev.some((r) => r.id === named) ? named : `AC${next++}`);
    taken.add(id);
    out.push({ id, text, step });
  }
  return out;
}

/** The version implementation works from: the latest approved one, else the latest. */
export function approvedSolution(ctx: Pick<ChainContext, 'solution_versions'>): SolutionVersion | null {
  const v = ctx.solution_versions;
  return [...v].reverse().find((s) => s.status === 'approved') ?? null;
}

/** The latest version, whatever its status. */
export function currentSolution(ctx: Pick<ChainContext, 'solution_versions'>): SolutionVersion | null {
  return ctx.solution_versions.at(-1) ?? null;
}

function newVersion(ctx: ChainContext, f: FoldInput, text: string, reason: string | null): SolutionVersion[] {
  const versions = ctx.solution_versions.map((v) =>
    v.status === 'proposed' ? { ...v, status: 'superseded' as const } : v,
  );
  versions.push({
    version: versions.length + 1,
    step: f.step,
    prompt: f.prompt,
    created_at: f.now,
    text,
    reason,
    status: 'proposed',
    decided_at: null,
    presentation: null,
    presentation_step: null,
    file_plan: null,
    file_plan_step: null,
    implementation_plan: null,
  });
  return versions;
}

function replaceLast(
  versions: SolutionVersion[],
  patch: Partial<SolutionVersion>,
  which = versions.length - 1,
): SolutionVersion[] {
  return versions.map((v, i) => (i === which ? { ...v, ...patch } : v));
}

/** The solution versions after `f`: a synthesis or a revision adds one; a presentation or a file plan is kept beside it. */
function foldSolution(
  ctx: ChainContext,
  f: FoldInput,
): { versions: SolutionVersion[]; presented: string | null } {
  const r = f.result;
  let versions = ctx.solution_versions;
  let presented = ctx.solution;
  const last = versions.at(-1);
  if (f.prompt === 'solution_synthesizer' && r.solution) {
    const lastRejection = ctx.approval_history
      .filter((a) => a.kind === 'solution' && a.user_response === 'rejected')
      .at(-1);
    const reason = !last
      ? null
      : last.status === 'rejected' && lastRejection?.note
        ? `rejected: ${lastRejection.note}`
        : 'synthesized again after further analysis';
    versions = newVersion(ctx, f, r.solution, reason);
  } else if (f.prompt === 'uncertainty_resolver' && r.solution) {
    versions = newVersion(
      ctx,
      f,
      r.solution,
      r.revision_reason ?? 'revised to answer a question at the gate',
    );
  } else if (f.prompt === 'solution_presenter') {
    const text = r.presentation ?? r.solution;
    if (text) {
      if (!last) versions = newVersion(ctx, f, text, null);
      versions = replaceLast(versions, { presentation: text, presentation_step: f.step });
      presented = text;
    }
  } else if (f.prompt === 'solution_designer' && (r.file_plan?.length || r.solution)) {
    // The plan belongs to the version it plans (the approved one): kept whole, never a clipped proposal.
    const approved = approvedSolution(ctx);
    const at = approved ? versions.indexOf(approved) : versions.length - 1;
    const plan: Partial<SolutionVersion> = { file_plan_step: f.step };
    if (r.file_plan?.length) plan.file_plan = r.file_plan;
    if (r.solution?.trim()) plan.implementation_plan = r.solution;
    if (at >= 0) versions = replaceLast(versions, plan, at);
  }
  return { versions, presented };
}

/**
 * Folds the result of step `f.step` (prompt `f.prompt`) into `ctx` and returns the new context
 * and what to store on the step. Questions become questions to ask only from
 * clarification_generator (ids q1, q2, … unique in the chain); other prompts' questions stay on
 * their steps and are shown to clarification_generator as proposals.
 */
export function foldResult(ctx: ChainContext, f: FoldInput): { ctx: ChainContext; step: StepConfidence } {
  const r = f.result;
  const uncertainties = mergeUncertainties(ctx.uncertainties, r.uncertainties);
  const decisions = { ...ctx.decisions };
  for (const d of r.decisions ?? []) decisions[d.key] = { choice: d.choice, rationale: d.rationale };
  let questions = ctx.questions;
  if (f.prompt === 'clarification_generator' && r.questions?.length) {
    // Ids q1, q2, … count only clarification questions (the test-command question has its own id).
    const base = ctx.questions.filter((q) => /^q\d+$/.test(q.id)).length;
    const asked: Question[] = r.questions.map((q, i) => ({
      id: `q${base + i + 1}`,
      question: q.question,
      why: q.why,
      default_answer: q.default_answer,
      answer: null,
      answered_by: null,
      round: f.round,
    }));
    questions = [...ctx.questions, ...asked];
  }
  const scores = applyConfidence(ctx.confidence_scores, f.prompt, r.confidence);
  const { versions, presented } = foldSolution(ctx, f);
  const session_memory =
    r.context_health !== undefined
      ? { ...ctx.session_memory, context_health: r.context_health }
      : ctx.session_memory;
  const memory_digest =
    f.prompt === 'context_preservation' && r.digest?.length
      ? { step: f.step, through_step: f.step - 1, lines: r.digest, created_at: f.now }
      : ctx.memory_digest;
  const next: ChainContext = {
    ...ctx,
    requirements: r.requirements?.length
      ? mergeRequirements(ctx.requirements, r.requirements, f.step)
      : ctx.requirements,
    discovered: mergeDiscovered(ctx.discovered, r.discovered),
    uncertainties,
    confidence_scores: scores,
    decisions,
    questions,
    assumptions: [...new Set([...ctx.assumptions, ...(r.assumptions ?? [])])],
    solution_versions: versions,
    solution: presented,
    session_memory,
    memory_digest,
  };
  const gain = confidenceGain(
    f.prompt,
    { scores: ctx.confidence_scores, uncertainties: ctx.uncertainties },
    { scores, uncertainties },
    r.confidence,
    (r.uncertainties ?? []).map((u) => u.area),
  );
  return {
    ctx: next,
    step: { confidence_reported: reportedConfidence(r.confidence), confidence_gain: gain },
  };
}

/**
 * Records the human's answer at the solution gate on the version presented: approved or
 * rejected (more-info leaves it proposed). Returns a new context.
 */
export function decideSolution(
  ctx: ChainContext,
  response: 'approved' | 'rejected' | 'more-info',
  at: string,
): ChainContext {
  if (response === 'more-info' || ctx.solution_versions.length === 0) return ctx;
  return {
    ...ctx,
    solution_versions: replaceLast(ctx.solution_versions, { status: response, decided_at: at }),
  };
}

/** Questions still without an answer. */
export function openQuestions(ctx: ChainContext): Question[] {
  return ctx.questions.filter((q) => q.answer === null);
}
