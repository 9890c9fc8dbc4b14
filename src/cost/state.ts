/**
 * What cost/ owns of a chain's state: the running totals of its calls (context file `cost_tracking`;
 * src/cost/tracking.ts sums them) and their value before the first call.
 * Schema only: chain/schema.ts composes it (.dependency-cruiser.cjs allows exactly that).
 */
import { z } from 'zod';

const MoneyMap = z.record(z.string(), z.number());
export const CostTrackingSchema = z.object({
  tokens_used: z.number().int().min(0),
  input_tokens: z.number().int().min(0),
  output_tokens: z.number().int().min(0),
  cache_write_tokens: z.number().int().min(0),
  cache_read_tokens: z.number().int().min(0),
  estimated_cost: z.number().min(0),
  by_phase: MoneyMap,
  by_prompt: MoneyMap,
  by_model: MoneyMap,
  unpriced_calls: z.number().int().min(0),
  /** Calls billed by a Claude subscription: tokens counted, no per-token cost. */
  subscription_calls: z.number().int().min(0).default(0),
});
export type CostTracking = z.infer<typeof CostTrackingSchema>;

/** The cost tracking of a chain without calls: every total zero, every map empty. */
export function emptyCostTracking(): CostTracking {
  return {
    tokens_used: 0,
    input_tokens: 0,
    output_tokens: 0,
    cache_write_tokens: 0,
    cache_read_tokens: 0,
    estimated_cost: 0,
    by_phase: {},
    by_prompt: {},
    by_model: {},
    unpriced_calls: 0,
    subscription_calls: 0,
  };
}
