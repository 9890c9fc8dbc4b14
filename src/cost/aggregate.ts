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

/**
 * How a group of calls was paid: all per token (`api`), all through a Claude subscription (not
 * billed per token), or some of each (`mixed`).
 */
export type GroupBilling = 'api' | 'subscription' | 'mixed';

/**
 * One row of a breakdown: `share` is this row's part of the priced cost (0..1), null when nothing
 * is priced; `cost_usd` is null when every call was billed by subscription.
 */
export interface BreakdownRow {
  key: string;
  calls: number;
  unpriced_calls: number;
  subscription_calls: number;
  billing: GroupBilling;
  tokens: TokenTotals;
  cost_usd: number | null;
  share: number | null;
}

export class CallTotals {
  calls = 0;
  unpricedCalls = 0;
  /** Calls billed by subscription: tokens counted, no cost, not unpriced. */
  subscriptionCalls = 0;
  costUsd = 0;
  input = 0;
  output = 0;
  cacheWrite5m = 0;
  cacheWrite1h = 0;
  cacheRead = 0;

  add(call: { usage: Usage; cost_usd: number | null; billing?: string }): void {
    this.addCounts(tokenCounts(call.usage), call.cost_usd, call.billing === 'subscription');
  }

  /** Adds one call from its token counts and cost (null: unpriced, or billed by subscription). */
  addCounts(t: TokenCounts, costUsd: number | null, subscription = false): void {
    this.addTokens(t.input, t.output, t.cacheWrite5m, t.cacheWrite1h, t.cacheRead, costUsd, subscription);
  }

  /** Adds one call from its tokens by kind (TokenCounts order) and cost (null: unpriced, or billed by subscription). */
  addTokens(
    input: number,
    output: number,
    cacheWrite5m: number,
    cacheWrite1h: number,
    cacheRead: number,
    costUsd: number | null,
    subscription = false,
  ): void {
    this.calls += 1;
    this.input += input;
    this.output += output;
    this.cacheWrite5m += cacheWrite5m;
    this.cacheWrite1h += cacheWrite1h;
    this.cacheRead += cacheRead;
    if (subscription) this.subscriptionCalls += 1;
    else if (costUsd === null) this.unpricedCalls += 1;
    else this.costUsd += costUsd;
  }

  /** How these calls were paid. */
  billing(): GroupBilling {
    return this.subscriptionCalls === 0
      ? 'api'
      : this.subscriptionCalls === this.calls
        ? 'subscription'
        : 'mixed';
  }

  /** The cost to show: USD of the calls billed per token, null when all were billed by subscription. */
  cost(): number | null {
    return this.calls > 0 && this.subscriptionCalls === this.calls ? null : this.costUsd;
  }

  /** Adds (`sign` 1) or takes away (-1) the nine figures of `a` from index `at` (`toArray` order), as `merge` does. */
  mergeFigures(a: ArrayLike<number>, at: number, sign: 1 | -1 = 1): void {
    this.calls += sign * a[at]!;
    this.unpricedCalls += sign * a[at + 1]!;
    this.subscriptionCalls += sign * a[at + 2]!;
    this.costUsd += sign * a[at + 3]!;
    this.input += sign * a[at + 4]!;
    this.output += sign * a[at + 5]!;
    this.cacheWrite5m += sign * a[at + 6]!;
    this.cacheWrite1h += sign * a[at + 7]!;
    this.cacheRead += sign * a[at + 8]!;
  }

  /** Adds (`sign` 1) or takes away (-1) `other`'s numbers. */
  merge(other: CallTotals, sign: 1 | -1 = 1): void {
    this.calls += sign * other.calls;
    this.unpricedCalls += sign * other.unpricedCalls;
    this.subscriptionCalls += sign * other.subscriptionCalls;
    this.costUsd += sign * other.costUsd;
    this.input += sign * other.input;
    this.output += sign * other.output;
    this.cacheWrite5m += sign * other.cacheWrite5m;
    this.cacheWrite1h += sign * other.cacheWrite1h;
    this.cacheRead += sign * other.cacheRead;
  }

  /** Back to zero. */
  reset(): void {
    this.calls =
      this.unpricedCalls =
      this.subscriptionCalls =
      this.costUsd =
      this.input =
      this.output =
      this.cacheWrite5m =
      this.cacheWrite1h =
      this.cacheRead =
        0;
  }

