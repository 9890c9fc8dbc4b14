/**
 * The memory's sections and the importance of each line in them (pure). `buildBlocks` turns a
 * chain context into blocks (one line or paragraph each) tagged with their section, an importance
 * (`keep`; NEVER = never cut) and a recency; ./render.ts drops the least important blocks until
 * the memory fits its token budget and prints the rest in section order.
 *
 * Importance, most kept first: goal, requirements, answers and assumptions, the human's words at
 * the gate, the approved (or presented) solution and its file plan — never cut; then decisions
 * (90), open blocking uncertainties, the last test run and the files changed (82–84), the digest
 * (78), failed steps (76), other open uncertainties (72), known facts (60), findings and risks by
 * relevance to the current phase and recency (40–64), proposals of earlier steps (34–46), the
 * prompts already run (26–30), older test runs (22). Some prompts need a section more than others
 * (EMPHASIS), e.g. prompt_selector must see every prompt already run.
 */
import type { ChainContext, Phase, Step } from '../chain/schema.js';
import { dataBlock } from '../tools/dataBlock.js';
import { runDigest } from '../tools/testDigest.js';
import { countsText } from '../tools/testReport.js';
import { costLine } from './cost.js';
import { memoryEntries, proposedQuestions, type MemoryEntry } from './entries.js';
import { approvedSolution, currentSolution } from './fold.js';
import { gateAnswers } from './gate-answers.js';
import { clip, oneLine } from './tokens.js';

export const SECTIONS = [
  'goal',
  'requirements',
  'answers',
  'gate',
  'decisions',
  'pattern',
  'solution',
  'plan',
  'uncertainties',
  'proposed',
  'facts',
  'digest',
  'entries',
  'proposals',
  'steps',
  'files',
  'tests',
  'cost',
] as const;
export type SectionId = (typeof SECTIONS)[number];

export const NEVER = Number.POSITIVE_INFINITY;

export interface Block {
  section: SectionId;
  text: string;
  keep: number;
  /** Higher is newer; among equally important blocks the older go first. */
  recency: number;
  /** Position inside its section. */
  order: number;
  /** UTF-8 bytes of `text` (./render.ts sums them to fit the budget). */
  bytes: number;
}

export interface SectionTitles {
  [id: string]: string;
}

/** How much each earlier phase's findings matter in the current phase (0..3). */
const RELEVANCE: Record<Phase, Partial<Record<Phase, number>>> = {
  'requirements-clarification': {
    'requirements-clarification': 3,
    'context-building': 2,
    'uncertainty-analysis': 1,
    'solution-approval': 2,
  },
  'context-building': {
    'context-building': 3,
    'requirements-clarification': 2,
    'uncertainty-analysis': 2,
    'solution-approval': 1,
  },
  'uncertainty-analysis': {
    'context-building': 3,
    'uncertainty-analysis': 3,
    'requirements-clarification': 2,
    'solution-approval': 1,
  },
  'solution-approval': {
    'context-building': 3,
    'uncertainty-analysis': 3,
    'solution-approval': 3,
    'requirements-clarification': 2,
  },
  implementation: {
    implementation: 3,
    'context-building': 3,
    'solution-approval': 2,
    'uncertainty-analysis': 2,
    'requirements-clarification': 1,
  },
  'deployment-readiness': {
    implementation: 3,
    'deployment-readiness': 3,
    'context-building': 2,
    'solution-approval': 2,
    'uncertainty-analysis': 1,
    'requirements-clarification': 1,
  },
};

/** Sections a prompt needs more than most, with the importance they get for it. */
const EMPHASIS: Readonly<Record<string, Partial<Record<SectionId, number>>>> = {
  prompt_selector: { steps: 86 },
  chain_debugger: { steps: 86 },
  status_reporter: { steps: 86, cost: 92 },
  cost_monitor: { steps: 86, cost: 92 },
  learning_optimizer: { steps: 80 },
  clarification_generator: { proposed: 92 },
  requirement_extractor: { proposed: 88 },
  context_health_checker: { steps: 80 },
};

/** Sections an implementation or readiness prompt does not use (left out for it, not summarized). */
const UNUSED_IN_IMPLEMENTATION: ReadonlySet<SectionId> = new Set(['proposed', 'steps', 'cost']);
/**
 * Sections a discovery prompt (context building, other than the prompts that plan it: EMPHASIS)
 * does not use: which prompts ran is the selector's concern; what they found is in the findings
 * (a failed step's line is still shown: a retry needs to know why).
 */
