/**
 * Running totals of calls (tokens by kind, priced cost, unpriced calls) and breakdown rows. Pure.
 */
import type { Usage } from '../chain/schema.js';
import { tokenCounts } from './usage.js';

/** Token totals by kind; `total` = input + output + cache_write + cache_read. */
export interface TokenTotals {
  input: number;
  output: number;
  cache_write: number;
  cache_read: number;
  total: number;
}

/** One row of a breakdown: `share` is this row's part of the priced cost (0..1), null when nothing is priced. */
export interface BreakdownRow {
  key: string;
  calls: number;
  unpriced_calls: number;
  tokens: TokenTotals;
  cost_usd: number;
  share: number | null;
}

export class CallTotals {
  calls = 0;
  unpricedCalls = 0;
  costUsd = 0;
  input = 0;
  output = 0;
  cacheWrite5m = 0;
  cacheWrite1h = 0;
  cacheRead = 0;

  add(call: { usage: Usage; cost_usd: number | null }): void {
    const t = tokenCounts(call.usage);
    this.calls += 1;
    this.input += t.input;
    this.output += t.output;
    this.cacheWrite5m += t.cacheWrite5m;
    this.cacheWrite1h += t.cacheWrite1h;
    this.cacheRead += t.cacheRead;
    if (call.cost_usd === null) this.unpricedCalls += 1;
    else this.costUsd += call.cost_usd;
  }

  merge(other: CallTotals): void {
    this.calls += other.calls;
    this.unpricedCalls += other.unpricedCalls;
    this.costUsd += other.costUsd;
    this.input += other.input;
    this.output += other.output;
    this.cacheWrite5m += other.cacheWrite5m;
    this.cacheWrite1h += other.cacheWrite1h;
    this.cacheRead += other.cacheRead;
  }

  tokens(): TokenTotals {
    const cache_write = this.cacheWrite5m + this.cacheWrite1h;
    return { input: this.input, output: this.output, cache_write, cache_read: this.cacheRead, total: this.input + this.output + cache_write + this.cacheRead };
  }

  /** cache read / (input + cache write + cache read); null when there were no prompt tokens. */
  cacheReadShare(): number | null {
    const prompt = this.input + this.cacheWrite5m + this.cacheWrite1h + this.cacheRead;
    return prompt > 0 ? this.cacheRead / prompt : null;
  }
}

/** Groups calls by `keyOf` into rows sorted by cost (then tokens) descending. */
export function breakdown<C extends { usage: Usage; cost_usd: number | null }>(
  calls: Iterable<C>,
  keyOf: (call: C) => string,
  totalCostUsd: number,
): BreakdownRow[] {
  const groups = new Map<string, CallTotals>();
  for (const call of calls) {
    const key = keyOf(call);
    let acc = groups.get(key);
    if (!acc) groups.set(key, (acc = new CallTotals()));
    acc.add(call);
  }
  return [...groups].map(([key, acc]) => toRow(key, acc, totalCostUsd)).sort((a, b) => b.cost_usd - a.cost_usd || b.tokens.total - a.tokens.total);
}

export function toRow(key: string, acc: CallTotals, totalCostUsd: number): BreakdownRow {
  return {
    key,
    calls: acc.calls,
    unpriced_calls: acc.unpricedCalls,
    tokens: acc.tokens(),
    cost_usd: acc.costUsd,
    share: totalCostUsd > 0 ? acc.costUsd / totalCostUsd : null,
  };
}
