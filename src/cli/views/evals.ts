/**
 * The tables of `prompts eval`: one row per prompt × case × model (repeats folded into pass
 * counts), and the comparison of two runs or models with its p-values.
 */
import type { EvalResult, EvalRun } from '../../evals/run.js';
import { sanitizeTerminal } from '../../ui/sanitize.js';
import type { EvalCompareOutput } from '../../contract/evals.js';

async function table(
  head: string[],
  rows: string[][],
  color: boolean,
  align: ('left' | 'right')[],
): Promise<string> {
  const { renderTable } = await import('../../ui/table.js');
  return renderTable({ head, rows, color, flex: [], align });
}

const usd = (n: number | null) => (n === null ? 'unpriced' : `$${n.toFixed(4)}`);
const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);
const pct = (n: number | null) => (n === null ? '-' : `${n >= 0 ? '+' : ''}${Math.round(n * 100)}%`);

/** One row per prompt × case × model: pass (or passed/runs), mean score, mean tokens, cost, latency. */
export async function renderEvalRun(run: EvalRun, color: boolean): Promise<string> {
  const groups = new Map<string, EvalResult[]>();
  for (const r of run.results) {
    const k = `${r.prompt}\u0000${r.case}\u0000${r.model}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const rows = [...groups.values()].map((rs) => {
    const r0 = rs[0]!;
    const passed = rs.filter((r) => r.pass).length;
    const verdict =
      rs.length === 1
        ? r0.pass
          ? 'PASS'
          : 'FAIL'
        : `${passed}/${rs.length}${passed === rs.length ? '' : ' FAIL'}`;
    const costs = rs.map((r) => r.cost_usd);
    return [
      r0.prompt,
      r0.case,
      r0.model,
      verdict,
      mean(rs.map((r) => r.score)).toFixed(2),
      String(Math.round(mean(rs.map((r) => r.input_tokens)))),
      String(Math.round(mean(rs.map((r) => r.output_tokens)))),
      costs.some((c) => c === null) ? 'unpriced' : usd(mean(costs as number[])),
      String(Math.round(mean(rs.map((r) => r.latency_ms)))),
    ];
  });
  const failures = run.results
    .filter((r) => !r.pass)
    .map((r) =>
      sanitizeTerminal(
        `  ${r.prompt}/${r.case} · ${r.model}${run.repeat > 1 ? ` #${r.repeat}` : ''}: ${
          r.error ??
          r.assertions
            .filter((a) => !a.pass)
            .map((a) => `${a.type}: ${a.detail}`)
            .join('; ')
        }`,
      ),
    );
  const t = run.totals;
  return [
    await table(
      ['prompt', 'case', 'model', 'pass', 'score', 'input tok', 'output tok', 'cost', 'latency ms'],
      rows,
      color,
      ['left', 'left', 'left', 'left', 'right', 'right', 'right', 'right', 'right'],
    ),
    ...(failures.length ? ['', 'failed:', ...failures] : []),
    '',
    [
      `${t.passed} of ${t.runs} passed${t.skipped ? `, ${t.skipped} skipped (--max-cost)` : ''}`,
      `${t.input_tokens} input / ${t.output_tokens} output tokens`,
      usd(t.cost_usd),
      `run ${run.run_id}${run.repeat > 1 ? ` (${run.repeat} repeats)` : ''}`,
    ].join(' · '),
  ].join('\n');
}

/** The comparison table: pass counts and scores of A and B, the change, and Fisher's p-value. */
export async function renderComparison(c: EvalCompareOutput, color: boolean): Promise<string> {
  const side = (s: { passed: number; runs: number; mean_score: number | null }) =>
    s.runs ? `${s.passed}/${s.runs} (${s.mean_score!.toFixed(2)})` : '-';
  // Rows carry a model only when both sides are runs (then they are kept per model).
  const perModel = c.rows.some((r) => r.model !== null);
  const rows = c.rows.map((r) => [
    r.prompt,
    r.case,
    ...(perModel ? [r.model ?? ''] : []),
    side(r.a),
    side(r.b),
    pct(r.pass_rate_delta),
    r.score_delta === null ? '-' : `${r.score_delta >= 0 ? '+' : ''}${r.score_delta.toFixed(2)}`,
    r.p_value.toFixed(3),
    r.regression ? 'REGRESSION' : '',
  ]);
  const name = (s: EvalCompareOutput['a']) => (s.model ? `${s.model} (run ${s.run_id})` : `run ${s.run_id}`);
  return [
    `A = ${name(c.a)}\nB = ${name(c.b)}`,
    await table(
      [
        'prompt',
        'case',
        ...(perModel ? ['model'] : []),
        'A passed (score)',
        'B passed (score)',
        'pass rate',
        'score',
        'p (Fisher)',
        '',
      ],
      rows,
      color,
      [
        'left',
        'left',
        ...(perModel ? ['left' as const] : []),
        'right',
        'right',
        'right',
        'right',
        'right',
        'left',
      ],
    ),
    `${c.regressions} significant regression(s) at p < ${c.alpha} (two-sided Fisher exact test on pass counts; with one run per side no change can be significant: use --repeat)`,
  ].join('\n');
}
