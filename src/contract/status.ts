/** `claude-exec/status@1`: the progress of one chain (the seed's /status). */
import { z } from 'zod';
import {
  BillingSchema,
  ChainStatusSchema,
  ConfidenceScoresSchema,
  CostSchema,
  CountSchema,
  OpenQuestionSchema,
  PendingViewSchema,
  PhaseSchema,
  schemaId,
  TokensSchema,
} from './common.js';

export const StatusOutputSchema = z.object({
  schema: schemaId('status'),
  chain_id: z.string(),
  goal: z.string(),
  file: z.string(),
  status: ChainStatusSchema,
  current_phase: PhaseSchema,
  model: z.string(),
  billing: BillingSchema,
  phases: z.array(
    z.object({
      phase: PhaseSchema,
      started_at: z.string().describe('ISO time the phase started'),
      ended_at: z.string().nullable().describe('ISO time it ended; null while it runs'),
      duration_ms: z.number().min(0).nullable(),
      iterations: CountSchema,
      prompts: z.array(z.string()),
      exit_reason: z.string().nullable(),
      done: z.boolean().describe('ended, and not by a failure'),
      failed: z
        .boolean()
        .describe('ended by a failure, or the open phase of a failed or budget-stopped chain'),
    }),
  ),
  total_duration_ms: z.number().min(0).describe('created_at to updated_at, ms'),
  cost_usd: CostSchema,
  unpriced_calls: CountSchema,
  tokens: TokensSchema,
  calls: CountSchema,
  confidence: ConfidenceScoresSchema,
  pending: PendingViewSchema.nullable(),
  open_questions: z.array(OpenQuestionSchema),
  chain_error: z
    .string()
    .nullable()
    .describe('why the chain stopped (failed, budget, interrupted), as recorded in the context file'),
  next: z.string().nullable(),
  instructions: z
    .array(z.string())
    .describe(
      "AGENTS.md / CLAUDE.md files in the chain's system prompt (relative to the workspace, as of its last run)",
    ),
});
export type StatusOutput = z.infer<typeof StatusOutputSchema>;
