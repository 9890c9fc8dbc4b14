import { describe, expect, it } from 'vitest';
import { answersSinceDecision, gateAnswers } from '../../src/memory/gate-answers.js';
import { addStep, answerGate, chainOf } from '../helpers/memory.js';

const designed = () =>
  chainOf([
    {
      prompt: 'solution_synthesizer',
      phase: 'uncertainty-analysis',
      result: { summary: 's', solution: 'v1' },
    },
  ]);
const resolve = (ctx: ReturnType<typeof designed>, answer: string) =>
  addStep(ctx, {
    prompt: 'uncertainty_resolver',
    phase: 'solution-approval',
    result: { summary: `short ${answer}`, answer },
  });

describe('answers to the questions asked at the solution gate', () => {
  it('pairs each more-info question with the resolver step that answered it, in order', () => {
    let ctx = resolve(answerGate(designed(), 'more-info', 'logout?'), 'deny-list');
    ctx = answerGate(ctx, 'more-info', 'expiry?');
    expect(gateAnswers(ctx).map(({ question, answer }) => [question, answer])).toEqual([
      ['logout?', 'deny-list'],
      ['expiry?', null],
    ]);
    ctx = resolve(ctx, '15 minutes');
    expect(gateAnswers(ctx).map((g) => g.answer)).toEqual(['deny-list', '15 minutes']);
    expect(gateAnswers(ctx)[1]!.step).toBe(ctx.steps.at(-1)!.n);
  });

  it('shows at the gate only those asked since the solution was last approved or rejected', () => {
    let ctx = resolve(answerGate(designed(), 'more-info', 'old question'), 'old answer');
    expect(answersSinceDecision(ctx).map((g) => g.question)).toEqual(['old question']);
    ctx = answerGate(ctx, 'rejected', 'use sessions');
    expect(answersSinceDecision(ctx)).toEqual([]);
    ctx = resolve(answerGate(ctx, 'more-info', 'new question'), 'new answer');
    expect(answersSinceDecision(ctx).map((g) => [g.question, g.answer])).toEqual([
      ['new question', 'new answer'],
    ]);
  });

  it('falls back to the summary when the resolver gave no answer field', () => {
    const ctx = addStep(answerGate(designed(), 'more-info', 'q'), {
      prompt: 'uncertainty_resolver',
      phase: 'solution-approval',
      result: { summary: 'the summary' },
    });
    expect(gateAnswers(ctx)[0]!.answer).toBe('the summary');
  });
});
