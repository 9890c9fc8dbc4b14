/**
 * The spec a reviewer can read: a Markdown file beside the context file
 * (`contexts/chain-NNN-slug.md`, or under config `specs_dir`) with the goal, the acceptance
 * criteria, answers and assumptions, decisions, the solution and its file plan; during
 * implementation every criterion is linked to the tests that name it, with their red → green
 * evidence from `test_runs`; at the end, the readiness checklist. Also the readiness checklist
 * printed when a run ends, and the pull request description written beside the spec.
 *
 * Everything here but `writeSpecFiles` is pure and renders from the context alone.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ChainContext, Requirement, Step, TestRun } from '../chain/schema.js';
import { removeStaleTempFiles, writeFileDurable } from '../durable.js';
import { findingsOf } from '../memory/entries.js';
import { approvedSolution, currentSolution } from '../memory/fold.js';
import { describeRun, failureLines, latestBaseline } from './testing.js';

/** config `specs_dir` resolved against the workspace, or null (beside the context file). */
export function specsDirOf(deps: {
  config: { specs_dir?: string | undefined };
  workspace: string;
}): string | null {
  return deps.config.specs_dir ? path.resolve(deps.workspace, deps.config.specs_dir) : null;
}

/**
 * Pure: what the approval gate shows under the solution: the test command and where it came
 * from, the baseline (red is called out), and the spec's path.
 */
export function gateNotes(ctx: ChainContext, spec: string | null): string {
  const lines: string[] = [];
  if (ctx.test_command)
    lines.push(`Test command: \`${ctx.test_command.argv.join(' ')}\` (from ${ctx.test_command.source})`);
  const b = latestBaseline(ctx);
  if (b)
    lines.push(
      b.passed
        ? `Baseline, before any change: ${describeRun(b)}`
        : `Baseline, before any change: RED — ${describeRun(b).replace(/^red — /, '')}. Later runs are judged against it, by test name and by build status: only new failures count against this change, and failures already there are not reported as fixed.`,
    );
  if (b && !b.passed) lines.push(...failureLines(b, 5).map((l) => `  ${l}`));
  if (spec) lines.push(`Spec: ${spec}`);
  return lines.length ? `\n\n---\n${lines.map((l) => `- ${l}`).join('\n')}\n` : '';
}

/** Where the spec of the chain saved in `contextFile` goes (`specsDir`: config `specs_dir`, absolute). */
export function specPath(contextFile: string, specsDir?: string | null): string {
  const base = path.basename(contextFile).replace(/\.json$/, '');
  return path.join(specsDir ?? path.dirname(contextFile), `${base}.md`);
}

/** The pull request description beside the spec: `chain-NNN-slug.pr.md`. */
export function prPath(spec: string): string {
  return spec.replace(/\.md$/, '.pr.md');
}

/**
 * Pure: the acceptance-criterion ids a text names: `AC2`, `ac2`, `AC-2`, `test_ac2_…`,
 * `TestAC2…` (the forms test names take in JavaScript, Python and Go).
 */
export function criteriaNamed(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/(?:(?<![a-z0-9])|(?<=test))ac[-_ ]?(\d+)(?!\d)/gi))
    out.add(`AC${Number(m[1])}`);
  return [...out];
}

/** How one test of a criterion fared: the runs where it failed first and then passed. */
interface TestEvidence {
  /** The test's name as the runner printed it, or the test file when no run named it. */
  test: string;
  /** 1-based index into test_runs of the run where it was red before implementation, or null. */
  red: number | null;
  /** Index of the first later run where it no longer failed and the run was judged green (or no new failures), or null. */
  green: number | null;
}

export interface CriterionCoverage {
  id: string;
  text: string;
  tests: TestEvidence[];
}

const isGreen = (t: TestRun) =>
  t.verdict === 'green' || t.verdict === 'no-new-failures' || (t.verdict === null && t.passed);

