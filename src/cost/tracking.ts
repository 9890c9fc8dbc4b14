/**
 * A chain's `cost_tracking`, derived from its `calls[]` (DESIGN §3: it always equals their sum). Pure.
 */
import type { CallRecord, CostTracking } from '../chain/schema.js';
import { emptyCostTracking } from './state.js';
import { tokenCounts } from './usage.js';

const add = (map: Record<string, number>, key: string, usd: number) => {
  map[key] = (map[key] ?? 0) + usd;
};

/**
 * Sums `calls`: tokens by kind (tokens_used = input + output + cache write + cache read),
 * `estimated_cost` and the USD maps by phase, prompt and model over priced calls, the number of
 * unpriced calls (cost_usd null) and of calls billed by subscription, which add tokens but no
 * dollars.
 */
export function deriveCostTracking(calls: readonly CallRecord[]): CostTracking {
  return extendCostTracking(emptyCostTracking(), calls);
}

/**
 * `base` (the sum of calls before these, as deriveCostTracking gave it) with `calls` added, in
 * order: equal, to the last bit, to deriveCostTracking of all of them, at the cost of the new
 * calls alone. `base` is not changed.
 */
export function extendCostTracking(base: CostTracking, calls: readonly CallRecord[]): CostTracking {
  const out: CostTracking = {
    ...base,
    by_phase: { ...base.by_phase },
    by_prompt: { ...base.by_prompt },
    by_model: { ...base.by_model },
  };
  for (const call of calls) {
    const t = tokenCounts(call.usage);
    out.input_tokens += t.input;
    out.output_tokens += t.output;
    out.cache_write_tokens += t.cacheWrite5m + t.cacheWrite1h;
    out.cache_read_tokens += t.cacheRead;
    if (call.billing === 'subscription') {
      out.subscription_calls += 1;
      continue;
    }
    if (call.cost_usd === null) {
      out.unpriced_calls += 1;
      continue;
    }
    out.estimated_cost += call.cost_usd;
    add(out.by_phase, call.phase, call.cost_usd);
    add(out.by_prompt, call.prompt, call.cost_usd);
    add(out.by_model, call.model, call.cost_usd);
  }
  out.tokens_used = out.input_tokens + out.output_tokens + out.cache_write_tokens + out.cache_read_tokens;
  return out;
}
