import { describe, expect, it } from 'vitest';
import { loadPriceTable } from '../../src/cost/prices.js';
import { chooseStepModel, stepCostUsd, type StepEstimate } from '../../src/cost/tierChoice.js';

const prices = loadPriceTable();
const HAIKU = 'claude-haiku-4-5';
const SONNET = 'claude-sonnet-4-6';
const OPUS = 'claude-opus-4-6';

/** A discovery step of three calls on the built-in prefix (about 8,100 tokens), written for an hour. */
const step = (outputPerCall: number, over: Partial<StepEstimate> = {}): StepEstimate => ({
  prefixTokens: 8_100,
  messageTokens: 1_000,
  calls: 3,
  outputPerCall,
  prefixTtl: '1h',
  ...over,
});

describe('the cache-aware tier choice', () => {
  it('prices a step from the table: prefix written or read, first message written then read, output', () => {
    // haiku, cold, 1h: 8,100 × $2 + 2 × 8,100 × $0.10 + 1,000 × $1.25 + 2 × 1,000 × $0.10 + 3 × 100 × $5 (per MTok)
    expect(stepCostUsd(HAIKU, false, step(100), prices)).toBeCloseTo(
      (8_100 * 2 + 2 * 810 + 1_250 + 200 + 1_500) / 1e6,
      10,
    );
    // sonnet, warm: the prefix read on all three calls
    expect(stepCostUsd(SONNET, true, step(100), prices)).toBeCloseTo(
      (3 * 8_100 * 0.3 + 1_000 * 3.75 + 2 * 1_000 * 0.3 + 3 * 100 * 15) / 1e6,
      10,
    );
    expect(stepCostUsd('no-such-model', true, step(100), prices)).toBeNull();
  });

  it('moves a step off a cold cheaper model when the prefix write costs more than the tier saves', () => {
    const choice = chooseStepModel(HAIKU, SONNET, false, step(100), prices);
    expect(choice.model).toBe(SONNET);
    expect(choice.chainUsd!).toBeLessThan(choice.declaredUsd!);
    expect(choice.reason).toMatch(/empty cache/);
  });

  it('keeps the cheaper model when the step writes enough to pay for the prefix, or its cache is warm', () => {
    const busy = chooseStepModel(HAIKU, SONNET, false, step(1_500), prices);
    expect(busy.model).toBe(HAIKU);
    expect(busy.declaredUsd!).toBeLessThan(busy.chainUsd!);
    expect(chooseStepModel(HAIKU, SONNET, true, step(100), prices).model).toBe(HAIKU);
  });

  it('a single call with a large prefix stays on the chain model; the 5-minute write is cheaper than the hour', () => {
    const big = step(1_500, { calls: 1, prefixTokens: 20_000 });
    expect(chooseStepModel(HAIKU, SONNET, false, big, prices).model).toBe(SONNET);
    const hour = stepCostUsd(HAIKU, false, big, prices)!;
    const five = stepCostUsd(HAIKU, false, { ...big, prefixTtl: '5m' }, prices)!;
    expect(hour - five).toBeCloseTo((20_000 * (2 - 1.25)) / 1e6, 10);
  });

  it('never moves a dearer tier (chosen for quality), the chain tier itself, or an unpriced model', () => {
    expect(chooseStepModel(OPUS, SONNET, false, step(100), prices).model).toBe(OPUS);
    expect(chooseStepModel(SONNET, SONNET, false, step(100), prices).model).toBe(SONNET);
    expect(chooseStepModel('my-local-model', SONNET, false, step(100), prices).model).toBe('my-local-model');
  });
});
