/** The pure parts of the second opinion at the quality gates, and its config shapes. */
import { REFERENCE_CHAIN } from '../../src/features/learning/referenceChain.js';
import { describe, expect, it } from 'vitest';
import {
  answerPasses,
  disagreementQuestion,
  secondOpinionModel,
  standingFindings,
  verdictOf,
} from '../../src/engine/secondOpinion.js';
import { validateConfig } from '../../src/config/schema.js';
import { secondOpinionLines } from '../../src/cli/views/secondOpinion.js';
import { forecast } from '../../src/features/learning/forecast.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import { createCatalog } from '../../src/library/catalog.js';

const models = { fast: 'claude-haiku-4-5', default: 'claude-sonnet-4-6', smart: 'claude-opus-4-6' };
const pass = { summary: 'fine', verdict: { passed: true, blocking_issues: [] } };
const fail = (...issues: string[]) => ({
  summary: 'no',
  verdict: { passed: false, blocking_issues: issues },
});

describe('second opinion', () => {
  it('config: a list of prompts as before, or an object with second_opinion; unknown keys refused', () => {
    expect(validateConfig({ quality_gates: ['simplicity_checker'] }).config?.quality_gates).toEqual({
      prompts: ['simplicity_checker'],
      second_opinion: null,
    });
    expect(validateConfig({ quality_gates: { second_opinion: 'smart' } }).config?.quality_gates).toEqual({
      prompts: [],
      second_opinion: 'smart',
    });
    expect(validateConfig({}).config?.quality_gates).toEqual({ prompts: [], second_opinion: null });
    const typo = validateConfig({ quality_gates: { second_opnion: 'smart' } });
    expect(typo.config).toBeFalsy();
    expect(typo.issues.join('\n')).toMatch(/second_opnion/);
  });

  it('the model: a tier of the chain, or the model named; none without the setting', () => {
    expect(secondOpinionModel('smart', models)).toBe('claude-opus-4-6');
    expect(secondOpinionModel('claude-3-7-sonnet-latest', models)).toBe('claude-3-7-sonnet-latest');
    expect(secondOpinionModel(null, models)).toBeNull();
  });

  it('verdicts, answers and the findings that stand', () => {
    expect(verdictOf({ summary: 's' })).toEqual({ passed: true, blocking_issues: [] });
    expect(verdictOf(fail('a'))).toEqual({ passed: false, blocking_issues: ['a'] });
    for (const a of ['pass', 'Passed', ' accept it', 'yes']) expect(answerPasses(a)).toBe(true);
    for (const a of ['fail', '', 'passive-aggressive no', 'no']) expect(answerPasses(a)).toBe(false);
    expect(standingFindings(pass, fail('x'), 'failed').verdict).toEqual({
      passed: false,
      blocking_issues: ['x'],
    });
    expect(standingFindings(pass, fail('x'), 'passed')).toBe(pass);
    expect(standingFindings(fail('x', 'y'), fail('y', 'z'), 'failed').verdict).toEqual({
      passed: false,
      blocking_issues: ['x', 'y', 'z'],
    });
  });

  it('a disagreement asks which verdict stands, the stricter as the default, and is shown first at the end', () => {
    const o = {
      effect: 7,
      prompt: 'code_reviewer',
      first: { model: 'A', step: 3, passed: false, blocking_issues: ['leak'] },
      second: { model: 'B', step: 4, passed: true, blocking_issues: [] },
      agree: false,
    };
    const q = disagreementQuestion(o, 1);
    expect(q).toMatchObject({ id: 'SO7-code_reviewer', default_answer: 'fail', answer: null, round: 1 });
    expect(q.question).toContain('B (step 4) passes the change; A (step 3) blocks it: leak.');
    const lines = secondOpinionLines([
      {
        ...o,
        prompt: 'security_scanner',
        agree: true,
        first: { ...o.second },
        question_id: null,
        decision: 'passed',
        decided_by: 'agreement',
      },
      { ...o, question_id: q.id, decision: null, decided_by: null },
    ]);
    expect(lines).toEqual([
      'second opinion on code_reviewer: DISAGREE (A failed, B passed) → undecided (waiting for you; SO7-code_reviewer)',
      'second opinion on security_scanner: agree (B passed, B passed)',
    ]);
  });

  it('the forecast counts the two gates twice when a second opinion is set', () => {
    const deps = { catalog: createCatalog([]), model: 'claude-sonnet-4-6', prices: loadPriceTable() };
    const one = forecast('add a login page', [], deps);
    const two = forecast('add a login page', [], { ...deps, secondOpinion: true });
    // Each gate once more, at its calls per run on the reference chain (the no-history prior).
    const perRun = (name: string) =>
      REFERENCE_CHAIN.prompts[name]!.calls / REFERENCE_CHAIN.prompts[name]!.runs;
    expect(two.calls.median - one.calls.median).toBe(
      Math.round(perRun('code_reviewer') + perRun('security_scanner')),
    );
    expect(two.cost_usd!.median).toBeGreaterThan(one.cost_usd!.median);
  });
});
