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
  /** `at` of the test run whose failures the prompt's feedback carries (./sections.ts BuildOptions). */
  testRunInFeedback?: string;
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
  goal: 'goal',
  requirements: 'requirements',
  answers: 'answers',
  gate: 'gate notes',
  decisions: 'decisions',
  pattern: 'pattern proposals',
  solution: 'solution',
  plan: 'file plan lines',
  uncertainties: 'open uncertainties',
  proposed: 'proposed questions',
  facts: 'known facts',
  digest: 'digest lines',
  entries: 'findings and risks',
  proposals: 'proposals and documents',
  steps: 'lines of prompts already run',
  files: 'files changed',
  tests: 'test runs',
  cost: 'cost lines',
};

function header(ctx: ChainContext, phase: Phase): string {
  const c = ctx.confidence_scores;
  return (
    `Chain ${ctx.chain_id} · phase ${phase} · confidence: overall ${c.overall}, requirements ${c.requirements}, ` +
    `technical approach ${c.technical_approach}, implementation details ${c.implementation_details} · context health ${ctx.session_memory.context_health}/10`
  );
}

function assemble(
  ctx: ChainContext,
  phase: Phase,
  blocks: readonly Block[],
  titles: Record<string, string>,
): string {
  const out = [header(ctx, phase)];
  const bySection = new Map<SectionId, Block[]>();
  for (const b of blocks) {
    const list = bySection.get(b.section);
    if (list) list.push(b);
    else bySection.set(b.section, [b]);
  }
  for (const id of SECTIONS) {
    const mine = bySection.get(id);
    if (!mine?.length) continue;
    out.push('', titles[id] ?? `### ${id}`, ...mine.sort((a, b) => a.order - b.order).map((b) => b.text));
  }
  return out.join('\n');
}

function note(omitted: Partial<Record<SectionId, number>>, budget: number): string {
  const parts = SECTIONS.filter((id) => omitted[id]).map((id) => `${omitted[id]} ${NAMES[id]}`);
  return (
    `\n\n_Summarized to fit the memory budget of ${budget.toLocaleString('en-US')} tokens: ` +
    `not shown here are ${parts.join(', ')}. They stay in the chain's context file, which the ` +
    `workspace tools cannot reach; what this step needs most is shown above._`
  );
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
/** Room kept for the note while lines are left out (it is measured exactly before it is used). */
const NOTE_RESERVE_BYTES = 600;
/** Tokens of a text of `n` UTF-8 bytes (./tokens.ts: bytes / 4, rounded up). */
const tokensOfBytes = (n: number) => Math.ceil(n / 4);

/** Blocks per section. */
function count(bs: readonly Block[]): Partial<Record<SectionId, number>> {
  const n: Partial<Record<SectionId, number>> = {};
  for (const b of bs) n[b.section] = (n[b.section] ?? 0) + 1;
  return n;
}

/**
 * The sizes of the memory assembled from `blocks` with nothing left out, in UTF-8 bytes:
 * bytes(assembled) = header + per section (blank line + title) + per block (newline + text).
 */
function measure(ctx: ChainContext, phase: Phase, blocks: readonly Block[], titles: Record<string, string>) {
  const perSection = count(blocks);
  const sectionBytes = (id: SectionId) => 2 + bytes(titles[id] ?? `### ${id}`);
  let total =
    bytes(header(ctx, phase)) +
    (Object.keys(perSection) as SectionId[]).reduce((n, id) => n + sectionBytes(id), 0);
  for (const b of blocks) total += 1 + b.bytes;
  return { perSection, sectionBytes, bytes: total };
}

/**
 * Estimated tokens of the whole memory of `ctx` with nothing left out (what renderMemory reports
 * as `fullTokens`, for the same phase and prompt), without assembling or budgeting it: what the
 * chain checks before every step whether its memory needs upkeep (./maintenance.ts).
 */
export function memoryTokens(ctx: ChainContext, opts: { phase?: Phase; prompt?: string } = {}): number {
  const phase = opts.phase ?? ctx.current_phase;
  const { blocks, titles } = buildBlocks(ctx, { phase, prompt: opts.prompt });
  return tokensOfBytes(measure(ctx, phase, blocks, titles).bytes);
}

/**
 * The memory of `ctx` for a prompt, within `opts.budgetTokens`. Sections in order: goal,
 * requirements, answers and assumptions, human feedback at the gate, decisions, solution, file
 * plan, open uncertainties, questions proposed but not asked, known facts, digest, findings and
 * risks, proposals and documents, prompts already run, files changed, test runs, cost.
 * Sizes are counted exactly in bytes while lines are left out, so the text is assembled once.
 */
export function renderMemory(ctx: ChainContext, opts: RenderOptions): RenderedMemory {
  const phase = opts.phase ?? ctx.current_phase;
  const { blocks, titles } = buildBlocks(ctx, {
    phase,
    prompt: opts.prompt,
    ...(opts.testRunInFeedback ? { testRunInFeedback: opts.testRunInFeedback } : {}),
  });
  const { perSection, sectionBytes, bytes: wholeBytes } = measure(ctx, phase, blocks, titles);
  let total = wholeBytes;
  const fullTokens = tokensOfBytes(total);
  const budgetBytes = opts.budgetTokens * 4;
  if (total <= budgetBytes) {
    return {
      text: assemble(ctx, phase, blocks, titles),
      tokens: fullTokens,
      fullTokens,
      budgetTokens: opts.budgetTokens,
      omitted: {},
      shown: perSection,
    };
  }
  const left = new Set(blocks);
  const omitted: Partial<Record<SectionId, number>> = {};
  const candidates = blocks
    .filter((b) => b.keep !== NEVER)
    .sort((a, b) => a.keep - b.keep || a.recency - b.recency || b.order - a.order);
  // The note's size depends on the counts: reserve room for it, then check it exactly.
  const fits = (reserve: number) => total + reserve <= budgetBytes;
  const exact = () => fits(bytes(note(omitted, opts.budgetTokens)));
  for (const b of candidates) {
    if (fits(NOTE_RESERVE_BYTES) && exact()) break;
    left.delete(b);
    total -= 1 + b.bytes;
    omitted[b.section] = (omitted[b.section] ?? 0) + 1;
    if (omitted[b.section] === perSection[b.section]) total -= sectionBytes(b.section);
  }
  const kept = blocks.filter((b) => left.has(b));
  const text = assemble(ctx, phase, kept, titles) + note(omitted, opts.budgetTokens);
  return {
    text,
    tokens: estimateTokens(text),
    fullTokens,
    budgetTokens: opts.budgetTokens,
    omitted,
    shown: count(kept),
  };
}
