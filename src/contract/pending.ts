/** `claude-exec/pending@1`: what a paused chain waits for, and the commands that answer it. */
import { z } from 'zod';
import { ChainStatusSchema, PendingViewSchema, PhaseSchema, schemaId } from './common.js';

export const PendingOutputSchema = z.object({
  schema: schemaId('pending'),
  chain_id: z.string(),
  status: ChainStatusSchema,
  current_phase: PhaseSchema,
  pending: PendingViewSchema.nullable(),
  next: z.array(z.string()).describe('commands that answer or continue it'),
});
export type PendingOutput = z.infer<typeof PendingOutputSchema>;
