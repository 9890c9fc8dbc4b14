/**
 * Fisher's exact test and the comparison of eval runs: p-values checked against R's
 * stats::fisher.test on the same tables, and regressions flagged only when significant.
 */
import { describe, expect, it } from 'vitest';
import { compareResults, evalShortfall, passRate } from '../../src/evals/compare.js';
import { fisherExactTwoSided } from '../../src/evals/fisher.js';
import type { EvalResult } from '../../src/evals/run.js';

describe('fisherExactTwoSided', () => {
  it.each([
    // fisher.test(matrix(c(3,1,1,3), 2)) - the tea-tasting table: p-value = 0.4857
    [3, 1, 1, 3, 0.4857143],
    // fisher.test(matrix(c(1,11,9,3), 2)): p-value = 0.002759
    [1, 9, 11, 3, 0.002759456],
    // fisher.test(matrix(c(5,0,0,5), 2)): p-value = 0.007937
    [5, 0, 0, 5, 0.007936508],
    // fisher.test(matrix(c(4,0,0,4), 2)): p-value = 0.02857
    [4, 0, 0, 4, 0.02857143],
    // fisher.test(matrix(c(3,0,0,3), 2)): p-value = 0.1
    [3, 0, 0, 3, 0.1],
  ])('(%i, %i, %i, %i) → %f as R computes it', (a, b, c, d, p) => {
    expect(fisherExactTwoSided(a, b, c, d)).toBeCloseTo(p, 6);
  });

  it('is symmetric in the rows and gives 1 for identical rows or an empty margin', () => {
    expect(fisherExactTwoSided(1, 9, 11, 3)).toBeCloseTo(fisherExactTwoSided(11, 3, 1, 9), 12);
    expect(fisherExactTwoSided(2, 2, 2, 2)).toBeCloseTo(1, 12);
    expect(fisherExactTwoSided(0, 0, 3, 1)).toBe(1);
    expect(fisherExactTwoSided(4, 0, 4, 0)).toBe(1);
  });

  it('refuses counts that are not non-negative integers', () => {
    expect(() => fisherExactTwoSided(-1, 2, 3, 4)).toThrow(RangeError);
    expect(() => fisherExactTwoSided(1.5, 2, 3, 4)).toThrow(RangeError);
  });
});

const result = (over: Partial<EvalResult>): EvalResult => ({
  prompt: 'code_reviewer',
  case: 'a',
  model: 'm1',
  repeat: 1,
  pass: true,
  score: 1,
  input_tokens: 10,
  output_tokens: 5,
  cost_usd: null,
  latency_ms: 1,
  calls: 1,
  error: null,
  assertions: [],
  result: null,
  ...over,
});
const runs = (n: number, pass: number, over: Partial<EvalResult> = {}) =>
  Array.from({ length: n }, (_, i) =>
    result({ repeat: i + 1, pass: i < pass, score: i < pass ? 1 : 0.5, ...over }),
  );

describe('compareResults', () => {
  it('flags a significant drop in pass rate as a regression, with its p-value and deltas', () => {
    const [row] = compareResults(runs(5, 5), runs(5, 0), false);
    expect(row).toMatchObject({
      prompt: 'code_reviewer',
      case: 'a',
      model: null,
      a: { passed: 5, runs: 5, mean_score: 1 },
      b: { passed: 0, runs: 5, mean_score: 0.5 },
      pass_rate_delta: -1,
      score_delta: -0.5,
      regression: true,
    });
    expect(row!.p_value).toBeCloseTo(0.007936508, 6);
  });

  it('does not flag a drop that one run per side cannot make significant, nor an improvement', () => {
    expect(compareResults(runs(1, 1), runs(1, 0), false)[0]).toMatchObject({
      pass_rate_delta: -1,
      p_value: 1,
      regression: false,
    });
    expect(compareResults(runs(5, 0), runs(5, 5), false)[0]).toMatchObject({
      pass_rate_delta: 1,
      regression: false,
    });
  });

  it('keeps rows per model when asked, and a case on one side only has no delta', () => {
    const a = [...runs(2, 2, { model: 'm1' }), ...runs(2, 1, { model: 'm2' })];
    const b = [...runs(2, 2, { model: 'm1' }), ...runs(1, 1, { case: 'new', model: 'm1' })];
    const rows = compareResults(a, b, true);
    expect(rows.map((r) => [r.case, r.model, r.a.runs, r.b.runs])).toEqual([
      ['a', 'm1', 2, 2],
      ['a', 'm2', 2, 0],
      ['new', 'm1', 0, 1],
    ]);
    expect(rows[1]).toMatchObject({
      pass_rate_delta: null,
      score_delta: null,
      p_value: 1,
      regression: false,
    });
  });
});

describe('evalShortfall (prompts promote)', () => {
  const run = (id: string, sha: string, passed: number) => ({
    run_id: id,
    prompts: [{ name: 'code_reviewer', sha256: sha }],
    results: runs(4, passed),
  });

  it('names the drop when the latest version passes less often than the version before it', () => {
    expect(evalShortfall([run('r1', 'old', 4), run('r2', 'new', 2)], 'code_reviewer')).toBe(
      'its eval cases pass 2/4 (run r2), below the 4/4 of the version before it (run r1)',
    );
  });

  it('says nothing when the new version does as well, when only one version was evaluated, or for another prompt', () => {
    expect(evalShortfall([run('r1', 'old', 3), run('r2', 'new', 3)], 'code_reviewer')).toBeNull();
    expect(evalShortfall([run('r1', 'same', 4), run('r2', 'same', 1)], 'code_reviewer')).toBeNull();
    expect(evalShortfall([run('r1', 'old', 4), run('r2', 'new', 0)], 'security_scanner')).toBeNull();
    expect(passRate(runs(4, 3), 'code_reviewer')).toEqual({ passed: 3, runs: 4, rate: 0.75 });
  });
});
