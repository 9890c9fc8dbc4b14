/**
 * After a budget stop the suggested --max-cost must be enough to go on (not a doubling that stops
 * again at once), and a chain forecast far above its cap warns before its first call.
 */
import { describe, expect, it } from 'vitest';
import { forecastOverCapWarning, roundUpUsd, suggestedMaxCost } from '../../src/cost/suggestCap.js';
import { nextCommands } from '../../src/contract/views/chain.js';
import { emptyChain } from '../helpers/memory.js';

describe('suggestedMaxCost', () => {
  it('covers the forecast of the whole chain when the cap was far below it', () => {
    // --max-cost 0.01 against a forecast of $0.187 (80%: $0.080–$0.354): not 0.02.
    expect(suggestedMaxCost({ spentUsd: 0, maxCostUsd: 0.01, forecastHighUsd: 0.354 })).toBe(0.36);
  });

  it('is at least twice what was spent when the forecast was too low, or without one', () => {
    expect(suggestedMaxCost({ spentUsd: 0.5, maxCostUsd: 0.5, forecastHighUsd: 0.3 })).toBe(1);
    expect(suggestedMaxCost({ spentUsd: 0.19, maxCostUsd: 0.2, forecastHighUsd: null })).toBe(0.4);
  });

  it('rounds up to two significant figures', () => {
    expect([roundUpUsd(0.3541), roundUpUsd(1.234), roundUpUsd(0.0102), roundUpUsd(2), roundUpUsd(0)]).toEqual(
      [0.36, 1.3, 0.011, 2, 0.01],
    );
  });

  it('is what the next command of a budget-stopped chain says', () => {
    const ctx = { ...emptyChain(), chain_id: '004', status: 'budget-exceeded' as const, max_cost_usd: 0.01 };
    ctx.forecast = {
      basis: 'declared-classes',
      rests_on: 'x',
      chains: [],
      cost_usd: { median: 0.187, low: 0.08, high: 0.354 },
      calls: { median: 18, low: 18, high: 18 },
      duration_ms: null,
    };
    expect(nextCommands(ctx)[0]).toBe('claude-exec resume 004 --max-cost 0.36');
  });
});

describe('forecastOverCapWarning', () => {
  it('warns when the forecast median is far above the cap, naming a cap that covers it', () => {
    const w = forecastOverCapWarning({ median: 0.8, high: 1.5 }, 0.01);
    expect(w).toBe(
      "the forecast ($0.800) is 80× the --max-cost of $0.01: the chain will very likely stop at the cap (exit 4); --max-cost 1.5 covers the forecast's 80% range",
    );
  });

  it('says nothing without a cap, without a forecast, or when the forecast is near the cap', () => {
    expect(forecastOverCapWarning({ median: 0.8, high: 1.5 }, null)).toBeNull();
    expect(forecastOverCapWarning(null, 0.01)).toBeNull();
    expect(forecastOverCapWarning({ median: 0.3, high: 0.6 }, 0.2)).toBeNull();
  });
});
