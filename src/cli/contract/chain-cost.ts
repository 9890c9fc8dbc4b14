/** `claude-exec/chain-cost@1`: one chain's tokens, cost, duration and breakdowns. */
import { z } from 'zod';
import { BillingSchema, BreakdownRowSchema, CostSchema, CountSchema, schemaId, TokensSchema } from './common.js';

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
  prompts_executed: CountSchema,
  tokens: TokensSchema,
  cache_write_by_ttl: z.object({ '5m': CountSchema, '1h': CountSchema }).describe('cache write tokens by cache lifetime'),
  cost_usd: CostSchema,
  cost_per_prompt_usd: CostSchema,
  cache_read_share: z.number().min(0).max(1).nullable(),
  by_prompt: z.array(BreakdownRowSchema),
  by_phase: z.array(BreakdownRowSchema),
  by_model: z.array(BreakdownRowSchema),
});
export type ChainCostOutput = z.infer<typeof ChainCostOutputSchema>;
