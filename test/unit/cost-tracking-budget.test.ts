import { describe, expect, it } from 'vitest';
import { PHASES, type CallRecord } from '../../src/chain/schema.js';
import { checkBudget, crossedAlerts, estimateCallCost } from '../../src/cost/budget.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import { deriveCostTracking } from '../../src/cost/tracking.js';
import { BudgetExceededError } from '../../src/errors.js';
import { rng } from '../helpers/rng.js';

function randomCalls(seed: number, n: number): CallRecord[] {
  const r = rng(seed);
  const int = (max: number) => Math.floor(r() * max);
  const pick = <T>(xs: readonly T[]) => xs[int(xs.length)]!;
  return Array.from({ length: n }, (_, i) => {
    const w5 = int(5000);
    const w1 = r() < 0.5 ? int(3000) : 0;
    return {
      id: i + 1,
      step: int(10),
      phase: pick(PHASES),
      prompt: pick(['requirement_disambiguator', 'trace_existing_flow', 'code_reviewer']),
      model: pick(['claude-sonnet-4-5', 'claude-haiku-4-5', 'local-model']),
      request_id: null,
      started_at: '2026-11-20T10:00:00.000Z',
      latency_ms: int(5000),
      usage: {
        input_tokens: int(4000),
        output_tokens: int(2000),
        cache_creation_input_tokens: w5 + w1,
        cache_read_input_tokens: int(50_000),
        ...(r() < 0.7
          ? { cache_creation: { ephemeral_5m_input_tokens: w5, ephemeral_1h_input_tokens: w1 } }
          : {}),
      },
      cost_usd: r() < 0.1 ? null : r() * 0.2,
      pricing_version: 'test',
    };
  });
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('deriveCostTracking', () => {
  it('is all zeros for no calls', () => {
    expect(deriveCostTracking([])).toMatchObject({
      tokens_used: 0,
      estimated_cost: 0,
      unpriced_calls: 0,
      by_phase: {},
    });
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('totals equal the sums of the calls (seed %i)', (seed) => {
    const calls = randomCalls(seed, 1 + ((seed * 13) % 60));
    const t = deriveCostTracking(calls);
    const priced = calls.filter((c) => c.cost_usd !== null);
    expect(t.input_tokens).toBe(sum(calls.map((c) => c.usage.input_tokens)));
    expect(t.output_tokens).toBe(sum(calls.map((c) => c.usage.output_tokens)));
    expect(t.cache_write_tokens).toBe(sum(calls.map((c) => c.usage.cache_creation_input_tokens ?? 0)));
    expect(t.cache_read_tokens).toBe(sum(calls.map((c) => c.usage.cache_read_input_tokens ?? 0)));
    expect(t.tokens_used).toBe(t.input_tokens + t.output_tokens + t.cache_write_tokens + t.cache_read_tokens);
    expect(t.unpriced_calls).toBe(calls.length - priced.length);
    const cost = sum(priced.map((c) => c.cost_usd!));
    expect(t.estimated_cost).toBeCloseTo(cost, 9);
    for (const map of [t.by_phase, t.by_prompt, t.by_model])
      expect(sum(Object.values(map))).toBeCloseTo(cost, 9);
    for (const [phase, usd] of Object.entries(t.by_phase)) {
      expect(usd).toBeCloseTo(sum(priced.filter((c) => c.phase === phase).map((c) => c.cost_usd!)), 9);
    }
  });
});

describe('budget', () => {
  const table = loadPriceTable();

  it('estimates input at the 5m cache-write rate and output at the output rate', () => {
    // sonnet 4.5: 10,000 * 3.75 + 2,000 * 15 = 67,500 micro-USD
    expect(estimateCallCost('claude-sonnet-4-5', 10_000, 2000, table)).toBeCloseTo(0.0675, 12);
    // above 200k: long-context rates 7.5 and 22.5 -> 250,000*7.5 + 1000*22.5 = 1,897,500
    expect(estimateCallCost('claude-sonnet-4-5', 250_000, 1000, table)).toBeCloseTo(1.8975, 12);
    expect(estimateCallCost('unknown-model', 10, 10, table)).toBeNull();
  });

  it('throws BudgetExceededError only when spent + next would pass the limit', () => {
    expect(() => checkBudget({ spentUsd: 0.9, nextCallUsd: 0.1, maxCostUsd: 1 })).not.toThrow();
    expect(() => checkBudget({ spentUsd: 0.9, nextCallUsd: 0.11, maxCostUsd: 1 })).toThrow(
      BudgetExceededError,
    );
    expect(() => checkBudget({ spentUsd: 5, nextCallUsd: 5, maxCostUsd: null })).not.toThrow();
    expect(() => checkBudget({ spentUsd: 1.2, nextCallUsd: null, maxCostUsd: 1 })).toThrow(
      BudgetExceededError,
    );
    let caught: unknown;
    try {
      checkBudget({ spentUsd: 0.5, nextCallUsd: 0.7, maxCostUsd: 1 });
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ spentUsd: 0.5, nextCallUsd: 0.7, maxCostUsd: 1, exitCode: 4 });
  });

  it('alerts once, at the crossing of each threshold', () => {
    const limits = { costAlertUsd: 5, tokenLimit: 80_000 };
    expect(crossedAlerts({ usd: 4, tokens: 70_000 }, { usd: 4.9, tokens: 79_999 }, limits)).toEqual([]);
    const both = crossedAlerts({ usd: 4.9, tokens: 79_999 }, { usd: 5, tokens: 80_000 }, limits);
    expect(both).toHaveLength(2);
    expect(both[0]).toContain('$5.00');
    expect(both[1]).toContain('80,000');
    expect(crossedAlerts({ usd: 5, tokens: 80_000 }, { usd: 9, tokens: 99_000 }, limits)).toEqual([]);
    expect(crossedAlerts({ usd: 4, tokens: 1 }, { usd: 6, tokens: 2 }, limits)).toHaveLength(1);
    expect(
      crossedAlerts(
        { usd: 0, tokens: 0 },
        { usd: 100, tokens: 1e9 },
        { costAlertUsd: null, tokenLimit: null },
      ),
    ).toEqual([]);
  });
});
