import { describe, expect, it } from 'vitest';
import { billingOf } from '../../src/chain/billing.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import { fakeChain } from '../helpers/chains.js';

describe("billingOf (how a chain's calls are paid)", () => {
  it('follows calls appended to the same array after it was asked, and a new array from scratch', () => {
    const { ctx } = fakeChain({
      n: 1,
      startedAt: new Date(Date.UTC(2026, 0, 1)),
      calls: 3,
      table: loadPriceTable(),
    });
    expect(billingOf(ctx)).toBe('api');
    // Appended in place, as the session records calls.
    ctx.calls.push({ ...ctx.calls[0]!, id: ctx.calls.length + 1, billing: 'subscription' });
    expect(billingOf(ctx)).toBe('mixed');
    // Fewer calls in another array (a head without its journaled calls): only those count.
    expect(billingOf({ ...ctx, calls: ctx.calls.slice(-1) })).toBe('subscription');
    expect(billingOf({ ...ctx, calls: [] })).toBe('none');
    const shorter = ctx.calls;
    shorter.length = 1;
    expect(billingOf(ctx)).toBe('api');
  });
});
