/**
 * `prompts eval --compare A B` and the baseline of `--fail-on-regression`: resolves each side to
 * saved results (a saved run id, or a model of the latest saved run that ran it) and compares
 * them (src/evals/compare.ts).
 */
import { UsageError } from '../../errors.js';
import { compareResults, REGRESSION_ALPHA } from '../../evals/compare.js';
import type { EvalResult, EvalRun } from '../../evals/run.js';
import { findRun, listRuns } from '../../evals/store.js';

/** One side's figures on a row: passes, runs and mean score (0..1, null without scores). */
interface SideFigures {
  passed: number;
  runs: number;
  mean_score: number | null;
}

/** The `prompts-eval-compare@1` document (src/contract/evals.ts checks the shape). */
export interface EvalComparison {
  schema: 'claude-exec/prompts-eval-compare@1';
  a: { label: string; run_id: string; model: string | null };
  b: { label: string; run_id: string; model: string | null };
  /** Significance level of the regression test. */
  alpha: number;
  rows: {
    prompt: string;
    case: string;
    model: string | null;
    a: SideFigures;
    b: SideFigures;
    pass_rate_delta: number | null;
    score_delta: number | null;
    /** Two-sided Fisher's exact test on the pass counts. */
    p_value: number;
    regression: boolean;
  }[];
  regressions: number;
}

interface Side {
  label: string;
  run_id: string;
  model: string | null;
  results: EvalResult[];
}

/** `label` as a side: a saved run (by id or prefix), else a model of the newest run that has it. Throws UsageError. */
export function resolveSide(runs: readonly EvalRun[], label: string): Side {
  try {
    const run = findRun(runs, label);
    return { label, run_id: run.run_id, model: null, results: run.results };
  } catch (err) {
    const withModel = [...runs].reverse().find((r) => r.results.some((x) => x.model === label));
    if (!withModel)
      throw err instanceof UsageError
        ? new UsageError(
            `"${label}" is neither a saved eval run nor a model of one`,
            'Give two run ids from contexts/.evals/, or two models evaluated in a run (--model A,B).',
          )
        : err;
    return {
      label,
      run_id: withModel.run_id,
      model: label,
      results: withModel.results.filter((x) => x.model === label),
    };
  }
}

/** The comparison document of baseline `a` and candidate `b`. Pure over the two sides. */
export function comparison(a: Side, b: Side): EvalComparison {
  const rows = compareResults(a.results, b.results, a.model === null && b.model === null);
  return {
    schema: 'claude-exec/prompts-eval-compare@1',
    a: { label: a.label, run_id: a.run_id, model: a.model },
    b: { label: b.label, run_id: b.run_id, model: b.model },
    alpha: REGRESSION_ALPHA,
    rows,
    regressions: rows.filter((r) => r.regression).length,
  };
}

/** Compares saved sides `a` and `b` found in `contextsDir`. Throws UsageError for an unknown side. */
export async function compareSaved(contextsDir: string, a: string, b: string): Promise<EvalComparison> {
  const runs = await listRuns(contextsDir);
  return comparison(resolveSide(runs, a), resolveSide(runs, b));
}

/**
 * `run` compared with its baseline: the saved run `baselineId`, else the newest earlier saved run
 * that shares a prompt × case with it; null when there is none.
 */
export async function compareWithBaseline(
  contextsDir: string,
  run: EvalRun,
  baselineId?: string,
): Promise<EvalComparison | null> {
  const runs = (await listRuns(contextsDir)).filter((r) => r.run_id !== run.run_id);
  const key = (x: EvalResult) => `${x.prompt}/${x.case}`;
  const mine = new Set(run.results.map(key));
  const base = baselineId
    ? findRun(runs, baselineId)
    : [...runs].reverse().find((r) => r.results.some((x) => mine.has(key(x))));
  if (!base) return null;
  const shared = base.results.filter((x) => mine.has(key(x)));
  const sameModels = run.models.length === 1 && base.models.length === 1;
  return comparison(
    { label: base.run_id, run_id: base.run_id, model: sameModels ? base.models[0]! : null, results: shared },
    {
      label: run.run_id,
      run_id: run.run_id,
      model: sameModels ? run.models[0]! : null,
      results: run.results,
    },
  );
}
