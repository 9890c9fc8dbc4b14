/** `claude-exec/doctor@1`: the checks of `claude-exec doctor`, and whether any failed. */
import { z } from 'zod';
import { schemaId } from './common.js';

export const DoctorOutputSchema = z.object({
  schema: schemaId('doctor'),
  ok: z.boolean().describe('false when a check failed (exit 1)'),
  checks: z.array(
    z.object({
      name: z.string().describe('node, git, sandbox, credentials, endpoint, contexts, claude-code'),
      status: z.enum(['ok', 'warn', 'fail', 'skip']),
      detail: z.string(),
      fix: z.string().nullable(),
    }),
  ),
});
