/** `claude-exec/chains@1`: the chains of the contexts directories, oldest first. */
import { z } from 'zod';
import { BillingSchema, ChainStatusSchema, CostSchema, CountSchema, PhaseSchema, schemaId, TokensSchema } from './common.js';

export const ChainRowSchema = z.object({
  chain_id: z.string(),
  slug: z.string(),
  goal: z.string(),
  status: ChainStatusSchema,
  current_phase: PhaseSchema,
  model: z.string(),
  billing: BillingSchema,
  cost_usd: CostSchema,
  unpriced_calls: CountSchema,
  tokens: TokensSchema,
  calls: CountSchema,
  created_at: z.string(),
  updated_at: z.string(),
  file: z.string(),
});
export type ChainRowOutput = z.infer<typeof ChainRowSchema>;

export const ChainsOutputSchema = z.object({
  schema: schemaId('chains'),
  chains: z.array(ChainRowSchema),
  hidden: CountSchema.describe('chains left out: failed before their first call (shown with --all)'),
  warnings: z.array(z.string()).describe('context files that could not be read, skipped'),
});
export type ChainsOutput = z.infer<typeof ChainsOutputSchema>;