  /** Whether every number equals `other`'s exactly. */
  equals(other: CallTotals): boolean {
    return (
      this.calls === other.calls &&
      this.unpricedCalls === other.unpricedCalls &&
      this.subscriptionCalls === other.subscriptionCalls &&
      this.costUsd === other.costUsd &&
      this.input === other.input &&
      this.output === other.output &&
      this.cacheWrite5m === other.cacheWrite5m &&
      this.cacheWrite1h === other.cacheWrite1h &&
      this.cacheRead === other.cacheRead
    );
  }

  /** The figures as an array (`fromFigures` reads it back): calls, unpriced, subscription, USD, input, output, cache write 5m, 1h, cache read. */
  toArray(): number[] {
    return [
      this.calls,
      this.unpricedCalls,
      this.subscriptionCalls,
      this.costUsd,
      this.input,
      this.output,
      this.cacheWrite5m,
      this.cacheWrite1h,
      this.cacheRead,
    ];
  }

  /** The totals of the nine figures of `a` from index `at` (`toArray` order). */
  static fromFigures(a: ArrayLike<number>, at = 0): CallTotals {
    // Assigned, not added to zero: every bit as given.
    const t = new CallTotals();
    t.calls = a[at]!;
    t.unpricedCalls = a[at + 1]!;
    t.subscriptionCalls = a[at + 2]!;
    t.costUsd = a[at + 3]!;
    t.input = a[at + 4]!;
    t.output = a[at + 5]!;
    t.cacheWrite5m = a[at + 6]!;
    t.cacheWrite1h = a[at + 7]!;
    t.cacheRead = a[at + 8]!;
    return t;
  }

  tokens(): TokenTotals {
    const cache_write = this.cacheWrite5m + this.cacheWrite1h;
    return {
      input: this.input,
      output: this.output,
      cache_write,
      cache_read: this.cacheRead,
      total: this.input + this.output + cache_write + this.cacheRead,
    };
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
  billing?: string;
}

export const GROUP_KEYS = ['prompt', 'phase', 'model', 'day'] as const;
export type GroupKey = (typeof GROUP_KEYS)[number];

/** `YYYY-MM-DD` of an ISO time, or null (checked by character: this runs once per call of every chain). */
function dayOf(startedAt: unknown): string | null {
  if (
    typeof startedAt !== 'string' ||
    startedAt.length < 10 ||
    startedAt.charCodeAt(4) !== 45 ||
    startedAt.charCodeAt(7) !== 45
  )
    return null;
  return startedAt.slice(0, 10);
}

/** One group: its key, its running sum, and its part of the chain being summed (zero between chains). */
interface Slot {
  /** Its kind: the GROUP_KEYS index. */
  kind: number;
  key: string;
  sum: CallTotals;
  chain: CallTotals;
}

/** Numbers per group in KeptGroups.figures: its kind, its key, its nine figures. */
export const KEPT_GROUP_WIDTH = 11;

/**
 * A chain's sums by group, as kept between runs, flat (few objects: a report reads 10,000 of
 * them): group i is `figures[i*11 .. i*11+10]`: the GROUP_KEYS index of its kind, the index of
 * its key in `keys` (which may hold the keys of many chains), then its nine figures in
 * `CallTotals.toArray` order.
 */
export interface KeptGroups {
  keys: readonly string[];
  figures: ArrayLike<number>;
}

/**
 * The groups of one kind, key -> slot, remembering the last one used: consecutive calls mostly
 * share a phase and a day (and, within a step, a prompt and a model), and one string compare
 * costs less than a Map lookup, this being done four times per call of every chain.
 */
class Grouping {
  readonly slots = new Map<string, Slot>();
  private lastKey = '';
  private last: Slot | null = null;

  constructor(readonly kind: number) {}

  /** The pending part of group `key`, noted in `touched` on its first call of the chain. */
  pending(key: string, touched: Slot[]): CallTotals {
    let slot = this.last;
    if (slot === null || key !== this.lastKey) {
      slot = this.slotOf(key);
      this.lastKey = key;
      this.last = slot;
    }
    if (slot.chain.calls === 0) touched.push(slot);
    return slot.chain;
  }

  /** The slot of `key`, made (and so placed in the order of first appearance) when new. */
  slotOf(key: string): Slot {
    let slot = this.slots.get(key);
    if (!slot)
      this.slots.set(key, (slot = { kind: this.kind, key, sum: new CallTotals(), chain: new CallTotals() }));
    return slot;
  }

