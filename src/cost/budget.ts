/**
 * Budget checks made before every call, and the one-time alerts of COST_ALERT_THRESHOLD and
 * TOKEN_LIMIT_WARNING (config `limits.cost_alert_threshold_usd`, `limits.token_limit_warning`). Pure.
 */
import { BudgetExceededError } from '../errors.js';
import { priceFor, ratesFor, type PriceTable } from './prices.js';

/**
 * Estimated cost in USD of a call that is about to be made, or null when the model is unpriced.
 * Input tokens are priced at the higher of the input and 5-minute cache-write rates (a call
 * may write its whole prompt to the cache), output at the output rate, long-context rates when
 * the prompt exceeds the tier. An upper bound unless the call writes the 1-hour cache.
 */
export function estimateCallCost(
  model: string,
  estimatedInputTokens: number,
  expectedOutputTokens: number,
  table: PriceTable,
): number | null {
  const price = priceFor(table, model);
  if (!price) return null;
  const r = ratesFor(price, estimatedInputTokens);
  const inputRate = Math.max(r.input_mtok, r.cache_write_5m_mtok);
  return (estimatedInputTokens * inputRate + expectedOutputTokens * r.output_mtok) / 1e6;
}

/**
 * Throws BudgetExceededError when spent + the next call's estimate would pass the limit (USD).
 * No limit (null/undefined) never throws; an unpriced next call (null) counts as $0. `scope` names
 * a budget other than the chain's (a workflow step's) in the error.
 */
export function checkBudget(args: {
  spentUsd: number;
  nextCallUsd: number | null;
  maxCostUsd: number | null | undefined;
  scope?: string;
}): void {
  const { spentUsd, maxCostUsd } = args;
  const next = args.nextCallUsd ?? 0;
  if (maxCostUsd === null || maxCostUsd === undefined) return;
  if (spentUsd + next > maxCostUsd) throw new BudgetExceededError(spentUsd, next, maxCostUsd, args.scope);
}

export interface UsageMark {
  usd: number;
  tokens: number;
}

/**
 * Warnings for the thresholds crossed between `before` and `after` (one per threshold, only on
 * the call that crosses it: before < limit <= after). Null limits are off.
 */
export function crossedAlerts(
  before: UsageMark,
  after: UsageMark,
  limits: { costAlertUsd: number | null | undefined; tokenLimit: number | null | undefined },
): string[] {
  const out: string[] = [];
  const { costAlertUsd, tokenLimit } = limits;
  if (costAlertUsd != null && before.usd < costAlertUsd && after.usd >= costAlertUsd) {
    out.push(
      `cost alert: this chain has spent $${after.usd.toFixed(2)}, past the alert threshold of $${costAlertUsd.toFixed(2)} (COST_ALERT_THRESHOLD)`,
    );
  }
  if (tokenLimit != null && before.tokens < tokenLimit && after.tokens >= tokenLimit) {
    out.push(
      `token warning: this chain has used ${after.tokens.toLocaleString('en-US')} tokens, past the warning limit of ${tokenLimit.toLocaleString('en-US')} (TOKEN_LIMIT_WARNING)`,
    );
  }
  return out;
}
