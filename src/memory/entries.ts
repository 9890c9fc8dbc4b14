/**
 * The chain memory's entries (pure): everything finished steps recorded that is not folded into a
 * chain-level field — findings, risks, verdicts, proposals and documents, questions proposed but
 * not asked — each with a stable id that later results cite (`cites`) and that the prompt
 * effectiveness ratings (src/features/learning) count:
 *
 *   F<step>.<i>  finding i of step      R<step>.<i>  risk i of step
 *   V<step>      the step's verdict     P<step>      the design or document the step wrote
 *   Q<step>.<i>  a question the step proposed (not asked yet)
 *   AC<n>        an acceptance criterion (ctx.requirements)
 */
import type { ChainContext, Phase, Step } from '../chain/schema.js';
import type { Findings } from '../phases/protocol.js';

type EntryKind = 'finding' | 'risk' | 'verdict' | 'proposal';

export interface MemoryEntry {
  id: string;
  kind: EntryKind;
  step: number;
  prompt: string;
  phase: Phase;
  text: string;
}

export interface ProposedQuestion {
  id: string;
  step: number;
  prompt: string;
  question: string;
  why: string;
  default_answer: string;
}

/** Prompts whose own findings are bookkeeping about the memory, not facts about the task. */
const BOOKKEEPING = new Set(['context_preservation', 'prompt_selector']);

/**
 * Prompts whose `solution` is kept in solution_versions (the document, or solution_designer's
 * implementation plan on the version it plans), not as a proposal.
 */
const SOLUTION_WRITERS = new Set([
  'solution_synthesizer',
  'solution_presenter',
  'uncertainty_resolver',
  'solution_designer',
]);

/** The record_findings result of a finished step, or null (a decision, a failed step, no result). */
export function findingsOf(step: Step): Findings | null {
  const r = step.result as Partial<Findings> | undefined;
  if (step.status !== 'complete' || !r || typeof r !== 'object' || typeof r.summary !== 'string') return null;
  return r as Findings;
}

/** Entries of finished steps, which never change again: computed once per step object. */
const cached = new WeakMap<Step, MemoryEntry[]>();

/** The entries of one step (none while it runs or when it failed). */
export function stepEntries(step: Step): MemoryEntry[] {
  const known = cached.get(step);
  if (known) return known;
  const out: MemoryEntry[] = [];
  const f = findingsOf(step);
  if (f && !BOOKKEEPING.has(step.prompt)) {
    const base = { step: step.n, prompt: step.prompt, phase: step.phase };
    (f.findings ?? []).forEach((text, i) =>
      out.push({ ...base, id: `F${step.n}.${i + 1}`, kind: 'finding', text }),
    );
    (f.risks ?? []).forEach((text, i) =>
      out.push({ ...base, id: `R${step.n}.${i + 1}`, kind: 'risk', text }),
    );
    if (f.verdict) {
      const v = f.verdict;
      const text = v.passed
        ? `passed${v.notes?.length ? `; notes: ${v.notes.join('; ')}` : ''}`
        : `FAILED — blocking: ${v.blocking_issues.join('; ') || '(none named)'}${v.notes?.length ? `; notes: ${v.notes.join('; ')}` : ''}`;
      out.push({ ...base, id: `V${step.n}`, kind: 'verdict', text });
    }
    if (f.solution && !SOLUTION_WRITERS.has(step.prompt))
      out.push({ ...base, id: `P${step.n}`, kind: 'proposal', text: f.solution });
  }
  if (step.status !== 'running') cached.set(step, out);
  return out;
}

/** Every entry of the finished steps after step `afterStep`, in step order. */
export function memoryEntries(ctx: Pick<ChainContext, 'steps'>, afterStep = 0): MemoryEntry[] {
  const out: MemoryEntry[] = [];
  for (const step of ctx.steps) if (step.n > afterStep) for (const e of stepEntries(step)) out.push(e);
  return out;
}

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** The questions a finished step proposed (none while it runs), computed once per step object. */
const proposedByStep = new WeakMap<Step, ProposedQuestion[]>();

function stepProposals(step: Step): ProposedQuestion[] {
  const known = proposedByStep.get(step);
  if (known) return known;
  const out: ProposedQuestion[] = (findingsOf(step)?.questions ?? []).map((q, i) => ({
    id: `Q${step.n}.${i + 1}`,
    step: step.n,
    prompt: step.prompt,
    ...q,
  }));
  if (step.status !== 'running') proposedByStep.set(step, out);
  return out;
}

/**
 * Questions earlier steps proposed that are not among the chain's asked questions (by text):
 * requirement_disambiguator's and requirement_validator's forks reach clarification_generator
 * this way, and any later step's question for the human stays visible. A finished step's
 * proposals are made once, so a long chain of steps that propose nothing costs a lookup a step.
 */
export function proposedQuestions(ctx: Pick<ChainContext, 'steps' | 'questions'>): ProposedQuestion[] {
  const out: ProposedQuestion[] = [];
  for (const step of ctx.steps) {
    if (step.prompt === 'clarification_generator') continue;
    for (const q of stepProposals(step))
      if (!ctx.questions.some((asked) => same(asked.question, q.question))) out.push(q);
  }
  return out;
}