  /**
   * `pending` by the day of `startedAt`, or else the UTC day of `fallbackMs` (ms since the
   * epoch); the day is sliced only when it changes.
   */
  pendingDay(startedAt: unknown, fallbackMs: number, touched: Slot[]): CallTotals {
    // Every key here is a YYYY-MM-DD day, so a time starting with the last one is of that day.
    const same = this.last !== null && typeof startedAt === 'string' && startedAt.startsWith(this.lastKey);
    return this.pending(
      same ? this.lastKey : (dayOf(startedAt) ?? new Date(fallbackMs).toISOString().slice(0, 10)),
      touched,
    );
  }
}

/**
 * Calls of many chains summed in total and by prompt, phase, model and day (UTC, of the call's
 * start), one chain at a time: a report adds each chain as it reads its file, so nothing per
 * call or per group is kept per chain (kept for thousands of chains until the report is built,
 * such small objects cost more in garbage collection than the per-call sums: `npm run bench`).
 *
 * A chain goes in two steps: `sumChain` sums its calls per group on their own, then `commit`
 * adds those sums to the running ones (or `discard` drops them). So every figure is a sum of
 * per-chain sums in the order the chains were committed, and a chain can be taken away again
 * (`commit(total, -1)`) from the same per-chain sums it was added with, when a newer copy of it
 * turns up.
 */
export class RunningTotals {
  readonly all = new CallTotals();
  private readonly groupings = GROUP_KEYS.map((_, kind) => new Grouping(kind));
  /** The slots the pending chain has calls in. */
  private readonly touched: Slot[] = [];

  /**
   * Sums the calls of one chain, pending until `commit` or `discard`; a call without a usable
   * `started_at` counts on the UTC day of `fallbackMs` (ms since the epoch; the chain's start).
   * Returns the chain's total.
   */
  sumChain(calls: readonly ReportCall[], fallbackMs: number): CallTotals {
    const chain = new CallTotals();
    const [byPrompt, byPhase, byModel, byDay] = this.groupings as [Grouping, Grouping, Grouping, Grouping];
    const touched = this.touched;
    for (const call of calls) {
      // tokenCounts inlined: no object per call.
      const u = call.usage;
      const split = u.cache_creation;
      const w1h = split?.ephemeral_1h_input_tokens ?? 0;
      let w5m = split?.ephemeral_5m_input_tokens ?? 0;
      const rest = (u.cache_creation_input_tokens ?? 0) - w5m - w1h;
      if (rest > 0) w5m += rest;
      const input = u.input_tokens;
      const output = u.output_tokens;
      const read = u.cache_read_input_tokens ?? 0;
      const cost = call.cost_usd;
      const sub = call.billing === 'subscription';
      chain.addTokens(input, output, w5m, w1h, read, cost, sub);
      byPrompt.pending(call.prompt, touched).addTokens(input, output, w5m, w1h, read, cost, sub);
      byPhase.pending(call.phase, touched).addTokens(input, output, w5m, w1h, read, cost, sub);
      byModel.pending(call.model, touched).addTokens(input, output, w5m, w1h, read, cost, sub);
      byDay
        .pendingDay(call.started_at, fallbackMs, touched)
        .addTokens(input, output, w5m, w1h, read, cost, sub);
    }
    return chain;
  }

  /**
   * Adds (`sign` 1) or takes away (-1) the pending chain; `chain` is the total `sumChain`
   * returned for it. A sum left without calls is set to exactly zero (no rounding residue).
   */
  commit(chain: CallTotals, sign: 1 | -1 = 1): void {
    this.all.merge(chain, sign);
    if (this.all.calls === 0) this.all.reset();
    for (const slot of this.touched) {
      slot.sum.merge(slot.chain, sign);
      if (slot.sum.calls === 0) slot.sum.reset();
      slot.chain.reset();
    }
    this.touched.length = 0;
  }

