/** `claude-exec/cost-report@1`: cost across the chains started in a window. Lists hold at most `top` entries. */
import { z } from 'zod';
import {
  BreakdownRowSchema,
  CostSchema,
  CountSchema,
  schemaId,
  SubscriptionCallsSchema,
  TokensSchema,
} from './common.js';

const share = z
  .number()
  .min(0)
  .max(1)
  .nullable()
  .describe('cache read / (input + cache write + cache read); null without prompt tokens');

export const CostReportOutputSchema = z.object({
  schema: schemaId('cost-report'),
  window: z
    .object({ since: z.string().nullable(), until: z.string().nullable() })
    .describe('ISO times; null for an open end'),
  top: CountSchema.describe('--top: the longest any list below may be'),
  totals: z.object({
    chains: CountSchema,
    calls: CountSchema,
    unpriced_calls: CountSchema,
    subscription_calls: SubscriptionCallsSchema,
    cost_usd: CostSchema,
    tokens: TokensSchema,
    cache_read_share: share,
  }),
  average_cost_per_chain_usd: CostSchema,
  top_chains: z.array(
    z.object({
      chain_id: z.string(),
      slug: z.string(),
      goal: z.string(),
      status: z.string(),
      started_at: z.string(),
      file: z.string(),
      calls: CountSchema,
      unpriced_calls: CountSchema,
      subscription_calls: SubscriptionCallsSchema,
      tokens: TokensSchema,
      cost_usd: CostSchema,
    }),
  ),
  breakdown: z.object({
    by: z.enum(['prompt', 'phase', 'model', 'day']),
    rows: z.array(BreakdownRowSchema),
    omitted: CountSchema.describe('rows beyond --top'),
  }),
  unpriced_models: z.array(z.object({ model: z.string(), calls: CountSchema, tokens: TokensSchema })),
  suggestions: z.array(z.object({ kind: z.string(), subject: z.string(), message: z.string() })),
});
export type CostReportOutput = z.infer<typeof CostReportOutputSchema>;
