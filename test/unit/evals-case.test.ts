/**
 * Eval cases: the case file's schema (exit 2 naming the file and the field), every assertion
 * type passing and failing, and the one-step chain a case runs as.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, UsageError } from '../../src/errors.js';
import { caseVerdict, checkAssertions, citations, valuesAt, type Measured } from '../../src/evals/assert.js';
import { parseEvalCase, type Assertion } from '../../src/evals/case.js';
import { caseChainContext } from '../../src/evals/caseChain.js';
import { builtinPromptsDir } from '../../src/library/load.js';
import { MACHINE_PROMPTS } from '../../src/phases/machine.js';

const measured: Measured = { input_tokens: 1000, output_tokens: 200, cost_usd: 0.01, latency_ms: 5 };
const fixture: Record<string, number> = { 'src/app.js': 35, 'test/notes.test.js': 39 };
const lines = (f: string) => fixture[f] ?? null;
const result = {
  summary: 'Two routes read the body.',
  findings: ['POST /notes reads the body at src/app.js:26', 'validation at src/app.js:28-30'],
  verdict: { passed: false, blocking_issues: ['no limit'] },
  decisions: [{ key: 'rate_limit', choice: 'fixed window' }],
  ambiguity_score: 0.4,
};
const check = (a: Assertion, r: unknown = result, m = measured) => checkAssertions([a], r, m, lines)[0]!;

describe('parseEvalCase', () => {
  const valid = 'description: d\ninputs:\n  goal: g\nassert:\n  - { type: fields, value: [summary] }\n';

  it('fills defaults of a valid case', () => {
    const c = parseEvalCase(valid, 'x.yaml');
    expect(c.inputs).toEqual({ goal: 'g', memory: {}, steps: [] });
    expect(c.assert).toEqual([{ type: 'fields', value: ['summary'] }]);
  });

  it.each([
    ['description: d\ninputs: {}\nassert:\n  - { type: fields, value: [summary] }\n', 'x.yaml: inputs.goal:'],
    [valid.replace('type: fields', 'type: nope'), 'x.yaml: assert.0.type:'],
    [valid + 'extra: 1\n', 'x.yaml: (file): Unrecognized key: "extra"'],
    [
      'description: d\ninputs: { goal: g }\nassert:\n  - { type: regex, path: summary, value: "(" }\n',
      'x.yaml: assert.0.value: Invalid regular expression',
    ],
    [
      'description: d\ninputs: { goal: g }\nassert:\n  - { type: tokens }\n',
      'x.yaml: assert.0: give max_input or max_output',
    ],
    ['description: d\n  inputs: [', 'x.yaml: not valid YAML'],
  ])('refuses a bad file with the file and field named (%#)', (text, message) => {
    let err: unknown;
    try {
      parseEvalCase(text, 'x.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(ExitCode.usage);
    expect((err as Error).message).toContain(message);
  });
});

describe('checkAssertions', () => {
  it('reads JSON paths with indexes and wildcards', () => {
    expect(valuesAt(result, 'verdict.passed')).toEqual([false]);
    expect(valuesAt(result, 'findings[1]')).toEqual(['validation at src/app.js:28-30']);
    expect(valuesAt(result, 'decisions[*].key')).toEqual(['rate_limit']);
    expect(valuesAt(result, 'verdict.missing.deeper')).toEqual([]);
  });

  it('finds file:line citations', () => {
    expect(citations('see src/app.js:26 and (test/notes.test.js:3), not v1.2 or http://x:80')).toEqual([
      { file: 'src/app.js', line: 26 },
      { file: 'test/notes.test.js', line: 3 },
    ]);
  });

  it.each<[Assertion, boolean]>([
    [{ type: 'fields', value: ['summary', 'findings'] }, true],
    [{ type: 'fields', value: ['summary', 'risks'] }, false],
    [{ type: 'equals', path: 'verdict.passed', value: false }, true],
    [{ type: 'equals', path: 'verdict.passed', value: true }, false],
    [{ type: 'equals', path: 'verdict.blocking_issues', value: ['no limit'] }, true],
    [{ type: 'contains', path: 'findings', value: 'POST /notes', ignore_case: false }, true],
    [{ type: 'contains', path: 'findings', value: 'post /NOTES', ignore_case: true }, true],
    [{ type: 'contains', path: 'findings', value: 'post /NOTES', ignore_case: false }, false],
    [{ type: 'regex', path: 'summary', value: '^two', flags: 'i' }, true],
    [{ type: 'regex', path: 'summary', value: '^two', flags: '' }, false],
    [{ type: 'between', path: 'ambiguity_score', min: 0.3, max: 1 }, true],
    [{ type: 'between', path: 'ambiguity_score', max: 0.3 }, false],
    [{ type: 'between', path: 'summary', min: 0 }, false],
    [{ type: 'cites_existing_file', path: 'findings', min: 2 }, true],
    [{ type: 'cites_existing_file', path: 'findings', min: 3 }, false],
    [{ type: 'cost', max_usd: 0.02 }, true],
    [{ type: 'cost', max_usd: 0.005 }, false],
    [{ type: 'tokens', max_input: 1000, max_output: 200 }, true],
    [{ type: 'tokens', max_output: 199 }, false],
  ])('%j passes: %s', (a, pass) => {
    expect(check(a).pass).toBe(pass);
  });

  it('fails a citation of a file or line the fixture does not have, and scores the share that exists', () => {
    const o = check(
      { type: 'cites_existing_file', path: 'findings', min: 1 },
      { findings: ['at src/app.js:26', 'at src/app.js:99', 'at src/gone.js:1'] },
    );
    expect(o.pass).toBe(false);
    expect(o.score).toBeCloseTo(1 / 3);
    expect(o.detail).toContain('not in the fixture: src/app.js:99, src/gone.js:1');
  });

  it('fails a cost ceiling when the model has no price, and every result assertion when the run gave no result', () => {
    expect(check({ type: 'cost', max_usd: 1 }, result, { ...measured, cost_usd: null })).toMatchObject({
      pass: false,
      detail: expect.stringContaining('unpriced'),
    });
    expect(check({ type: 'fields', value: ['summary'] }, null)).toMatchObject({
      pass: false,
      detail: 'no result: the run failed',
    });
    expect(check({ type: 'tokens', max_output: 500 }, null).pass).toBe(true);
  });

  it('uses the judge grade of a rubric by index, and fails an ungraded one', () => {
    const a: Assertion = { type: 'llm-rubric', judge: 'j', rubric: 'r', min_score: 0.7 };
    expect(
      checkAssertions(
        [a],
        result,
        measured,
        lines,
        new Map([[0, { pass: true, score: 0.8, reason: 'ok' }]]),
      )[0],
    ).toMatchObject({ pass: true, score: 0.8 });
    expect(
      checkAssertions(
        [a],
        result,
        measured,
        lines,
        new Map([[0, { pass: true, score: 0.6, reason: 'thin' }]]),
      )[0]!.pass,
    ).toBe(false);
    expect(checkAssertions([a], result, measured, lines)[0]).toMatchObject({
      pass: false,
      detail: 'not graded by j',
    });
  });

  it('passes a case only when every assertion passes; its score is the mean', () => {
    expect(
      caseVerdict([
        { type: 'fields', pass: true, score: 1, detail: '' },
        { type: 'cites_existing_file', pass: false, score: 0.5, detail: '' },
      ]),
    ).toEqual({ pass: false, score: 0.75 });
    expect(caseVerdict([])).toEqual({ pass: false, score: 0 });
  });
});

describe('caseChainContext', () => {
  const base = {
    chainId: '001',
    chainUid: '00000000-0000-4000-8000-000000000000',
    slug: 's',
    workspace: '/w',
    now: new Date('2026-12-01T00:00:00Z'),
    maxCostUsd: 0.5,
  };
  const spec = parseEvalCase(
    'description: d\n' +
      'inputs:\n' +
      '  goal: g\n' +
      '  focus: f\n' +
      '  memory: { solution: the plan, assumptions: [a1] }\n' +
      '  steps:\n' +
      '    - { prompt: code_reviewer, phase: implementation, result: { summary: earlier review } ' +
      '}\n' +
      'assert:\n' +
      '  - { type: fields, value: [summary] }\n',
    'c.yaml',
  );

  it('starts a one-step chain of the prompt with the memory and earlier steps in an earlier effect', () => {
    const ctx = caseChainContext(spec, 'c.yaml', 'code_reviewer', 'implementation', 'm', base);
    expect(ctx).toMatchObject({
      goal: 'g',
      solution: 'the plan',
      assumptions: ['a1'],
      single_prompt: 'code_reviewer',
      current_phase: 'implementation',
      max_cost_usd: 0.5,
      models: { fast: 'm', default: 'm', smart: 'm' },
    });
    expect(ctx.machine).toMatchObject({ phase: 'implementation', focus: 'f', seq: 1 });
    expect(ctx.steps).toMatchObject([
      { n: 1, prompt: 'code_reviewer', status: 'complete', effect: 0, result: { summary: 'earlier review' } },
    ]);
  });

  it('refuses memory that does not fit the context file, naming the field, and fields the eval sets', () => {
    const bad = { ...spec, inputs: { ...spec.inputs, memory: { decisions: { k: 'not an object' } } } };
    expect(() => caseChainContext(bad, 'c.yaml', 'code_reviewer', 'implementation', 'm', base)).toThrow(
      /^c\.yaml: inputs\.memory\.decisions\.k: /,
    );
    const reserved = { ...spec, inputs: { ...spec.inputs, memory: { steps: [] } } };
    expect(() => caseChainContext(reserved, 'c.yaml', 'code_reviewer', 'implementation', 'm', base)).toThrow(
      'c.yaml: inputs.memory.steps: set by the eval',
    );
  });
});

describe('the shipped cases', () => {
  const root = path.join(builtinPromptsDir(), 'evals');
  it('give every prompt of the feature flow at least two valid cases', () => {
    for (const prompt of MACHINE_PROMPTS) {
      const dir = path.join(root, prompt);
      const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
      expect(files.length, prompt).toBeGreaterThanOrEqual(2);
      for (const f of files)
        expect(() => parseEvalCase(readFileSync(path.join(dir, f), 'utf8'), f)).not.toThrow();
    }
  });
});