  /**
   * The pending chain's sums by group (copies), each group once, in the order its calls met them:
   * what `commitKept` adds again later, without the calls.
   */
  pendingGroups(): KeptGroups {
    const keys: string[] = [];
    // A typed array: its figures are kept outside the heap the garbage collector copies (a report
    // keeps those of 10,000 chains until it writes the cost index).
    const figures = new Float64Array(this.touched.length * KEPT_GROUP_WIDTH);
    // By kind, then in the order the calls met them.
    const touched =
      this.touched.length > 1 ? [...this.touched].sort((a, b) => a.kind - b.kind) : this.touched;
    let at = 0;
    for (const slot of touched) {
      const c = slot.chain;
      figures[at] = slot.kind;
      figures[at + 1] = keys.push(slot.key) - 1;
      figures[at + 2] = c.calls;
      figures[at + 3] = c.unpricedCalls;
      figures[at + 4] = c.subscriptionCalls;
      figures[at + 5] = c.costUsd;
      figures[at + 6] = c.input;
      figures[at + 7] = c.output;
      figures[at + 8] = c.cacheWrite5m;
      figures[at + 9] = c.cacheWrite1h;
      figures[at + 10] = c.cacheRead;
      at += KEPT_GROUP_WIDTH;
    }
    return { keys, figures };
  }

  /**
   * Adds (`sign` 1) or takes away (-1) a chain from the sums `sumChain` gave for it before
   * (`chain` its total, `groups` from `pendingGroups`): the very figures `commit` adds, so a
   * report from kept sums equals one from the calls to the last bit. Nothing may be pending.
   */
  commitKept(chain: CallTotals, groups: KeptGroups, sign: 1 | -1 = 1): void {
    this.all.merge(chain, sign);
    if (this.all.calls === 0) this.all.reset();
    const { keys, figures } = groups;
    for (let at = 0; at < figures.length; at += KEPT_GROUP_WIDTH) {
      const slot = this.groupings[figures[at]!]!.slotOf(keys[figures[at + 1]!]!);
      slot.sum.mergeFigures(figures, at + 2, sign);
      if (slot.sum.calls === 0) slot.sum.reset();
    }
  }

  /** Drops the pending chain. */
  discard(): void {
    for (const slot of this.touched) slot.chain.reset();
    this.touched.length = 0;
  }

  /**
   * Every group with calls as [kind (GROUP_KEYS index), key, running sum], by kind and in the
   * order `groups` gives them: what `restore` takes.
   */
  *kept(): Generator<[number, string, CallTotals]> {
    for (const grouping of this.groupings)
      for (const [key, slot] of grouping.slots) if (slot.sum.calls > 0) yield [grouping.kind, key, slot.sum];
  }

  /**
   * Running totals whose `all` and `groups` are the ones given (`groups` as `kept` gives them):
   * a report over them equals the report over the totals they were taken from.
   */
  static restore(all: CallTotals, groups: Iterable<[number, string, CallTotals]>): RunningTotals {
    const totals = new RunningTotals();
    // Copied, not added to zero: every bit as given.
    Object.assign(totals.all, all);
    for (const [kind, key, sum] of groups) Object.assign(totals.groupings[kind]!.slotOf(key).sum, sum);
    return totals;
  }

  /** The groups of `kind` with calls, key -> running sum, in order of first appearance. */
  groups(kind: GroupKey): Map<string, CallTotals> {
    const out = new Map<string, CallTotals>();
    for (const [key, slot] of this.groupings[GROUP_KEYS.indexOf(kind)]!.slots)
      if (slot.sum.calls > 0) out.set(key, slot.sum);
    return out;
  }
}

/** Groups calls by `keyOf` into rows sorted by cost (then tokens) descending. */
export function breakdown<C extends { usage: Usage; cost_usd: number | null; billing?: string }>(
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
  return [...groups].map(([key, acc]) => toRow(key, acc, totalCostUsd)).sort(byCost);
}

/** Most expensive first (a subscription-only row counts as $0), then most tokens. */
export function byCost(a: BreakdownRow, b: BreakdownRow): number {
  return (b.cost_usd ?? 0) - (a.cost_usd ?? 0) || b.tokens.total - a.tokens.total;
}

export function toRow(key: string, acc: CallTotals, totalCostUsd: number): BreakdownRow {
  return {
    key,
    calls: acc.calls,
    unpriced_calls: acc.unpricedCalls,
    subscription_calls: acc.subscriptionCalls,
    billing: acc.billing(),
    tokens: acc.tokens(),
    cost_usd: acc.cost(),
    share: totalCostUsd > 0 ? acc.costUsd / totalCostUsd : null,
  };
}
