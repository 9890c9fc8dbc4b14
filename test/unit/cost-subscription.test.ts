/**
 * Calls billed by a Claude subscription (claude-code backend): tokens counted, cost null and
 * marked `subscription` — never $0 — in cost_tracking, chain-cost, cost-report and their text;
 * and Claude Code's own cost figure compared with the price table.
 */
import { describe, expect, it } from 'vitest';
import type { ChainContext } from '../../src/chain/schema.js';
import { RunningTotals } from '../../src/cost/aggregate.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import { buildChainCost, buildCostReport, DEFAULT_THRESHOLDS } from '../../src/cost/report.js';
import { reportedCostMismatch } from '../../src/cost/reported.js';
import type { ReportChain } from '../../src/cost/scan.js';
import { deriveCostTracking } from '../../src/cost/tracking.js';
import { chainCostJson, costReportJson } from '../../src/contract/views/cost.js';
import { renderChainCost, renderCostReport } from '../../src/ui/costTables.js';
import { fakeChain } from '../helpers/chains.js';

const table = loadPriceTable();

/** A chain whose calls (all, or every other one) ran on a subscription. */
function chain(n: number, which: 'all' | 'half' | 'none'): ChainContext {
  const { ctx } = fakeChain({ n, startedAt: new Date('2026-11-20T10:00:00Z'), calls: 12, table });
  ctx.calls = ctx.calls.map((c, i) =>
    which === 'all' || (which === 'half' && i % 2 === 0)
      ? { ...c, billing: 'subscription' as const, cost_usd: null, session_id: 'sess', message_id: `msg_${i}` }
      : c,
  );
  ctx.cost_tracking = deriveCostTracking(ctx.calls);
  return ctx;
}

function scanOf(chains: ChainContext[]) {
  const totals = new RunningTotals();
  const out: ReportChain[] = chains.map((c) => {
    const sum = totals.sumChain(c.calls, Date.parse(c.created_at));
    totals.commit(sum);
    return {
      file: `${c.chain_id}.json`,
      chainId: c.chain_id,
      chainUid: c.chain_uid,
      slug: c.slug,
      goal: c.goal,
      status: c.status,
      startedAtMs: Date.parse(c.created_at),
      updatedAt: c.updated_at,
      totals: sum,
    };
  });
  return { chains: out, totals };
}

