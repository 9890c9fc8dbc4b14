/**
 * Renders the chain memory as a prompt's `{{context}}` within a token budget (pure).
 *
 * Every line of the memory has an importance (./sections.ts). When the whole memory is larger
 * than the budget, the least important lines are left out first (among equals, the older), until
 * it fits; the goal, the requirements, the answers and assumptions, the human's words at the gate,
 * the approved solution and its file plan are never left out, even when they alone pass the
 * budget. The prompt is told what was left out, and that it is all still in the context file.
 */
import type { ChainContext, Phase } from '../chain/schema.js';
import { buildBlocks, NEVER, SECTIONS, type Block, type SectionId } from './sections.js';
import { estimateTokens } from './tokens.js';

export interface RenderOptions {
  /** The phase the prompt runs in (default: the chain's current phase). */
  phase?: Phase;
  /** The canonical prompt name, for the sections it needs most. */
  prompt?: string;
  /** The budget in estimated tokens (config `limits.context_tokens`). */
  budgetTokens: number;
}

export interface RenderedMemory {
  text: string;
  /** Estimated tokens of `text` (./tokens.ts). */
  tokens: number;
  /** Estimated tokens the whole memory would take with nothing left out. */
  fullTokens: number;
  budgetTokens: number;
  /** Lines left out, per section (only sections that lost some). */
  omitted: Partial<Record<SectionId, number>>;
  /** Lines shown, per section. */
  shown: Partial<Record<SectionId, number>>;
}

const NAMES: Record<SectionId, string> = {
  goal: 'goal', requirements: 'requirements', answers: 'answers', gate: 'gate notes', decisions: 'decisions',
  solution: 'solution', plan: 'file plan lines', uncertainties: 'open uncertainties', proposed: 'proposed questions',
  facts: 'known facts', digest: 'digest lines', entries: 'findings and risks', proposals: 'proposals and documents',
  steps: 'lines of prompts already run', files: 'files changed', tests: 'test runs', cost: 'cost lines',
};

/** Room kept for the note that says what was left out. */
const NOTE_TOKENS = 90;

function assemble(ctx: ChainContext, phase: Phase, blocks: readonly Block[], titles: Record<string, string>): string {
  const c = ctx.confidence_scores;
  const out = [
    `Chain ${ctx.chain_id} · phase ${phase} · confidence: overall ${c.overall}, requirements ${c.requirements}, ` +
      `technical approach ${c.technical_approach}, implementation details ${c.implementation_details} · context health ${ctx.session_memory.context_health}/10`,
  ];
  for (const id of SECTIONS) {
    const mine = blocks.filter((b) => b.section === id).sort((a, b) => a.order - b.order);
    if (mine.length === 0) continue;
    out.push('', titles[id] ?? `### ${id}`, ...mine.map((b) => b.text));
  }
  return out.join('\n');
}

function note(omitted: Partial<Record<SectionId, number>>, budget: number): string {
  const parts = SECTIONS.filter((id) => omitted[id]).map((id) => `${omitted[id]} ${NAMES[id]}`);
  return `\n\n_Summarized to fit the memory budget of ${budget.toLocaleString('en-US')} tokens: not shown here are ${parts.join(', ')}. They are kept in the chain's files under contexts/ (search_code finds them)._`;
}

/**
 * The memory of `ctx` for a prompt, within `opts.budgetTokens`. Sections in order: goal,
 * requirements, answers and assumptions, human feedback at the gate, decisions, solution, file
 * plan, open uncertainties, questions proposed but not asked, known facts, digest, findings and
 * risks, proposals and documents, prompts already run, files changed, test runs, cost.
 */
export function renderMemory(ctx: ChainContext, opts: RenderOptions): RenderedMemory {
  const phase = opts.phase ?? ctx.current_phase;
  const { blocks, titles } = buildBlocks(ctx, { phase, prompt: opts.prompt });
  const full = assemble(ctx, phase, blocks, titles);
  const fullTokens = estimateTokens(full);
  const count = (bs: readonly Block[]) => {
    const n: Partial<Record<SectionId, number>> = {};
    for (const b of bs) n[b.section] = (n[b.section] ?? 0) + 1;
    return n;
  };
  if (fullTokens <= opts.budgetTokens) {
    return { text: full, tokens: fullTokens, fullTokens, budgetTokens: opts.budgetTokens, omitted: {}, shown: count(blocks) };
  }
  const perSection = count(blocks);
  const left = new Set(blocks);
  const omitted: Partial<Record<SectionId, number>> = {};
  const candidates = blocks.filter((b) => b.keep !== NEVER).sort((a, b) => a.keep - b.keep || a.recency - b.recency || b.order - a.order);
  const render = () => {
    const kept = blocks.filter((b) => left.has(b));
    return { kept, text: assemble(ctx, phase, kept, titles) + (Object.keys(omitted).length ? note(omitted, opts.budgetTokens) : '') };
  };
  const drop = (b: Block) => {
    left.delete(b);
    omitted[b.section] = (omitted[b.section] ?? 0) + 1;
  };
  // Estimate first (each block's own tokens, its section header once the section is empty), then
  // correct on the assembled text, which also carries the note.
  let total = fullTokens;
  let next = 0;
  const target = opts.budgetTokens - NOTE_TOKENS;
  for (; next < candidates.length && total > target; next++) {
    const b = candidates[next]!;
    drop(b);
    total -= estimateTokens(`\n${b.text}`);
    if (omitted[b.section] === perSection[b.section]) total -= estimateTokens(`\n\n${titles[b.section] ?? ''}`);
  }
  let out = render();
  while (estimateTokens(out.text) > opts.budgetTokens && next < candidates.length) {
    drop(candidates[next++]!);
    out = render();
  }
  const { kept, text } = out;
  return { text, tokens: estimateTokens(text), fullTokens, budgetTokens: opts.budgetTokens, omitted, shown: count(kept) };
}
