/** `claude-exec/init@1`, `claude-exec/rollback@1` and `claude-exec/apply@1`: what changed in the workspace. */
import { z } from 'zod';
import { schemaId } from './common.js';

export const InitOutputSchema = z.object({
  schema: schemaId('init'),
  workspace: z.string(),
  files: z.array(
    z.object({
      path: z.string(),
      action: z.enum(['created', 'updated', 'skipped']),
      note: z.string().optional(),
    }),
  ),
});

export const RollbackOutputSchema = z.object({
  schema: schemaId('rollback'),
  chain_id: z.string(),
  workspace: z.string().describe('the directory restored'),
  from: z.enum(['git', 'originals']).describe('the git checkpoint, or the originals kept without git'),
  git_ref: z.string().nullable(),
  restored: z.array(z.string()),
  removed: z.array(z.string()),
  kept: z.array(z.string()).describe('git-ignored files the checkpoint has no copy of'),
  changed: z
    .array(z.object({ path: z.string(), reason: z.string() }))
    .describe(
      'files changed since the chain wrote them (by the user or a later chain): kept, or restored with --force',
    ),
  forced: z.boolean().describe('--force: changed files were restored too'),
  saved: z
    .object({
      to: z.string().describe('the git ref or directory holding what the rollback overwrote or removed'),
      command: z.string().describe('the shell command that brings it back'),
    })
    .nullable()
    .describe('null when nothing was changed'),
});

export const ApplyOutputSchema = z.object({
  schema: schemaId('apply'),
  chain_id: z.string(),
  applied: z.array(z.string()).describe('sub-chains whose patch was applied, in dependency order'),
  empty: z.array(z.string()).describe('sub-chains that changed nothing'),
  files: z.array(z.string()).describe('paths changed in the workspace'),
  workspace: z.string(),
});
