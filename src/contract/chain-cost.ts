/** `claude-exec/chain-cost@1`: one chain's tokens, cost, duration and breakdowns. */
import { z } from 'zod';
import { ForecastSchema } from '../chain/schema.js';
import {
  BillingSchema,
  BreakdownRowSchema,
  CostSchema,
  CountSchema,
  schemaId,
  TokensSchema,
  SubscriptionCallsSchema,
} from './common.js';

export const ChainCostOutputSchema = z.object({
  schema: schemaId('chain-cost'),
  chain_id: z.string(),
  slug: z.string(),
  goal: z.string(),
  status: z.string(),
  file: z.string(),
  billing: BillingSchema,
  created_at: z.string(),
  updated_at: z.string(),
  duration_ms: z.number().min(0).nullable(),
  calls: CountSchema,
  unpriced_calls: CountSchema,
  subscription_calls: SubscriptionCallsSchema,
  prompts_executed: CountSchema,
  tokens: TokensSchema,
  cache_write_by_ttl: z
    .object({ '5m': CountSchema, '1h': CountSchema })
    .describe('cache write tokens by cache lifetime'),
  cost_usd: CostSchema,
  cost_per_prompt_usd: CostSchema,
  cache_read_share: z.number().min(0).max(1).nullable(),
  by_prompt: z.array(BreakdownRowSchema),
  by_phase: z.array(BreakdownRowSchema),
  by_model: z.array(BreakdownRowSchema),
  forecast: ForecastSchema.nullable().describe(
    'the forecast made before the first call (median and 80% interval), to compare with the actual figures; null when none was made',
  ),
  model_time_ms: z
    .number()
    .min(0)
    .describe("sum of the calls' latencies (what the forecast's duration_ms measures)"),
});
export type ChainCostOutput = z.infer<typeof ChainCostOutputSchema>;
