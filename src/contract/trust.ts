/** `claude-exec/trust@1` (trust, --show, --revoke) and `claude-exec/trust-list@1` (trust --list). */
import { z } from 'zod';
import { TRUST_KINDS } from '../config/trust.js';
import { schemaId } from './common.js';

export const TrustOutputSchema = z.object({
  schema: schemaId('trust'),
  workspace: z.string().describe('the real path of the workspace (the trust key)'),
  action: z
    .enum(['trusted', 'shown', 'revoked', 'not-needed'])
    .describe(
      'trusted: stored now · shown: --show, nothing stored · revoked: --revoke · not-needed: nothing in the workspace needs trust',
    ),
  state: z
    .enum(['not-needed', 'trusted', 'changed', 'untrusted'])
    .describe('where the workspace stood before this command'),
  files: z
    .array(z.object({ file: z.string(), kind: z.enum(TRUST_KINDS) }))
    .describe('the files (or parts) that need trust'),
  changes: z.array(z.string()).describe('what those files would change, one line each'),
  hash: z.string().describe('sha256 over those files, as stored'),
  store: z.string().describe('the trust store file'),
});

export const TrustListOutputSchema = z.object({
  schema: schemaId('trust-list'),
  store: z.string(),
  workspaces: z.array(
    z.object({
      workspace: z.string(),
      trusted_at: z.string(),
      files: z.array(z.string()),
      state: z
        .enum(['not-needed', 'trusted', 'changed', 'untrusted', 'missing'])
        .describe('as the workspace is now; missing: the directory is gone'),
    }),
  ),
});
