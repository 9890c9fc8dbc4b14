/** `claude-exec/chains@1`: the chains of the contexts directories, oldest first (the newest 50 unless --all or --limit). */
import { z } from 'zod';
import type { ChainRow } from '../chain/row.js';
import {
  BillingSchema,
  ChainStatusSchema,
  CostSchema,
  CountSchema,
  PhaseSchema,
  schemaId,
  TokensSchema,
} from './common.js';

const ChainRowSchema = z.object({
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
  confidence: z.number().min(0).max(1).describe("the chain's overall confidence, 0..1"),
  duration_ms: z.number().min(0).describe('created_at to updated_at, ms'),
  parent: z.string().nullable().describe('the chain this is a sub-chain of (--split), or null'),
  children: z.array(z.string()).describe('its sub-chains (--split), in plan order'),
  workflow: z.string().describe('the workflow it runs (feature: the phase flow)'),
}) satisfies z.ZodType<ChainRow>;
export type ChainRowOutput = z.infer<typeof ChainRowSchema>;

export const ChainsOutputSchema = z.object({
  schema: schemaId('chains'),
  chains: z.array(ChainRowSchema),
  hidden: CountSchema.describe('chains left out: failed before their first call (shown with --all)'),
  older: CountSchema.describe(
    'older chains left out by the limit (newest 50 by default; --limit N, --all lists every chain)',
  ),
  warnings: z.array(z.string()).describe('context files that could not be read, skipped'),
});
export type ChainsOutput = z.infer<typeof ChainsOutputSchema>;
