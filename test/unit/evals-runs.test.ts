/**
 * Saved eval runs and how `--compare` and `--fail-on-regression` find their sides: run ids (or
 * prefixes), models of the newest run that has them, and the baseline of a new run.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareSaved, compareWithBaseline } from '../../src/features/library/evalCompare.js';
import { UsageError } from '../../src/errors.js';
import { runTotals, type EvalResult, type EvalRun } from '../../src/evals/run.js';
import { findRun, listRuns, newRunId, saveRun } from '../../src/evals/store.js';

const result = (model: string, kase: string, pass: boolean, repeat = 1): EvalResult => ({
  prompt: 'code_reviewer',
  case: kase,
  model,
  repeat,
  pass,
  score: pass ? 1 : 0,
  input_tokens: 10,
  output_tokens: 2,
  cost_usd: 0.5,
  latency_ms: 3,
  calls: 1,
  error: null,
  assertions: [],
  result: null,
});
const run = (id: string, at: string, results: EvalResult[]): EvalRun => ({
  run_id: id,
  created_at: at,
  models: [...new Set(results.map((r) => r.model))],
  repeat: 1,
  max_cost_usd: null,
  prompts: [{ name: 'code_reviewer', layer: 'built-in', sha256: 'x' }],
  results,
  skipped: [],
  totals: runTotals(results, 0),
});
const many = (model: string, kase: string, passes: number, of: number) =>
  Array.from({ length: of }, (_, i) => result(model, kase, i < passes, i + 1));

describe('saved runs', () => {
  it('are listed oldest first, found by id or unique prefix, and totalled', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'claude-exec-evalruns-'));
    await saveRun(dir, run('eval-b', '2026-12-02T00:00:00Z', [result('m', 'a', true)]));
    await saveRun(dir, run('eval-a', '2026-12-01T00:00:00Z', [result('m', 'a', false)]));
    const runs = await listRuns(dir);
    expect(runs.map((r) => r.run_id)).toEqual(['eval-a', 'eval-b']);
    expect(findRun(runs, 'eval-b').run_id).toBe('eval-b');
    expect(() => findRun(runs, 'eval-')).toThrow('"eval-" names 2 saved eval runs');
    expect(() => findRun(runs, 'nope')).toThrow(UsageError);
    expect(runTotals([result('m', 'a', true), { ...result('m', 'b', false), cost_usd: null }], 2)).toEqual({
      runs: 2,
      passed: 1,
      failed: 1,
      skipped: 2,
      cost_usd: 0.5,
      input_tokens: 20,
      output_tokens: 4,
    });
    expect(newRunId(new Date('2026-12-07T16:30:05Z'))).toMatch(/^eval-20261207-163005-[0-9a-f]{4}$/);
  });
});

describe('compareSaved', () => {
  it('compares two models of the newest run that has them, rows per case', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'claude-exec-evalruns-'));
    await saveRun(
      dir,
      run('eval-1', '2026-12-01T00:00:00Z', [...many('big', 'a', 5, 5), ...many('small', 'a', 0, 5)]),
    );
    const cmp = await compareSaved(dir, 'big', 'small');
    expect(cmp).toMatchObject({
      a: { label: 'big', run_id: 'eval-1', model: 'big' },
      b: { model: 'small' },
      regressions: 1,
    });
    expect(cmp.rows).toHaveLength(1);
    expect(cmp.rows[0]).toMatchObject({
      case: 'a',
      model: null,
      a: { passed: 5 },
      b: { passed: 0 },
      regression: true,
    });
  });

  it('compares two runs per model, and names a side that is neither a run nor a model', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'claude-exec-evalruns-'));
    await saveRun(
      dir,
      run('eval-1', '2026-12-01T00:00:00Z', [...many('big', 'a', 2, 2), ...many('small', 'a', 2, 2)]),
    );
    await saveRun(
      dir,
      run('eval-2', '2026-12-02T00:00:00Z', [...many('big', 'a', 2, 2), ...many('small', 'a', 0, 2)]),
    );
    const cmp = await compareSaved(dir, 'eval-1', 'eval-2');
    expect(cmp.rows.map((r) => [r.model, r.a.passed, r.b.passed, r.regression])).toEqual([
      ['big', 2, 2, false],
      ['small', 2, 0, false],
    ]);
    await expect(compareSaved(dir, 'eval-1', 'medium')).rejects.toThrow(
      '"medium" is neither a saved eval run nor a model of one',
    );
  });
});

describe('compareWithBaseline', () => {
  it('uses the newest earlier run that shares a case, only its shared cases, or the named one; null without one', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'claude-exec-evalruns-'));
    const first = run('eval-1', '2026-12-01T00:00:00Z', many('m', 'a', 4, 4));
    expect(await compareWithBaseline(dir, first)).toBeNull();
    await saveRun(dir, first);
    await saveRun(dir, run('eval-2', '2026-12-02T00:00:00Z', many('m', 'other', 0, 4)));
    const now = run('eval-3', '2026-12-03T00:00:00Z', many('m', 'a', 0, 4));
    await saveRun(dir, now);
    const cmp = (await compareWithBaseline(dir, now))!;
    expect(cmp.a.run_id).toBe('eval-1');
    expect(cmp.rows.map((r) => [r.case, r.regression])).toEqual([['a', true]]);
    // A named baseline without the case: the row has no baseline runs, so no regression.
    expect(
      (await compareWithBaseline(dir, now, 'eval-2'))!.rows.map((r) => [r.case, r.a.runs, r.regression]),
    ).toEqual([['a', 0, false]]);
  });
});