const UNUSED_IN_DISCOVERY: ReadonlySet<SectionId> = new Set(['steps', 'cost']);

function relevance(current: Phase, of: Phase): number {
  return RELEVANCE[current][of] ?? 0;
}

/** A memory line and its UTF-8 size, made once. */
interface Line {
  text: string;
  bytes: number;
}

const lineOf = (text: string): Line => ({ text, bytes: Buffer.byteLength(text, 'utf8') });

const lines = new WeakMap<object, Line>();

/** The memory line of an entry (entries of finished steps are immutable: made once). */
function entryLine(e: MemoryEntry): Line {
  let line = lines.get(e);
  if (line === undefined) {
    const tag = e.kind === 'risk' ? 'risk' : e.kind === 'verdict' ? 'verdict' : 'finding';
    line = lineOf(
      e.kind === 'proposal'
        ? `- [${e.id}] (${e.prompt}):\n${clip(e.text.trim(), 1200)}`
        : `- [${e.id}] ${tag} (${e.prompt}): ${clip(oneLine(e.text), 800)}`,
    );
    lines.set(e, line);
  }
  return line;
}

const stepLines = new WeakMap<object, Line>();

/**
 * The memory line of a finished step, made once (a finished step never changes, and a chain of
 * 2,000 calls has 800 of them: collapsing their whitespace on every render grew with the chain).
 */
function stepLine(s: Step): Line {
  let line = stepLines.get(s);
  if (line === undefined) {
    const focus = s.focus ? `, focus: ${clip(oneLine(s.focus), 120)}` : '';
    if (s.status === 'failed') {
      line = lineOf(
        `- ${s.n} ${s.prompt} (${s.phase}${focus}): FAILED — ${clip(oneLine(s.error ?? s.summary ?? ''), 300)}`,
      );
    } else {
      const conf = s.confidence_reported ? ` [reported ${confidenceText(s.confidence_reported)}]` : '';
      const suggested = (s.result as { suggested_prompts?: unknown } | undefined)?.suggested_prompts;
      const next =
        Array.isArray(suggested) && suggested.length ? ` → suggests ${suggested.slice(0, 4).join(', ')}` : '';
      line = lineOf(
        `- ${s.n} ${s.prompt} (${s.phase}${focus}): ${clip(oneLine(s.summary ?? ''), 240)}${conf}${next}`,
      );
    }
    stepLines.set(s, line);
  }
  return line;
}

function factValue(v: unknown): string {
  if (Array.isArray(v)) return v.map((x) => oneLine(String(x))).join('; ');
  if (v !== null && typeof v === 'object') return oneLine(JSON.stringify(v));
  return oneLine(String(v));
}

