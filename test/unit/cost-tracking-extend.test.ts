/** cost_tracking added to one call at a time equals the sum of every call, to the last bit. */
import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/chain/schema.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import { deriveCostTracking, extendCostTracking } from '../../src/cost/tracking.js';
import { fakeChain } from '../helpers/chains.js';

describe('extendCostTracking', () => {
  it('one call at a time gives exactly deriveCostTracking of all, and leaves the base unchanged', () => {
    const { ctx } = fakeChain({
      n: 1,
      startedAt: new Date(Date.UTC(2026, 0, 1)),
      calls: 300,
      table: loadPriceTable(),
      seed: 7,
    });
    // Some unpriced and subscription calls among them.
    const calls: CallRecord[] = ctx.calls.map((c, i) =>
      i % 17 === 5 ? { ...c, cost_usd: null } : i % 23 === 3 ? { ...c, billing: 'subscription' as const } : c,
    );
    let running = deriveCostTracking([]);
    for (let i = 0; i < calls.length; i++) {
      const before = structuredClone(running);
      const next = extendCostTracking(running, [calls[i]!]);
      expect(running).toEqual(before);
      running = next;
    }
    const all = deriveCostTracking(calls);
    expect(running).toStrictEqual(all);
    expect(running.estimated_cost).toBe(all.estimated_cost);
    expect(all.unpriced_calls).toBeGreaterThan(0);
    expect(all.subscription_calls).toBeGreaterThan(0);
    expect(Object.keys(all.by_prompt).length).toBeGreaterThan(1);
  });
});
