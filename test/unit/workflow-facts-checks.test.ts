/** A workflow's `tests` fact counts the checks run after the tests: passing tests with a new check failure are not passed. */
import { describe, expect, it } from 'vitest';
import type { ChainContext, CheckRun } from '../../src/chain/schema.js';
import { factsOf } from '../../src/workflows/facts.js';

const check = (name: string, expect: CheckRun['expect'], passed: boolean, at: string): CheckRun => ({
  at,
  name,
  expect,
  argv: [name],
  passed,
  exit_code: passed ? 0 : 1,
  timed_out: false,
  digest: '',
  iteration: 0,
});
const ctxWith = (checkRuns: CheckRun[]) =>
  ({
    steps: [],
    confidence_scores: { overall: 0.5 },
    test_runs: [{ at: '2026-12-07T10:00:00.000Z', passed: true }],
    check_runs: checkRuns,
  }) as unknown as ChainContext;

describe('workflow facts with checks', () => {
  it('tests pass only when no check after them failed anew', () => {
    expect(factsOf(ctxWith([]), 0).tests).toBe('passed');
    expect(factsOf(ctxWith([check('typecheck', 'green', false, '2026-12-07T10:00:05.000Z')]), 0).tests).toBe(
      'failed',
    );
    expect(factsOf(ctxWith([check('typecheck', 'green', true, '2026-12-07T10:00:05.000Z')]), 0).tests).toBe(
      'passed',
    );
    // A failure from before this test run, or one the baseline already had, does not count.
    expect(factsOf(ctxWith([check('typecheck', 'green', false, '2026-12-07T09:00:00.000Z')]), 0).tests).toBe(
      'passed',
    );
    expect(
      factsOf(
        ctxWith([
          check('lint', 'baseline', false, '2026-12-07T08:00:00.000Z'),
          check('lint', 'green', false, '2026-12-07T10:00:05.000Z'),
        ]),
        0,
      ).tests,
    ).toBe('passed');
  });
});
