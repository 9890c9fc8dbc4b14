/**
 * A backend's own account of what its calls cost (Claude Code's `total_cost_usd`) against ours
 * from the price table. Pure.
 */
import type { Usage } from '../chain/schema.js';
import { costOfCall, type PriceTable } from './prices.js';

/**
 * Allowed difference: 0.5% of the larger figure, at least $0.000001 (float sums and rounding;
 * two editions of the same published prices agree exactly).
 */
const RELATIVE_TOLERANCE = 0.005;
const ABSOLUTE_TOLERANCE_USD = 1e-6;

/**
 * Our cost of `calls` (USD) and the reported one when they differ by more than the tolerance;
 * null when they agree, or when a call is unpriced or billed by subscription (nothing to compare).
 */
export function reportedCostMismatch(
  calls: readonly { usage: Usage; model: string; billing?: string }[],
  reportedUsd: number,
  table: PriceTable,
): { ours: number; reported: number } | null {
  let ours = 0;
  for (const call of calls) {
    if (call.billing === 'subscription') return null;
    const { cost_usd } = costOfCall(call.usage, call.model, table);
    if (cost_usd === null) return null;
    ours += cost_usd;
  }
  const diff = Math.abs(ours - reportedUsd);
  return diff > Math.max(ABSOLUTE_TOLERANCE_USD, RELATIVE_TOLERANCE * Math.max(ours, reportedUsd))
    ? { ours, reported: reportedUsd }
    : null;
}
