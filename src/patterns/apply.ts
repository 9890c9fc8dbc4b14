/**
 * Suggesting and applying a saved pattern when a chain starts. Matching is
 * src/library/similar.ts (MiniSearch, stems, field boosts) against each pattern's source goal and its
 * task kind (the better of the two counts), with keywords and lessons as boosted extra fields.
 *
 * Applying seeds the new chain (pure functions over the context):
 * - the pattern's questions become the chain's first questions, its answers their proposed
 *   defaults — asked before the first call (terminal), taken with --yes, or awaited (`answer ID`);
 * - its decisions reach every prompt's memory as proposals the synthesizer must confirm or revise;
 * - its discovery prompts run first in context building, instead of the first selector decision;
 * - its generated prompts are looked up in the library (loaded when there, reported when missing).
 * When the chain finishes, `patternAdaptations` records how it departed from the pattern.
 */
import type { ChainContext, PatternUse, Question } from '../chain/schema.js';
import type { Catalog } from '../library/catalog.js';
import type { NextPrompts } from '../phases/protocol.js';
import { rankSimilar } from '../library/similar.js';
import type { PatternDoc } from './file.js';
import { PATTERN_DECISION } from './offer.js';

/** Similarity (0..1) above which a pattern is suggested. */
export const SUGGEST_THRESHOLD = 0.5;
/** Field boosts of the match (relative weights). */
const PATTERN_BOOSTS = { primary: 3, keywords: 2, lessons: 0.5 } as const;

export interface PatternMatch {
  pattern: PatternDoc;
  /** 0..1 */
  similarity: number;
}

/** Patterns matching `task`, best first, with similarity ≥ `min` (default SUGGEST_THRESHOLD). Pure. */
export function matchPatterns(
  task: string,
  patterns: readonly PatternDoc[],
  min = SUGGEST_THRESHOLD,
): PatternMatch[] {
  const extra = (p: PatternDoc) => ({ keywords: p.keywords.join(' '), lessons: p.lessons.join('\n') });
  const best = new Map<string, number>();
  for (const primary of [(p: PatternDoc) => p.source.goal, (p: PatternDoc) => p.task_kind]) {
    const hits = rankSimilar(
      task,
      patterns.map((p) => ({ id: p.name, primary: primary(p), fields: extra(p) })),
      { boosts: { ...PATTERN_BOOSTS } },
    );
    for (const h of hits) best.set(h.id, Math.max(best.get(h.id) ?? 0, h.similarity));
  }
  return patterns
    .map((pattern) => ({ pattern, similarity: best.get(pattern.name) ?? 0 }))
    .filter((m) => m.similarity >= min && m.similarity > 0)
    .sort((a, b) => b.similarity - a.similarity || (a.pattern.name < b.pattern.name ? -1 : 1));
}

/**
 * Seeds `ctx` (a chain not started yet) with `doc` and returns it: questions q1…qN with the
 * pattern's answers as defaults, and the chain's `pattern` record. `catalog` decides which of
 * its discovery and generated prompts exist; `reason` is why new_case named it (matched by meaning).
 * The chain's pattern candidates are cleared: one pattern is applied.
 */
export function seedChain(
  ctx: ChainContext,
  doc: PatternDoc,
  opts: { similarity: number; appliedBy: PatternUse['applied_by']; catalog: Catalog; reason?: string },
): ChainContext {
  const base = ctx.questions.length;
  const questions: Question[] = doc.questions.map((q, i) => ({
    id: `q${base + i + 1}`,
    question: q.question,
    why: q.why || `asked in the chain pattern ${doc.name} was saved from`,
    default_answer: q.answer,
    answer: null,
    answered_by: null,
    round: 1,
  }));
  const known = (n: string) => !!opts.catalog.get(n);
  const discovery = [...doc.discovery_prompts.map((d) => d.name), ...doc.suggested_prompts]
    .filter((n, i, all) => known(n) && all.indexOf(n) === i)
    .slice(0, 4);
  return {
    ...ctx,
    questions: [...ctx.questions, ...questions],
    pattern: {
      name: doc.name,
      file: doc.file,
      similarity: Math.min(1, Math.max(0, opts.similarity)),
      applied_by: opts.appliedBy,
      questions: questions.map((q) => q.id),
      decisions: doc.decisions.map((d) => ({ key: d.key, choice: d.choice, rationale: d.rationale })),
      discovery,
      queued: false,
      generated_loaded: doc.generated_prompts.filter(known),
      generated_missing: doc.generated_prompts.filter((n) => !known(n)),
      lessons: doc.lessons,
      adaptations: [],
      reason: opts.reason ?? null,
    },
    pattern_candidates: [],
  };
}

/** The line that says what applying `doc` brings (printed when a chain applies it). */
export function applyingLine(doc: PatternDoc): string {
  const discovery = doc.discovery_prompts.map((d) => d.name).join(', ') || '-';
  return (
    `Applying pattern ${doc.name}: ${doc.questions.length} question(s) with its answers as defaults, ` +
    `${doc.decisions.length} decision(s) to confirm or revise, discovery first: ${discovery}`
  );
}

/** True while the pattern's seeded questions wait for an answer (they are asked before the first call). */
export function seededQuestionsOpen(ctx: ChainContext): boolean {
  const ids = new Set(ctx.pattern?.questions ?? []);
  return ctx.questions.some((q) => ids.has(q.id) && q.answer === null);
}

/**
 * The first context-building decision of a chain that applied a pattern: its discovery prompts
 * (those the selector may choose: `known`), instead of a selector call. Marks them queued; null
 * once they were, or when none is selectable.
 */
export function queuedDiscovery(ctx: ChainContext, known: readonly string[]): NextPrompts | null {
  const p = ctx.pattern;
  if (!p || p.queued) return null;
  p.queued = true;
  const names = p.discovery.filter((n) => known.includes(n));
  if (names.length === 0) return null;
  return {
    prompts: names.map((name) => ({
      name,
      focus: ctx.machine.focus ?? ctx.goal,
      reason: `pattern ${p.name}: it reduced the most uncertainty in a similar chain`,
    })),
    ready_for_analysis: false,
    need_new_prompt: false,
    rationale: `queued by pattern ${p.name}`,
  };
}

/** How the chain departed from its pattern: answers that differ from the pattern's, decisions revised or added. Pure. */
export function patternAdaptations(ctx: ChainContext): string[] {
  const p = ctx.pattern;
  if (!p) return [];
  const out: string[] = [];
  for (const id of p.questions) {
    const q = ctx.questions.find((x) => x.id === id);
    if (q?.answer !== null && q?.answer !== undefined && q.answer !== q.default_answer)
      out.push(`answer to "${q.question}" changed: "${q.default_answer}" → "${q.answer}"`);
  }
  for (const d of p.decisions) {
    const now = ctx.decisions[d.key];
    if (!now) out.push(`decision ${d.key} not taken again (pattern: ${d.choice})`);
    else if (now.choice.trim() !== d.choice.trim())
      out.push(`decision ${d.key} revised: "${d.choice}" → "${now.choice}"`);
  }
  // The decision by which new_case named the pattern is not a departure from it.
  for (const key of Object.keys(ctx.decisions))
    if (key !== PATTERN_DECISION && !p.decisions.some((d) => d.key === key))
      out.push(`new decision ${key}: ${ctx.decisions[key]!.choice}`);
  const ran = new Set(ctx.steps.filter((s) => s.status === 'complete').map((s) => s.prompt));
  for (const n of p.discovery) if (!ran.has(n)) out.push(`discovery prompt ${n} did not run`);
  return out;
}
