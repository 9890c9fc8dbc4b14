/**
 * Optimisation suggestions derived from a cost report's figures (the seed's "Optimization
 * suggestions", made data-driven). Pure.
 */
import type { BreakdownRow, TokenTotals } from './aggregate.js';

export interface ReportThresholds {
  /** A chain above this many USD is worth breaking down (seed §11: "Chains over $1"). */
  chainCostUsd: number;
  /** A prompt is out of line when its cost share is at least this many times its share of calls… */
  promptCostRatio: number;
  /** …and at least this share of the cost. */
  minPromptShare: number;
  /** Cache reads below this share of prompt tokens are low (DESIGN §10 caching target: 70%). */
  minCacheReadShare: number;
}

export const DEFAULT_THRESHOLDS: ReportThresholds = {
  chainCostUsd: 1,
  promptCostRatio: 2,
  minPromptShare: 0.15,
  minCacheReadShare: 0.7,
};

export interface Suggestion {
  kind: 'chain-over-threshold' | 'prompt-out-of-line' | 'low-cache-read' | 'unpriced-model';
  /** What it is about: chain ids, a prompt name, a model. */
  subject: string;
  message: string;
}

interface Figures {
  chains: { chain_id: string; slug: string; cost_usd: number }[];
  promptRows: BreakdownRow[];
  totals: { calls: number; cost_usd: number | null; cache_read_share: number | null };
  unpriced: { model: string; calls: number; tokens: TokenTotals }[];
}

const usd = (n: number) => `$${n.toFixed(2)}`;
const pct = (n: number) => `${Math.round(n * 100)}%`;

/** Suggestions in a stable order: expensive chains, out-of-line prompts, caching, unpriced models. */
export function suggest(f: Figures, t: ReportThresholds): Suggestion[] {
  const out: Suggestion[] = [];
  const over = f.chains.filter((c) => c.cost_usd > t.chainCostUsd);
  if (over.length) {
    const named = over
      .slice(0, 3)
      .map((c) => `chain-${c.chain_id}-${c.slug} ${usd(c.cost_usd)}`)
      .join(', ');
    out.push({
      kind: 'chain-over-threshold',
      subject: over.map((c) => c.chain_id).join(','),
      message:
        `${over.length} chain(s) cost more than ${usd(t.chainCostUsd)} (${named}${over.length > 3 ? ', …' : ''}): ` +
        'break such tasks into smaller chains, or stop plan-only runs with --until solution-approval.',
    });
  }
  for (const row of f.promptRows) {
    if (row.share === null || f.totals.calls === 0) continue;
    const callShare = row.calls / f.totals.calls;
    if (row.share >= t.minPromptShare && row.share >= t.promptCostRatio * callShare) {
      out.push({
        kind: 'prompt-out-of-line',
        subject: row.key,
        message: `${row.key} takes ${pct(row.share)} of the cost but ${pct(callShare)} of the calls: give it less context (fewer or smaller files), or run it on the fast model tier.`,
      });
    }
  }
  const share = f.totals.cache_read_share;
  if (share !== null && share < t.minCacheReadShare && f.totals.calls > f.chains.length) {
    out.push({
      kind: 'low-cache-read',
      subject: 'cache',
      message:
        `only ${pct(share)} of prompt tokens were cache reads (target ${pct(t.minCacheReadShare)}): ` +
        'keep the system prefix byte-identical between calls and avoid long pauses (the 5-minute cache expires).',
    });
  }
  for (const m of f.unpriced) {
    out.push({
      kind: 'unpriced-model',
      subject: m.model,
      message: `${m.model} has no price (${m.calls} call(s), ${m.tokens.total.toLocaleString('en-US')} tokens are not in the cost): add it under "prices" in the config.`,
    });
  }
  return out;
}
