/**
 * Comparing two sets of eval results (two saved runs, or two models): per prompt × case, the pass
 * counts and mean scores of each side, their difference, and Fisher's exact test on the pass
 * counts (./fisher.ts). Pure.
 */
import type { EvalResult } from './run.js';
import { fisherExactTwoSided } from './fisher.js';

/** A drop in pass rate counts as a regression below this p-value (two-sided Fisher test). */
export const REGRESSION_ALPHA = 0.05;

interface SideStats {
  passed: number;
  runs: number;
  /** Mean case score 0..1 (null with no runs). */
  mean_score: number | null;
}

export interface ComparisonRow {
  prompt: string;
  case: string;
  /** The model, when both sides are runs (rows are kept per model); null when the sides are two models. */
  model: string | null;
  a: SideStats;
  b: SideStats;
  /** B's pass rate minus A's (−1..1); null when a side has no runs. */
  pass_rate_delta: number | null;
  score_delta: number | null;
  /** Two-sided Fisher exact p-value on the pass counts (1 when a side has no runs). */
  p_value: number;
  /** B passes significantly less often than A (p < REGRESSION_ALPHA). */
  regression: boolean;
}

function stats(results: readonly EvalResult[]): SideStats {
  return {
    passed: results.filter((r) => r.pass).length,
    runs: results.length,
    mean_score: results.length ? results.reduce((s, r) => s + r.score, 0) / results.length : null,
  };
}

/**
 * Rows for every prompt × case (× model when `byModel`) present on either side, sorted by prompt
 * then case. `a` is the baseline, `b` the candidate.
 */
export function compareResults(
  a: readonly EvalResult[],
  b: readonly EvalResult[],
  byModel: boolean,
): ComparisonRow[] {
  const key = (r: EvalResult) => JSON.stringify([r.prompt, r.case, byModel ? r.model : null]);
  const keys = [...new Set([...a, ...b].map(key))].sort();
  return keys.map((k) => {
    const [prompt, name, model] = JSON.parse(k) as [string, string, string | null];
    const sa = stats(a.filter((r) => key(r) === k));
    const sb = stats(b.filter((r) => key(r) === k));
    const both = sa.runs > 0 && sb.runs > 0;
    const p = both ? fisherExactTwoSided(sa.passed, sa.runs - sa.passed, sb.passed, sb.runs - sb.passed) : 1;
    const delta = both ? sb.passed / sb.runs - sa.passed / sa.runs : null;
    return {
      prompt,
      case: name,
      model,
      a: sa,
      b: sb,
      pass_rate_delta: delta,
      score_delta: both ? sb.mean_score! - sa.mean_score! : null,
      p_value: p,
      regression: delta !== null && delta < 0 && p < REGRESSION_ALPHA,
    };
  });
}

/** Pass rate of `prompt` in `results` (0..1), null when it has none. Pure. */
export function passRate(
  results: readonly EvalResult[],
  prompt: string,
): { passed: number; runs: number; rate: number } | null {
  const mine = results.filter((r) => r.prompt === prompt);
  if (mine.length === 0) return null;
  const passed = mine.filter((r) => r.pass).length;
  return { passed, runs: mine.length, rate: passed / mine.length };
}

/**
 * Why the latest evaluated version of `prompt` should not replace the version before it: its pass
 * rate in the newest saved run that has it is below the pass rate of the newest earlier run of a
 * different version of the prompt file (by sha256). Null when it is not lower, or there is
 * nothing to compare. `runs` oldest first. Pure.
 */
export function evalShortfall(
  runs: readonly { run_id: string; prompts: { name: string; sha256: string }[]; results: EvalResult[] }[],
  prompt: string,
): string | null {
  const evaluated = runs.filter((r) => r.results.some((x) => x.prompt === prompt));
  const latest = evaluated.at(-1);
  if (!latest) return null;
  const sha = latest.prompts.find((p) => p.name === prompt)?.sha256;
  const earlier = [...evaluated]
    .reverse()
    .find((r) => r.prompts.find((p) => p.name === prompt)?.sha256 !== sha);
  if (!earlier) return null;
  const now = passRate(latest.results, prompt)!;
  const before = passRate(earlier.results, prompt)!;
  if (now.rate >= before.rate) return null;
  return `its eval cases pass ${now.passed}/${now.runs} (run ${latest.run_id}), below the ${before.passed}/${before.runs} of the version before it (run ${earlier.run_id})`;
}