const confidenceText = (c: Record<string, number | undefined>) =>
  Object.entries(c)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k.replace(/_/g, ' ')} ${v}`)
    .join(', ');

export interface BuildOptions {
  phase: Phase;
  /** The canonical name of the prompt the memory is for (EMPHASIS), if any. */
  prompt?: string;
  /** `at` of the test run whose failures the prompt's feedback already carries: its entry points there instead of repeating them. */
  testRunInFeedback?: string;
}

/** The blocks of `ctx`'s memory for a prompt in `opts.phase`, and the section titles. */
export function buildBlocks(
  ctx: ChainContext,
  opts: BuildOptions,
): { blocks: Block[]; titles: SectionTitles } {
  const phase = opts.phase;
  const emphasis = (opts.prompt && EMPHASIS[opts.prompt]) || {};
  const blocks: Block[] = [];
  const titles: SectionTitles = {};
  let order = 0;
  const implementing = phase === 'implementation' || phase === 'deployment-readiness';
  // Writing and reviewing code needs no list of questions nobody asked or of prompts already run,
  // nor does discovery need that list; the cost so far is for the prompts whose job it is
  // (EMPHASIS) alone, in any phase.
  const quiet = (section: SectionId) =>
    emphasis[section] === undefined &&
    (section === 'cost' ||
      (implementing && UNUSED_IN_IMPLEMENTATION.has(section)) ||
      (phase === 'context-building' && UNUSED_IN_DISCOVERY.has(section)));
  // `always`: shown even where its section is quiet (a failed step: a retry needs to know why).
  // A line made once (a finished step's, an entry's) comes with its size.
  const add = (section: SectionId, line: string | Line, keep: number, recency = 0, always = false) =>
    (!always && quiet(section)) ||
    blocks.push({
      section,
      text: typeof line === 'string' ? line : line.text,
      keep: emphasis[section] !== undefined && keep !== NEVER ? Math.max(keep, emphasis[section]!) : keep,
      recency,
      order: order++,
      bytes: typeof line === 'string' ? Buffer.byteLength(line, 'utf8') : line.bytes,
    });
  const lastStep = ctx.steps.at(-1)?.n ?? 0;
  const recent = (step: number) => (lastStep ? Math.floor((step / lastStep) * 4) : 0);

  titles.goal = '### Goal';
  add('goal', ctx.goal, NEVER);

  titles.requirements = '### Requirements (acceptance criteria)';
  for (const r of ctx.requirements) add('requirements', `- ${r.id}: ${r.text}`, NEVER);

  titles.answers = '### Answers and assumptions';
  const answered = ctx.questions.filter((x) => x.answer !== null);
  for (const q of answered)
    add(
      'answers',
      `- ${q.question} → ${q.answer}${q.answered_by === 'assumed' ? ' (assumed default)' : ''}`,
      NEVER,
    );
  // An accepted default is also recorded as an assumption; the answer line above says it already.
  for (const a of ctx.assumptions)
    if (!answered.some((q) => a.startsWith(`${q.question} → `))) add('answers', `- assumption: ${a}`, NEVER);

  titles.gate = '### Human feedback at the gate';
  const answers = gateAnswers(ctx);
  let asked = 0;
  for (const a of ctx.approval_history) {
    if (a.user_response === 'approved' || !a.note) continue;
    if (a.kind === 'file-change') {
      add('gate', `- rejected the change to ${a.presented}: ${a.note}`, NEVER);
    } else if (a.user_response === 'more-info') {
      const answer = answers[asked++]?.answer;
      add('gate', `- asked: ${a.note}${answer ? `\n  answer: ${oneLine(answer)}` : ''}`, NEVER);
    } else {
      add('gate', `- rejected the solution: ${a.note}`, NEVER);
    }
  }

  titles.decisions = '### Decisions';
  for (const [k, d] of Object.entries(ctx.decisions))
    add('decisions', `- ${k}: ${oneLine(d.choice)} (${clip(oneLine(d.rationale), 300)})`, 90);

  // A saved pattern's decisions and lessons: proposals, never settled facts (src/patterns/apply.ts).
  const pattern = ctx.pattern;
  if (pattern) {
    const how = pattern.reason
      ? `named by new_case: ${oneLine(pattern.reason)}`
      : `${Math.round(pattern.similarity * 100)}% match`;
    titles.pattern = `### Pattern applied: ${pattern.name} (${how}) — proposals from a similar chain: confirm or revise each with evidence from this workspace`;
    for (const d of pattern.decisions)
      add(
        'pattern',
        `- proposed decision ${d.key}: ${oneLine(d.choice)} (${clip(oneLine(d.rationale), 200)})`,
        80,
      );
    for (const l of pattern.lessons) add('pattern', `- lesson: ${clip(oneLine(l), 300)}`, 60);
  }

  const approved = approvedSolution(ctx);
  const solution = approved ?? currentSolution(ctx);
  if (solution) {
    const late = phase === 'solution-approval' || phase === 'uncertainty-analysis' || implementing;
    titles.solution = `### Solution (version ${solution.version}, ${solution.status}; written by ${solution.prompt} in step ${solution.step}${solution.reason ? `; ${oneLine(solution.reason)}` : ''})`;
    add('solution', solution.text, approved || late ? NEVER : 70);
    if (implementing && (solution.file_plan?.length || solution.implementation_plan)) {
      // solution_designer's plan: the files, then interfaces, tests and steps verbatim, never cut.
      titles.plan = `### Implementation plan (solution_designer, step ${solution.file_plan_step})`;
      for (const p of solution.file_plan ?? [])
        add('plan', `- ${p.action} ${p.path}: ${oneLine(p.change)}`, NEVER);
      if (solution.implementation_plan) add('plan', solution.implementation_plan.trim(), NEVER);
    }
  }

  titles.uncertainties = '### Open uncertainties';
  for (const u of ctx.uncertainties.filter((x) => !x.resolved))
    add(
      'uncertainties',
      `- ${u.area}: confidence ${u.confidence}${u.blocking ? ', blocking' : ''}`,
      u.blocking ? 82 : 72,
    );

  titles.proposed = '### Questions proposed by earlier steps, not asked yet';
  const early = phase === 'requirements-clarification';
  for (const q of proposedQuestions(ctx))
    add(
      'proposed',
      `- [${q.id}] (${q.prompt}) ${oneLine(q.question)} — why: ${oneLine(q.why)}; default: ${oneLine(q.default_answer)}`,
      early ? 84 : 30,
      recent(q.step),
    );

  titles.facts = '### Known facts';
  for (const [k, v] of Object.entries(ctx.discovered)) {
    const value = factValue(v).trim();
    // An empty fact (a stack with no dependencies) says "none" rather than nothing.
    add('facts', `- ${k}: ${value ? clip(value, 600) : '(none)'}`, 60);
  }

  const digest = ctx.memory_digest;
  if (digest) {
    titles.digest = `### Digest of the findings of steps 1–${digest.through_step} (context_preservation, step ${digest.step})`;
    for (const line of digest.lines) add('digest', `- ${oneLine(line)}`, 78);
  }

  const entries = memoryEntries(ctx, digest?.through_step ?? 0);
  const rel = (e: MemoryEntry) => relevance(phase, e.phase);
  titles.entries = '### Findings and risks (most relevant to this phase first)';
  const findings = entries
    .filter((e) => e.kind !== 'proposal')
    .sort((a, b) => rel(b) - rel(a) || a.step - b.step);
  for (const e of findings)
    add(
      'entries',
      entryLine(e),
      40 + 6 * rel(e) + (e.kind === 'finding' ? 0 : 3) + Math.min(3, recent(e.step)),
      e.step,
    );
  titles.proposals = '### Proposals and documents of earlier steps';
  for (const e of entries.filter((x) => x.kind === 'proposal'))
    add('proposals', entryLine(e), 34 + 4 * rel(e), e.step);

  titles.steps = '### Prompts already run';
  // Where the section is quiet only failed steps are shown: the others are not even looked up.
  const stepsQuiet = quiet('steps');
  for (const s of ctx.steps) {
    if (s.status === 'running') continue;
    const failed = s.status === 'failed';
    if (stepsQuiet && !(failed && !implementing)) continue;
    add('steps', stepLine(s), failed ? 76 : 26 + recent(s.n), s.n, failed && !implementing);
  }

  titles.files = '### Files changed';
  const mem = ctx.session_memory;
  for (const f of mem.files_modified)
    add('files', `- ${f}${mem.tests_written.includes(f) ? ' (test)' : ''}`, 84);

  titles.tests = '### Test runs';
  ctx.test_runs.forEach((t, i) => {
    const last = i === ctx.test_runs.length - 1;
    const c = t.counts;
    // Counts and failing names as the runner's summary gave them; the verdict against the baseline.
    const counts = c ? `, ${countsText({ ...c, broken: t.broken.length })}` : '';
    const judged =
      t.verdict === 'no-new-failures'
        ? ' — no new failure: every failing test already failed in the baseline'
        : t.verdict === 'unexpected-green'
          ? ' — the new tests passed before any implementation'
          : t.new_failures.length && t.expect === 'green'
            ? ` — new failures: ${t.new_failures.slice(0, 5).join('; ')}`
            : '';
    const failing = t.failing.length ? `; failing: ${t.failing.slice(0, 8).join('; ')}` : '';
    const broken = t.broken.length ? `; did not build: ${t.broken.slice(0, 8).join('; ')}` : '';
    const what = t.expect === 'baseline' ? 'baseline, before any change' : `expecting ${t.expect}`;
    const head = `- ${t.at} (${t.phase}, ${what}): ${t.passed ? 'passed' : t.timed_out ? 'timed out' : `failed (exit ${t.exit_code})`}${counts}${failing}${broken}${judged}`;
    // The failures (then the summary) of the last run, once: when this prompt's feedback carries
    // them, a pointer. Test output is workspace text: a labelled data block, never instructions.
    const output = () =>
      opts.testRunInFeedback === t.at
        ? '  (its failures, with messages and locations, are in the feedback of this request)'
        : dataBlock('test_output', { expect: t.expect, at: t.at }, runDigest(t));
    add('tests', last && !t.passed ? `${head}\n${output()}` : head, last ? 84 : 22, i);
  });

  titles.cost = '### Cost so far';
  if (ctx.calls.length) add('cost', `- ${costLine(ctx)}`, 50);
  return { blocks, titles };
}