describe('subscription calls in the accounting', () => {
  it('cost_tracking counts their tokens and the calls, not as unpriced and not as dollars', () => {
    const all = chain(1, 'all');
    expect(all.cost_tracking).toMatchObject({
      subscription_calls: 12,
      unpriced_calls: 0,
      estimated_cost: 0,
      by_model: {},
    });
    expect(all.cost_tracking.tokens_used).toBe(
      all.calls.reduce(
        (n, c) =>
          n +
          c.usage.input_tokens +
          c.usage.output_tokens +
          (c.usage.cache_creation_input_tokens ?? 0) +
          (c.usage.cache_read_input_tokens ?? 0),
        0,
      ),
    );
    const half = chain(2, 'half');
    expect(half.cost_tracking.subscription_calls).toBe(6);
    expect(half.cost_tracking.estimated_cost).toBeCloseTo(
      half.calls.reduce((s, c) => s + (c.cost_usd ?? 0), 0),
      12,
    );
  });

  it('chain-cost: cost null and billing subscription, per prompt too; mixed chains keep the priced part', () => {
    const ctx = chain(1, 'all');
    const c = buildChainCost(ctx);
    expect(c).toMatchObject({
      billing: 'subscription',
      cost_usd: null,
      cost_per_prompt_usd: null,
      subscription_calls: 12,
      unpriced_calls: 0,
    });
    expect(
      c.by_prompt.every((r) => r.billing === 'subscription' && r.cost_usd === null && r.share === null),
    ).toBe(true);
    const json = chainCostJson(c, ctx, 'x.json');
    expect(json).toMatchObject({
      billing: 'subscription',
      cost_usd: null,
      cost_per_prompt_usd: null,
      subscription_calls: 12,
      unpriced_calls: 0,
    });
    expect(json.by_model.every((r) => r.cost_usd === null && r.subscription_calls === r.calls)).toBe(true);
    const text = renderChainCost(json, false);
    expect(text).toContain(
      'Estimated cost: subscription (12 call(s) on a Claude subscription, not billed per token)',
    );
    expect(text).toContain('Cost per prompt: subscription');
    expect(text).not.toMatch(/\$0\.0+\b/);

    const half = chain(2, 'half');
    const m = buildChainCost(half);
    expect(m.billing).toBe('mixed');
    expect(m.cost_usd).toBeGreaterThan(0);
    const mixed = chainCostJson(m, half, 'y.json');
    expect(mixed).toMatchObject({ billing: 'mixed', subscription_calls: 6 });
    expect(renderChainCost(mixed, false)).toMatch(
      /Estimated cost: \$\d+\.\d{4} \+ subscription \(6 call\(s\) on a Claude subscription/,
    );
  });

  it('cost-report: totals and chains marked subscription; an API chain beside them keeps its dollars', () => {
    const sub = chain(1, 'all');
    const api = chain(3, 'none');
    const onlySub = buildCostReport(scanOf([sub]), {
      by: 'model',
      top: 5,
      window: {},
      thresholds: DEFAULT_THRESHOLDS,
    });
    expect(onlySub.totals).toMatchObject({
      billing: 'subscription',
      cost_usd: null,
      subscription_calls: 12,
      unpriced_calls: 0,
    });
    expect(onlySub.average_cost_per_chain_usd).toBeNull();
    expect(onlySub.unpriced_models).toEqual([]);
    const json = costReportJson(onlySub, 5);
    expect(json.totals).toMatchObject({ cost_usd: null, subscription_calls: 12, unpriced_calls: 0 });
    expect(json.average_cost_per_chain_usd).toBeNull();
    expect(json.top_chains[0]).toMatchObject({ cost_usd: null, subscription_calls: 12 });
    const text = renderCostReport(json, false);
    expect(text).toContain(
      'Total cost: subscription (12 call(s) on a Claude subscription, not billed per token)',
    );
    expect(text).toContain('Average per chain: subscription');
    expect(text).toMatch(/chain-001-\S+ +\S+ .* subscription/);
    expect(text).not.toMatch(/\$0\.00\b/);

    const both = buildCostReport(scanOf([sub, api]), {
      by: 'prompt',
      top: 5,
      window: {},
      thresholds: DEFAULT_THRESHOLDS,
    });
    expect(both.totals.billing).toBe('mixed');
    expect(both.totals.cost_usd).toBeCloseTo(api.cost_tracking.estimated_cost, 12);
    expect(both.top_chains.map((c) => [c.chain_id, c.billing, c.cost_usd === null])).toEqual([
      [api.chain_id, 'api', false],
      [sub.chain_id, 'subscription', true],
    ]);
  });
});

describe('reportedCostMismatch (Claude Code total_cost_usd vs the price table)', () => {
  const calls = chain(4, 'none').calls.filter((c) => c.model === 'claude-sonnet-4-5');
  const ours = calls.reduce((s, c) => s + c.cost_usd!, 0);
  it('agrees within 0.5%, and reports a larger difference', () => {
    expect(reportedCostMismatch(calls, ours * 1.004, table)).toBeNull();
    expect(reportedCostMismatch(calls, ours * 1.02, table)).toEqual({
      ours: expect.closeTo(ours, 12),
      reported: ours * 1.02,
    });
  });
  it('has nothing to compare for unpriced or subscription calls', () => {
    expect(reportedCostMismatch([{ ...calls[0]!, model: 'local-model' }], 1, table)).toBeNull();
    expect(reportedCostMismatch([{ ...calls[0]!, billing: 'subscription' }], 1, table)).toBeNull();
  });
});
