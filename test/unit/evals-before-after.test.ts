/**
 * The tests_fail_before_pass_after assertion: its verdict from the runs (both sides reported), the
 * case file's checks (a fixture is needed; the `after` overlay must be a directory inside the
 * evals folder, exit 2 naming the field) and how the outcome enters the case's assertions.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { checkAssertions } from '../../src/evals/assert.js';
import { judgeBeforeAfter, type BeforeAfterRuns, type SideRun } from '../../src/evals/beforeAfter.js';
import { parseEvalCase } from '../../src/evals/case.js';
import { loadEvalCases } from '../../src/evals/load.js';

const green = (summary = 'exit 0, 0 failed, 4 passed (node:test)'): SideRun => ({
  passed: true,
  failing: [],
  summary,
});
const red = (failing: string[], summary = `exit 1, ${failing.length} failed (node:test)`): SideRun => ({
  passed: false,
  failing,
  summary,
});
const runs = (r: Partial<BeforeAfterRuns>): BeforeAfterRuns => ({
  tests: ['test/limit.test.js'],
  argv: ['npm', 'test'],
  before: red(['AC1: refuses']),
  baseline: green(),
  after: green(),
  ...r,
});

describe('judgeBeforeAfter', () => {
  it('passes tests that fail on the fixture and pass with the implementation, naming what failed before', () => {
    const v = judgeBeforeAfter(runs({}));
    expect(v.pass).toBe(true);
    expect(v.detail).toBe(
      'test/limit.test.js with `npm test`: failed before the implementation, as they should ' +
        '(exit 1, 1 failed (node:test); failing: AC1: refuses); passed after it (exit 0, 0 failed, ' +
        '4 passed (node:test))',
    );
  });

  it('fails tests that already pass before the implementation', () => {
    const v = judgeBeforeAfter(
      runs({ before: green('exit 0, 0 failed, 5 passed (node:test)'), baseline: null }),
    );
    expect(v.pass).toBe(false);
    expect(v.detail).toContain(
      'passed before the implementation: the tests do not test the change (exit 0, 0 failed, 5 passed (node:test))',
    );
  });

  it('fails tests that still fail with the implementation, naming them', () => {
    const v = judgeBeforeAfter(runs({ after: red(['AC2: GET stays open', 'AC3: creates']) }));
    expect(v.pass).toBe(false);
    expect(v.detail).toContain(
      'failed after the implementation, where they should pass (exit 1, 2 failed (node:test); failing: AC2: GET stays open; AC3: creates)',
    );
  });

  it('does not count failures the fixture already has without the new tests', () => {
    const old = red(['legacy: flaky']);
    expect(judgeBeforeAfter(runs({ before: red(['legacy: flaky']), baseline: old }))).toMatchObject({
      pass: false,
      detail: expect.stringContaining('failed before only where the fixture already fails without them'),
    });
    const v = judgeBeforeAfter(runs({ before: red(['legacy: flaky', 'AC1: refuses']), baseline: old }));
    expect(v.pass).toBe(true);
    expect(v.detail).toContain('failing: AC1: refuses)');
  });
});

describe('the assertion in a case', () => {
  const kase = (inputs: string, a = '{ type: tests_fail_before_pass_after, after: ../_fixtures/after }') =>
    `description: d\ninputs:\n${inputs}\nassert:\n  - { type: fields, value: [summary] }\n  - ${a}\n`;
  let root = '';
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });
  function layer(text: string, dirs: string[]): string {
    root = mkdtempSync(path.join(os.tmpdir(), 'evals-ba-'));
    const evals = path.join(root, 'evals');
    mkdirSync(path.join(evals, 'test_generator'), { recursive: true });
    for (const d of dirs) mkdirSync(path.join(evals, d), { recursive: true });
    writeFileSync(path.join(evals, 'test_generator', 'c.yaml'), text);
    return root;
  }

  it('needs a fixture and an after directory', () => {
    expect(() => parseEvalCase(kase('  goal: g'), 'x.yaml')).toThrow(UsageError);
    expect(() => parseEvalCase(kase('  goal: g'), 'x.yaml')).toThrow(
      'x.yaml: assert.1: tests_fail_before_pass_after needs inputs.workspace',
    );
    expect(() =>
      parseEvalCase(
        kase('  goal: g\n  workspace: ../_fixtures/app', '{ type: tests_fail_before_pass_after }'),
        'x.yaml',
      ),
    ).toThrow(/^x\.yaml: assert\.1\.after: /);
  });

  it('resolves the overlay beside the case, and refuses a missing one or one outside the evals folder with the field named', async () => {
    const text = kase('  goal: g\n  workspace: ../_fixtures/app');
    const ok = layer(text, ['_fixtures/app', '_fixtures/after']);
    const [c] = await loadEvalCases([{ dir: ok, layer: 'built-in' }]);
    expect([...c!.afterDirs]).toEqual([[1, path.join(ok, 'evals', '_fixtures', 'after')]]);
    rmSync(ok, { recursive: true });

    const missing = layer(text, ['_fixtures/app']);
    const file = path.join(missing, 'evals', 'test_generator', 'c.yaml');
    await expect(loadEvalCases([{ dir: missing, layer: 'built-in' }])).rejects.toThrow(
      `${file}: assert.1.after: no directory ${path.join(missing, 'evals', '_fixtures', 'after')}`,
    );
    rmSync(missing, { recursive: true });

    const outside = layer(
      kase(
        '  goal: g\n  workspace: ../_fixtures/app',
        '{ type: tests_fail_before_pass_after, after: ../../.. }',
      ),
      ['_fixtures/app'],
    );
    await expect(loadEvalCases([{ dir: outside, layer: 'built-in' }])).rejects.toThrow(
      /assert\.1\.after: \.\.\/\.\.\/\.\. is outside /,
    );
  });

  it('takes its outcome from the runs by index, and fails when the tests were not run', () => {
    const a = { type: 'tests_fail_before_pass_after' as const, after: 'x' };
    const result = { summary: 's' };
    const m = { input_tokens: 0, output_tokens: 0, cost_usd: 0, latency_ms: 0 };
    expect(
      checkAssertions(
        [a],
        result,
        m,
        () => null,
        new Map(),
        new Map([[0, { pass: false, detail: 'passed before the implementation' }]]),
      )[0],
    ).toMatchObject({ pass: false, score: 0, detail: 'passed before the implementation' });
    expect(
      checkAssertions([a], result, m, () => null, new Map(), new Map([[0, { pass: true, detail: 'ok' }]]))[0],
    ).toMatchObject({ pass: true, score: 1 });
    expect(checkAssertions([a], result, m, () => null)[0]).toMatchObject({
      pass: false,
      detail: 'the tests were not run',
    });
  });
});
