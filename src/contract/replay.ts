/** `claude-exec/replay@1`: a replayed cassette, and the requests that differ from the recording. */
import { z } from 'zod';
import { schemaId } from './common.js';

export const ReplayOutputSchema = z.object({
  schema: schemaId('replay'),
  cassette: z.string(),
  chain_id: z.string(),
  goal: z.string(),
  commit: z.string(),
  requests: z.number().int().describe('requests the replayed chain sent'),
  recorded: z.number().int().describe('exchanges the cassette holds'),
  differences: z.array(
    z.object({
      seq: z.number().int(),
      prompt: z.string().nullable(),
      field: z.string().describe('JSON path of the first field that differs'),
      diff: z.string().describe('unified diff: the recorded request (---), the new one (+++)'),
    }),
  ),
  unused: z.number().int().describe('recorded exchanges no request asked for'),
  exit_code: z.number().int().describe("the replayed chain's exit code"),
  updated: z.boolean(),
});
