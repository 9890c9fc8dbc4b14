/** The pattern outputs: `patterns-list@1`, `pattern@1` (show), `patterns-validate@1`, `patterns-remove@1`, `save-pattern@1`. */
import { z } from 'zod';
import { PatternFrontmatterSchema } from '../patterns/file.js';
import { CountSchema, CostSchema, schemaId } from './common.js';

const layer = z.enum(['user', 'workspace']);
const issue = z.object({ file: z.string(), field: z.string(), problem: z.string() });

export const PatternsListOutputSchema = z.object({
  schema: schemaId('patterns-list'),
  patterns: z.array(
    z.object({
      name: z.string(),
      task_kind: z.string(),
      layer,
      file: z.string(),
      source_chain: z.string(),
      questions: CountSchema,
      decisions: CountSchema,
      calls: CountSchema,
      cost_usd: CostSchema,
      uncertainty_path: z.array(z.number()),
    }),
  ),
  issues: z.array(issue).describe('pattern files that are invalid (left out)'),
});

export const PatternOutputSchema = PatternFrontmatterSchema.extend({
  schema: schemaId('pattern'),
  body: z.string(),
  file: z.string(),
  layer,
  overrides: z.string().nullable().describe('the user-layer file this workspace pattern replaces'),
});

export const PatternsValidateOutputSchema = z.object({
  schema: schemaId('patterns-validate'),
  ok: z.boolean(),
  files: CountSchema,
  valid: CountSchema,
  issues: z.array(issue),
});

export const PatternsRemoveOutputSchema = z.object({
  schema: schemaId('patterns-remove'),
  name: z.string(),
  file: z.string(),
  layer,
});

export const SavePatternOutputSchema = z.object({
  schema: schemaId('save-pattern'),
  chain_id: z.string(),
  name: z.string(),
  file: z.string(),
  reused: z.boolean().describe('an earlier extraction of this chain was reused (no call made)'),
  extraction_cost_usd: CostSchema.describe('what the pattern_extractor step cost (0 when reused)'),
  warning: z.string().nullable(),
  pattern: PatternFrontmatterSchema,
});
