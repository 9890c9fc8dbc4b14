/**
 * A pattern from a finished chain (pure): the record's facts — answered questions, decisions, the
 * discovery prompts that moved confidence most, generated prompts, the overall-confidence path,
 * approval iterations, duration, calls, cost — joined with pattern_extractor's judgement (task
 * shape, lessons, the prompts to start with, wasted and missing steps).
 */
import type { ChainContext } from '../chain/schema.js';
import { MACHINE_PROMPTS } from '../phases/machine.js';
import type { Findings } from '../phases/protocol.js';
import { PATTERN_NAME_RE, type PatternFrontmatter } from './file.js';

/** Discovery prompts kept (the ones with the largest confidence gain). */
const MAX_DISCOVERY = 4;
const NOT_DISCOVERY = new Set<string>([
  ...MACHINE_PROMPTS,
  'pattern_extractor',
  'context_health_checker',
  'context_preservation',
  'error_recovery',
  'chain_debugger',
]);

/** `text` as a snake_case pattern name (at most 60 characters), or null when nothing is left. */
export function patternName(text: string): string | null {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^[^a-z]+/, '')
    .replace(/_+$/, '')
    .slice(0, 60)
    .replace(/_+$/, '');
  return PATTERN_NAME_RE.test(s) ? s : null;
}

const strings = (v: unknown): string[] =>
  (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v.trim() ? [v] : [])
    .map((s) => s.trim())
    .filter(Boolean);

/** Overall confidence along the chain: the first step's before, then every changed after (rounded to 0.01). */
export function uncertaintyPath(ctx: Pick<ChainContext, 'steps'>): number[] {
  const out: number[] = [];
  const push = (v: number | null) => {
    if (v === null) return;
    const r = Math.round(v * 100) / 100;
    if (out.at(-1) !== r) out.push(r);
  };
  for (const s of ctx.steps) {
    if (out.length === 0) push(s.confidence_before);
    push(s.confidence_after);
  }
  return out;
}

/**
 * The pattern of `ctx` (`extracted`: pattern_extractor's result, or null when it gave none).
 * Name: `name` (made snake_case), else the extractor's `discovered.pattern_name`, else the chain's slug.
 */
export function buildPattern(
  ctx: ChainContext,
  extracted: Findings | null,
  opts: { name?: string; now: Date },
): { fm: PatternFrontmatter; body: string } {
  const discovered = (extracted?.discovered ?? {}) as Record<string, unknown>;
  const name =
    (opts.name && patternName(opts.name)) ||
    patternName(strings(discovered.pattern_name)[0] ?? '') ||
    patternName(ctx.slug) ||
    `chain_${ctx.chain_id}`;
  const gains = new Map<string, number | null>();
  for (const s of ctx.steps) {
    if (s.status !== 'complete' || s.phase !== 'context-building' || NOT_DISCOVERY.has(s.prompt)) continue;
    const prev = gains.get(s.prompt);
    gains.set(s.prompt, s.confidence_gain === null ? (prev ?? null) : (prev ?? 0) + s.confidence_gain);
  }
  const discovery = [...gains.entries()]
    .map(([n, g]) => ({ name: n, confidence_gain: g }))
    .sort((a, b) => (b.confidence_gain ?? -2) - (a.confidence_gain ?? -2))
    .slice(0, MAX_DISCOVERY);
  const cost = ctx.calls.some((c) => c.cost_usd === null)
    ? null
    : ctx.calls.reduce((n, c) => n + (c.cost_usd ?? 0), 0);
  const shape = strings(discovered.task_shape)[0] ?? strings(discovered.pattern_shape)[0] ?? ctx.goal;
  const fm: PatternFrontmatter = {
    name,
    task_kind: shape,
    keywords: strings(discovered.pattern_keywords).slice(0, 12),
    source: { chain_id: ctx.chain_id, chain_uid: ctx.chain_uid, goal: ctx.goal },
    created_at: opts.now.toISOString(),
    questions: ctx.questions
      .filter((q) => q.answer !== null)
      .map((q) => ({ question: q.question, answer: q.answer!, why: q.why })),
    decisions: Object.entries(ctx.decisions).map(([key, d]) => ({
      key,
      choice: d.choice,
      rationale: d.rationale,
    })),
    discovery_prompts: discovery,
    generated_prompts: ctx.generated_prompts.map((g) => g.name),
    uncertainty_path: uncertaintyPath(ctx),
    approval_iterations: ctx.approval_history.filter((a) => a.kind === 'solution').length,
    duration_ms: Math.max(0, Date.parse(ctx.updated_at) - Date.parse(ctx.created_at)) || 0,
    model_time_ms: ctx.calls.reduce((n, c) => n + c.latency_ms, 0),
    calls: ctx.calls.length,
    cost_usd: cost === null ? null : Math.round(cost * 1e6) / 1e6,
    lessons: strings(discovered.pattern_lessons),
    suggested_prompts: [...new Set(extracted?.suggested_prompts ?? [])],
  };
  const pathLines = strings(discovered.pattern_path);
  const body = [
    `# ${name}`,
    '',
    extracted?.summary ?? `Saved from chain ${ctx.chain_id} without an extractor summary.`,
    '',
    `Learned from chain ${ctx.chain_id}: "${ctx.goal}".`,
    ...(pathLines.length ? ['', '## The path that worked', ...pathLines.map((l) => `- ${l}`)] : []),
    ...(fm.lessons.length ? ['', '## Lessons', ...fm.lessons.map((l) => `- ${l}`)] : []),
    ...(extracted?.findings?.length
      ? ['', '## Wasted and missing steps', ...extracted.findings.map((l) => `- ${l}`)]
      : []),
  ].join('\n');
  return { fm, body };
}
