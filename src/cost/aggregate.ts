/**
 * Running totals of calls (tokens by kind, priced cost, unpriced calls) and breakdown rows. Pure.
 */
import type { Usage } from '../chain/schema.js';
import { tokenCounts, type TokenCounts } from './usage.js';

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
    this.addCounts(tokenCounts(call.usage), call.cost_usd);
  }

  /** Adds one call from its token counts and cost (null: unpriced). */
  addCounts(t: TokenCounts, costUsd: number | null): void {
    this.calls += 1;
    this.input += t.input;
    this.output += t.output;
    this.cacheWrite5m += t.cacheWrite5m;
    this.cacheWrite1h += t.cacheWrite1h;
    this.cacheRead += t.cacheRead;
    if (costUsd === null) this.unpricedCalls += 1;
    else this.costUsd += costUsd;
  }

  /** Writes this total's FIELDS numbers into `out` at `at`. */
  packInto(out: Float64Array, at: number): void {
    out[at] = this.calls;
    out[at + 1] = this.unpricedCalls;
    out[at + 2] = this.costUsd;
    out[at + 3] = this.input;
    out[at + 4] = this.output;
    out[at + 5] = this.cacheWrite5m;
    out[at + 6] = this.cacheWrite1h;
    out[at + 7] = this.cacheRead;
  }

  /** Adds FIELDS numbers written by `pack`, starting at `at`. */
  addPacked(v: Float64Array, at: number): void {
    this.calls += v[at]!;
    this.unpricedCalls += v[at + 1]!;
    this.costUsd += v[at + 2]!;
    this.input += v[at + 3]!;
    this.output += v[at + 4]!;
    this.cacheWrite5m += v[at + 5]!;
    this.cacheWrite1h += v[at + 6]!;
    this.cacheRead += v[at + 7]!;
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

/** The fields of one call that reports use. */
export interface ReportCall {
  phase: string;
  prompt: string;
  model: string;
  started_at: string;
  usage: Usage;
  cost_usd: number | null;
}

export const GROUP_KEYS = ['prompt', 'phase', 'model', 'day'] as const;
export type GroupKey = (typeof GROUP_KEYS)[number];

/**
 * One chain's calls summed in total and by prompt, phase, model and day (UTC, of the call's
 * start). The groups are packed into one Float64Array (FIELDS numbers per group) because a
 * report keeps one of these per chain: thousands of small Maps and objects cost more in
 * garbage collection than reading the files (`npm run bench`).
 */
export interface ChainTotals {
  all: CallTotals;
  /** Per group: its kind (index into GROUP_KEYS) and key; its numbers are at values[i * FIELDS]. */
  kinds: number[];
  keys: string[];
  values: Float64Array;
}

/** Numbers per group in ChainTotals.values, in CallTotals.pack order. */
export const FIELDS = 8;

/** `YYYY-MM-DD` of an ISO time, or null (checked by character: this runs once per call of every chain). */
function dayOf(startedAt: unknown): string | null {
  if (typeof startedAt !== 'string' || startedAt.length < 10 || startedAt.charCodeAt(4) !== 45 || startedAt.charCodeAt(7) !== 45) return null;
  return startedAt.slice(0, 10);
}

function accumulate(map: Map<string, CallTotals>, key: string, t: TokenCounts, cost: number | null): void {
  let acc = map.get(key);
  if (!acc) map.set(key, (acc = new CallTotals()));
  acc.addCounts(t, cost);
}

/** Sums `calls`; a call without a usable `started_at` counts on `fallbackDay` (YYYY-MM-DD). */
export function summarizeCalls(calls: Iterable<ReportCall>, fallbackDay: string): ChainTotals {
  const all = new CallTotals();
  const index = GROUP_KEYS.map(() => new Map<string, CallTotals>());
  const [byPrompt, byPhase, byModel, byDay] = index as [Map<string, CallTotals>, Map<string, CallTotals>, Map<string, CallTotals>, Map<string, CallTotals>];
  for (const call of calls) {
    const t = tokenCounts(call.usage);
    const cost = call.cost_usd;
    all.addCounts(t, cost);
    accumulate(byPrompt, call.prompt, t, cost);
    accumulate(byPhase, call.phase, t, cost);
    accumulate(byModel, call.model, t, cost);
    accumulate(byDay, dayOf(call.started_at) ?? fallbackDay, t, cost);
  }
  let groups = 0;
  for (const map of index) groups += map.size;
  const kinds: number[] = [];
  const keys: string[] = [];
  const values = new Float64Array(groups * FIELDS);
  let at = 0;
  index.forEach((map, kind) => {
    for (const [key, acc] of map) {
      kinds.push(kind);
      keys.push(key);
      acc.packInto(values, at);
      at += FIELDS;
    }
  });
  return { all, kinds, keys, values };
}

/** Adds the groups of `kind` in `chain` into `target` (key -> totals). */
export function mergeGroups(target: Map<string, CallTotals>, chain: ChainTotals, kind: GroupKey): void {
  const k = GROUP_KEYS.indexOf(kind);
  for (let i = 0; i < chain.keys.length; i++) {
    if (chain.kinds[i] !== k) continue;
    const key = chain.keys[i]!;
    let acc = target.get(key);
    if (!acc) target.set(key, (acc = new CallTotals()));
    acc.addPacked(chain.values, i * FIELDS);
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
