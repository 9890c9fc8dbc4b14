/**
 * How a chain's calls are paid and what they cost, in the shapes the JSON contract shows
 * (src/contract/common.ts: tokens, cost or null, billing). Pure.
 */
import type { CallRecord, ChainContext, CostTracking } from './schema.js';

/** The name of the built-in scripted model of `claude-exec demo`: its calls have no price and are shown as "demo". */
export const DEMO_MODEL = 'demo';

/** Tokens by kind; total = input + output + cache write + cache read. */
export interface Tokens {
  input: number;
  output: number;
  cache_write: number;
  cache_read: number;
  total: number;
}

/** How calls are paid (the contract's `billing`). */
export type Billing = 'api' | 'subscription' | 'demo' | 'mixed' | 'none';

/** Tokens of a chain's cost tracking, in the contract's shape. */
export function tokensOf(t: CostTracking): Tokens {
  return {
    input: t.input_tokens,
    output: t.output_tokens,
    cache_write: t.cache_write_tokens,
    cache_read: t.cache_read_tokens,
    total: t.tokens_used,
  };
}

/**
 * USD (priced calls only), or null when there are calls and none of them has a per-token price
 * (`noPriceCalls`: unpriced calls plus calls billed by subscription), or the cost is null already.
 */
export function costOrNull(costUsd: number | null, calls: number, noPriceCalls: number): number | null {
  return costUsd === null || (calls > 0 && noPriceCalls >= calls) ? null : costUsd;
}

/**
 * How one call is paid: the demo model, a subscription (a call record with
 * `billing: 'subscription'`, written by the Claude Code backend), else the API per token.
 */
export function callBilling(call: CallRecord): Exclude<Billing, 'mixed' | 'none'> {
  if (call.model === DEMO_MODEL) return 'demo';
  return (call as { billing?: unknown }).billing === 'subscription' ? 'subscription' : 'api';
}

/**
 * The payment modes of a calls array's first `seen` records. Call records are only ever appended
 * (src/chain/journal.ts), so after a save only the new ones are looked at: a chain saved after
 * each of its thousands of calls does not go over all of them every time.
 */
const modesSeen = new WeakMap<readonly CallRecord[], { seen: number; modes: Set<Billing> }>();

function modesOf(calls: readonly CallRecord[]): Set<Billing> {
  let known = modesSeen.get(calls);
  if (!known || known.seen > calls.length) {
    known = { seen: 0, modes: new Set() };
    modesSeen.set(calls, known);
  }
  for (; known.seen < calls.length; known.seen++) known.modes.add(callBilling(calls[known.seen]!));
  return known.modes;
}

/** How a chain's calls are paid: one mode, `mixed`, or `none` before the first call (the demo says `demo` from the start). */
export function billingOf(ctx: ChainContext): Billing {
  const modes = modesOf(ctx.calls);
  if (modes.size === 0) return ctx.model === DEMO_MODEL ? 'demo' : 'none';
  return modes.size === 1 ? [...modes][0]! : 'mixed';
}
