/** `claude-exec/diff@1`: everything a chain changed in its workspace since its checkpoint. */
import { z } from 'zod';
import type { ChainDiff } from '../features/chains/chainDiff.js';
import { schemaId } from './common.js';

const DiffFileSchema = z.object({
  path: z.string().describe('workspace-relative, /-separated'),
  status: z.enum(['added', 'modified', 'deleted']),
  insertions: z.number().int().nullable().describe('lines added; null for a binary file'),
  deletions: z.number().int().nullable().describe('lines removed; null for a binary file'),
  by_chain: z
    .boolean()
    .describe(
      'the chain wrote this file (session_memory.files_modified); false: changed by someone else since the checkpoint',
    ),
});

export const DiffOutputSchema = z.object({
  schema: schemaId('diff'),
  chain_id: z.string(),
  workspace: z.string(),
  from: z
    .enum(['git', 'originals'])
    .describe('compared with the git checkpoint, or with the originals kept without git'),
  git_ref: z.string().nullable(),
  files: z.array(DiffFileSchema),
  patch: z
    .string()
    .nullable()
    .describe('the unified diff (no external diff or textconv driver); null with --stat'),
}) satisfies z.ZodType<ChainDiff>;