/**
 * Pure: the names of the tests a test file declares: `it('…')` / `test('…')` / `describe('…')`
 * (JavaScript), `def test_…` (Python), `func Test…` (Go), `fn …` after `#[test]` (Rust).
 */
export function testNamesIn(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(
    /\b(?:it|test|describe|context|specify)(?:\.\w+)?\s*\(\s*(['"`])((?:(?!\1).)*)\1/g,
  ))
    out.push(m[2]!);
  for (const m of text.matchAll(/^\s*(?:async\s+)?def (test_\w+)/gm)) out.push(m[1]!);
  for (const m of text.matchAll(/^func (Test\w+)\s*\(/gm)) out.push(m[1]!);
  for (const m of text.matchAll(/#\[(?:tokio::)?test\]\s*(?:async\s+)?fn (\w+)/g)) out.push(m[1]!);
  return [...new Set(out)];
}

/** Does a runner's failing entry name this test (or the file it is in, when the whole file failed)? */
function failedHere(entry: string, test: string, file: string | null): boolean {
  if (
    entry === test ||
    entry.endsWith(` ${test}`) ||
    entry.endsWith(`::${test}`) ||
    entry.endsWith(`> ${test}`) ||
    entry.endsWith(`› ${test}`) ||
    entry.endsWith(`.${test}`)
  )
    return true;
  return (
    file !== null &&
    (entry === file ||
      entry.endsWith(`/${file}`) ||
      entry.startsWith(`${file}::`) ||
      entry.startsWith(`${file} `))
  );
}

/** A run's red names: its failing tests and the units (a test file, a package) that did not build. */
const redNames = (run: TestRun) => [...run.failing, ...run.broken];

/**
 * Pure: each criterion with the tests that name its id — in the chain's test files (`testFiles`:
 * workspace-relative path → text), and in the failing names of its runs — with their red → green
 * evidence: the red run (after test_generator) where the test, or its whole file, failed (or did
 * not build or collect), and the
 * first later run judged green (or without new failures) where it no longer failed.
 */
export function coverage(
  ctx: Pick<ChainContext, 'requirements' | 'test_runs'>,
  testFiles: Record<string, string> = {},
): CriterionCoverage[] {
  const runs = ctx.test_runs;
  const declared: Array<{ test: string; file: string | null }> = [];
  for (const [file, text] of Object.entries(testFiles))
    for (const test of testNamesIn(text)) declared.push({ test, file });
  for (const run of runs) {
    for (const name of redNames(run))
      if (!declared.some((d) => failedHere(name, d.test, d.file))) declared.push({ test: name, file: null });
  }
  return ctx.requirements.map((r: Requirement) => {
    const tests: TestEvidence[] = [];
    for (const d of declared) {
      if (!criteriaNamed(d.test).includes(r.id)) continue;
      const red = runs.findIndex(
        (run) => run.expect === 'red' && redNames(run).some((f) => failedHere(f, d.test, d.file)),
      );
      const green =
        red < 0
          ? -1
          : runs.findIndex(
              (run, i) =>
                i > red &&
                run.expect === 'green' &&
                isGreen(run) &&
                !redNames(run).some((f) => failedHere(f, d.test, d.file)),
            );
      tests.push({
        test: d.file ? `${d.test} (${d.file})` : d.test,
        red: red >= 0 ? red + 1 : null,
        green: green >= 0 ? green + 1 : null,
      });
    }
    return { id: r.id, text: r.text, tests };
  });
}

/** One checklist line: status PASS / FAIL / WARN / N/A / unknown and the evidence. */
interface ChecklistItem {
  item: 'tests' | 'breaking changes' | 'migration plan' | 'feature flag' | 'security';
  status: 'pass' | 'fail' | 'warn' | 'n/a' | 'unknown';
  detail: string;
}

export interface Readiness {
  /** deployment_checker's verdict, overruled to false by a blocking issue or a failed check; null when it has not run. */
  passed: boolean | null;
  items: ChecklistItem[];
  blocking: string[];
}

function lastStep(ctx: Pick<ChainContext, 'steps'>, prompt: string): Step | null {
  return [...ctx.steps].reverse().find((s) => s.prompt === prompt && s.status === 'complete') ?? null;
}

/** Pure: a note line `gate: PASS - evidence` of deployment_checker for `gate`, as status and detail. */
function gateNote(notes: string[], names: string[]): Pick<ChecklistItem, 'status' | 'detail'> | null {
  for (const n of notes) {
    const m = /^\s*([\w /-]+?)\s*:\s*(PASS|FAIL|N\/A|WARN)\b\s*[-–—:]?\s*(.*)$/i.exec(n);
    if (!m || !names.includes(m[1]!.toLowerCase())) continue;
    const s = m[2]!.toUpperCase();
    return {
      status: s === 'PASS' ? 'pass' : s === 'FAIL' ? 'fail' : s === 'WARN' ? 'warn' : 'n/a',
      detail: m[3]!.trim() || s,
    };
  }
  return null;
}

/**
 * Pure: the readiness checklist. Tests come from the chain's own runs (never from the model);
 * breaking changes, migration plan and feature flag from deployment_checker's notes; security
 * from security_scanner's verdict.
 */
export function readiness(ctx: ChainContext): Readiness {
  const items: ChecklistItem[] = [];
  const last = [...ctx.test_runs].reverse().find((t) => t.expect === 'green') ?? null;
  const baseline = latestBaseline(ctx);
  if (!last) items.push({ item: 'tests', status: 'unknown', detail: 'no test run after implementation' });
  else {
    const status = last.verdict === 'green' ? 'pass' : last.verdict === 'no-new-failures' ? 'warn' : 'fail';
    const pre =
      last.verdict === 'no-new-failures'
        ? ` — ${[last.failing.length ? `${last.failing.length} failing` : '', last.broken.length ? `${last.broken.length} not building` : ''].filter(Boolean).join(' and ')} already in the baseline, not fixed by this change`
        : '';
    items.push({
      item: 'tests',
      status,
      detail: `${last.argv.join(' ')}: ${describeRun(last)}${pre}${baseline && !baseline.passed ? ` (baseline: ${describeRun(baseline)})` : ''}`,
    });
  }
  const deploy = lastStep(ctx, 'deployment_checker');
  const df = deploy ? findingsOf(deploy) : null;
  const notes = df?.verdict?.notes ?? [];
  const fromNotes = (item: ChecklistItem['item'], names: string[]) => {
    const got = gateNote(notes, names);
    items.push({
      item,
      ...(got ?? {
        status: 'unknown' as const,
        detail: deploy ? 'not assessed by deployment_checker' : 'deployment_checker has not run',
      }),
    });
  };
  fromNotes('breaking changes', ['breaking changes', 'breaking change', 'breaking']);
  fromNotes('migration plan', ['migration plan', 'migrations', 'migration']);
  fromNotes('feature flag', ['feature flag', 'feature flags', 'flag']);
  const sec = lastStep(ctx, 'security_scanner');
  const sv = sec ? findingsOf(sec)?.verdict : undefined;
  items.push(
    sv
      ? {
          item: 'security',
          status: sv.passed ? 'pass' : 'fail',
          detail: sv.passed
            ? (sv.notes?.[0] ?? 'security_scanner found no blocking issue')
            : sv.blocking_issues.join('; '),
        }
      : { item: 'security', status: 'unknown', detail: 'security_scanner has not run' },
  );
  const blocking = df?.verdict?.blocking_issues ?? [];
  // The model's "passed" is not the last word: a blocking issue or a failed check overrules it.
  const passed = df?.verdict
    ? df.verdict.passed && blocking.length === 0 && !items.some((i) => i.status === 'fail')
    : null;
  return { passed, items, blocking };
}

/**
 * Pure: the verdict as shown — "not assessed" before deployment_checker ran, "NOT READY" when it or
 * a check failed or something blocks, "READY" only when every check was assessed, else "READY
 * (unconfirmed: …)" naming the checks nobody assessed. `upper`: terminal (upper) or spec (lower) case.
 */
export function readinessVerdict(r: Readiness, upper = true): string {
  const unknown = r.items.filter((i) => i.status === 'unknown').map((i) => i.item);
  const text =
    r.passed === null
      ? 'not assessed'
      : !r.passed
        ? 'NOT READY'
        : unknown.length
          ? `READY (unconfirmed: ${unknown.join(', ')} not assessed)`
          : 'READY';
  return upper || r.passed === null ? text : text.replace(/^NOT READY|^READY/, (m) => m.toLowerCase());
}

const MARK: Record<ChecklistItem['status'], string> = {
  pass: '[x]',
  fail: '[ ]',
  warn: '[~]',
  'n/a': '[-]',
  unknown: '[?]',
};

/** Pure: the checklist as Markdown/terminal lines (`- [x] tests: …`). */
export function checklistLines(r: Readiness): string[] {
  return r.items.map((i) => `- ${MARK[i.status]} ${i.item}: ${i.status.toUpperCase()} — ${i.detail}`);
}

function runLine(t: TestRun, i: number): string {
  const when =
    t.expect === 'baseline' ? 'baseline' : t.expect === 'red' ? 'red run' : `iteration ${t.iteration}`;
  return `| ${i + 1} | ${t.at} | ${when} | ${t.exit_code ?? '—'} | ${t.duration_ms ?? '—'} | ${describeRun(t).replace(/\|/g, '\\|')} |`;
}

function evidence(e: TestEvidence): string {
  const red = e.red !== null ? `red at run ${e.red}` : 'no red run recorded';
  const green = e.green !== null ? `green at run ${e.green}` : 'not green yet';
  return `\`${e.test}\` — ${red} → ${green}`;
}

/**
 * Pure: the spec document. `testFiles` (path → text) are the chain's test files, for criteria
 * named in them; `opts.final` adds the readiness report.
 */
export function renderSpec(
  ctx: ChainContext,
  testFiles: Record<string, string> = {},
  opts: { final?: boolean } = {},
): string {
  const out: string[] = [];
  out.push(`# Spec: ${ctx.goal}`, '');
  out.push(
    `Chain ${ctx.chain_id} · status ${ctx.status} · phase ${ctx.current_phase} · updated ${ctx.updated_at}`,
    '',
  );
  out.push('## Goal', '', ctx.goal, '');
  const implementing = ctx.test_runs.some((t) => t.expect !== 'baseline');
  const cov = coverage(ctx, testFiles);
  out.push('## Acceptance criteria', '');
  if (!cov.length) out.push('_No acceptance criteria were recorded._', '');
  cov.forEach((c, i) => {
    out.push(`${i + 1}. **${c.id}** — ${c.text}`);
    if (implementing) {
      if (c.tests.length === 0) out.push('   - ⚠ **no test names this criterion**');
      for (const e of c.tests) out.push(`   - ${evidence(e)}`);
    }
  });
  out.push('');
  const answered = ctx.questions.filter((q) => q.answer !== null);
  out.push('## Answers and assumptions', '');
  for (const q of answered)
    out.push(
      `- ${q.question} → **${q.answer}**${q.answered_by === 'assumed' ? ' (proposed default, assumed)' : ''}`,
    );
  // An accepted default is listed once, with its question.
  for (const a of ctx.assumptions)
    if (!answered.some((q) => a.startsWith(`${q.question} → `))) out.push(`- Assumption: ${a}`);
  if (!answered.length && !ctx.assumptions.length) out.push('_None._');
  out.push('');
  out.push('## Decisions', '');
  const decisions = Object.entries(ctx.decisions);
  for (const [k, d] of decisions) out.push(`- **${k}**: ${d.choice} — ${d.rationale}`);
  if (!decisions.length) out.push('_None recorded._');
  out.push('');
  const sol = approvedSolution(ctx) ?? currentSolution(ctx);
  out.push(`## Solution${sol ? ` (version ${sol.version}, ${sol.status})` : ''}`, '');
  out.push(sol ? sol.text.trim() : (ctx.solution ?? '_No solution yet._'), '');
  out.push('## File plan', '');
  const plan = sol?.file_plan ?? null;
  if (plan?.length) for (const f of plan) out.push(`- \`${f.path}\` (${f.action}): ${f.change}`);
  else out.push('_Written by solution_designer once the solution is approved._');
  out.push('');
  if (sol?.implementation_plan) out.push('## Implementation plan', '', sol.implementation_plan.trim(), '');
  out.push('## Tests', '');
  if (ctx.test_command)
    out.push(`Command: \`${ctx.test_command.argv.join(' ')}\` (from ${ctx.test_command.source})`, '');
  const baseline = latestBaseline(ctx);
  if (baseline)
    out.push(
      `Baseline before any change: ${describeRun(baseline)}${baseline.passed ? '' : ' — later runs are judged against it'}`,
      '',
    );
  if (ctx.test_runs.length) {
    out.push('| # | at | run | exit | ms | result |', '|---|---|---|---|---|---|');
    ctx.test_runs.forEach((t, i) => out.push(runLine(t, i)));
    out.push('');
    const last = ctx.test_runs.at(-1)!;
    if (!last.passed && last.failures.length) {
      out.push(
        `### Failures of the last run (run ${ctx.test_runs.length})`,
        '',
        ...failureLines(last).map((l) => `- ${l.replace(/\|/g, '\\|')}`),
        '',
      );
    }
  }
  if (opts.final) {
    const r = readiness(ctx);
    out.push('## Readiness', '');
    out.push(`Verdict: ${readinessVerdict(r, false)}`, '', ...checklistLines(r), '');
    for (const b of r.blocking) out.push(`- Blocking: ${b}`);
    ctx.test_runs.forEach((t, i) => {
      if (t.verdict === 'unexpected-green')
        out.push(
          `- ⚠ The new tests passed before any implementation (run ${i + 1}): they may not pin the criteria.`,
        );
    });
    const uncovered = cov.filter((c) => c.tests.length === 0).map((c) => c.id);
    if (uncovered.length) out.push(`- ⚠ Criteria without a test: ${uncovered.join(', ')}`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** The text of the chain's test files (session_memory.tests_written), each at most 256 KB; unreadable ones are left out. */
export function readTestFiles(ctx: ChainContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of ctx.session_memory.tests_written) {
    try {
      const text = readFileSync(path.join(ctx.workspace, rel), 'utf8');
      out[rel] = text.slice(0, 256 * 1024);
    } catch {
      // A test file deleted since is simply not linked.
    }
  }
  return out;
}

/** Pure: the PR description pr_description_writer wrote (its `solution`, else its summary), or null. */
function prDescription(ctx: ChainContext): string | null {
  const s = lastStep(ctx, 'pr_description_writer');
  const f = s ? findingsOf(s) : null;
  if (!f) return null;
  return `${(f.solution ?? f.summary).trim()}\n`;
}

/**
 * Writes the spec (and at the end the PR description) durably; returns the spec's path.
 * Throws what the write throws (a FileSystemError).
 */
export async function writeSpecFiles(
  ctx: ChainContext,
  contextFile: string,
  specsDir: string | null,
  opts: { final?: boolean } = {},
): Promise<{ spec: string; pr: string | null }> {
  const spec = specPath(contextFile, specsDir);
  if (specsDir) mkdirSync(specsDir, { recursive: true });
  // The chain's driver (the only writer of its spec) removes what a killed run left half-written.
  removeStaleTempFiles(spec);
  removeStaleTempFiles(prPath(spec));
  await writeFileDurable(spec, renderSpec(ctx, readTestFiles(ctx), opts));
  const pr = opts.final ? prDescription(ctx) : null;
  if (pr !== null) await writeFileDurable(prPath(spec), pr);
  return { spec, pr: pr !== null ? prPath(spec) : null };
}
