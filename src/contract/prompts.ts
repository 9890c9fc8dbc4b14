/** The `prompts …` outputs: `prompts-list@1`, `prompt@1` (show), `prompts-search@1`, `prompts-validate@1`, `prompts-stats@1`, `prompts-promote@1`. */
import { z } from 'zod';
import { CountSchema, PhaseSchema, schemaId } from './common.js';

const layer = z.enum(['built-in', 'user', 'extra', 'workspace']);
const cost = z.enum(['minimal', 'low', 'medium', 'high']);
const tools = z.enum(['none', 'read', 'write']);
const tier = z.enum(['fast', 'default', 'smart']);

export const PromptsListOutputSchema = z.object({
  schema: schemaId('prompts-list'),
  categories: z.array(z.string()).describe('every category of the library (not only those listed)'),
  prompts: z.array(
    z.object({
      name: z.string(),
      category: z.string(),
      cost_estimate: cost,
      tools,
      tier,
      phases: z.array(PhaseSchema),
      layer,
      overrides: z.array(layer),
      purpose: z.string(),
      file: z.string(),
      measured_cost: cost
        .nullable()
        .describe(
          "the class of its measured median run (contexts/.prompt-costs.json, 3+ finished runs); the selector's catalog shows it in place of cost_estimate",
        ),
    }),
  ),
});

export const PromptOutputSchema = z.object({
  schema: schemaId('prompt'),
  name: z.string(),
  category: z.string(),
  purpose: z.string(),
  good_for: z.array(z.string()),
  uncertainty_reduction: z.array(z.string()),
  example_context_needs: z.array(z.string()),
  cost_estimate: cost,
  phases: z.array(PhaseSchema),
  tools,
  tier,
  aliases: z.array(z.string()).describe('names of prompts merged into this one (they resolve to it)'),
  requires: z.array(z.string()).describe('fields of record_findings its result must contain'),
  body: z.string(),
  file: z.string(),
  layer,
  overrides: z.array(z.object({ layer, file: z.string() })),
});

export const PromptsSearchOutputSchema = z.object({
  schema: schemaId('prompts-search'),
  query: z.string(),
  hits: z
    .array(
      z.object({
        name: z.string(),
        category: z.string(),
        score: z.number().min(0),
        cost_estimate: cost,
        tools,
        purpose: z.string(),
      }),
    )
    .describe('best first'),
});

export const PromptsValidateOutputSchema = z.object({
  schema: schemaId('prompts-validate'),
  ok: z.boolean(),
  files: CountSchema,
  valid: CountSchema,
  issues: z.array(z.object({ file: z.string(), field: z.string(), problem: z.string() })),
});

export const PromptsStatsOutputSchema = z.object({
  schema: schemaId('prompts-stats'),
  chains: CountSchema,
  prompts: z.array(
    z.object({
      name: z.string(),
      runs: CountSchema,
      failures: CountSchema,
      avg_tokens: z.number().min(0),
      avg_cost_usd: z.number().min(0).nullable(),
      unpriced_calls: CountSchema,
      median_tokens: z
        .number()
        .min(0)
        .nullable()
        .describe('median uncached tokens of a finished run (input + cache write + output)'),
      cost_class: cost
        .nullable()
        .describe("the cost class of that median once 3 runs finished; the selector's catalog shows it"),
      avg_confidence_gain: z.number().nullable().describe("mean of the steps' confidence_gain (0..1 points)"),
      confidence_samples: CountSchema,
      chains: CountSchema.describe('distinct chains in which it ran'),
      median_cost_usd: z
        .number()
        .min(0)
        .nullable()
        .describe('median USD of a run whose calls were all priced'),
      dimensions: z
        .array(z.enum(['overall', 'requirements', 'technical_approach', 'implementation_details']))
        .describe(
          'the chain dimensions it is declared to assess; empty = its gain comes from the uncertainty areas it moved',
        ),
      findings: CountSchema.describe('memory entries (F/R/V/P) its finished runs produced'),
      cited: CountSchema.describe('of those, entries a later step of the same chain cited'),
      citation_rate: z.number().min(0).max(1).nullable(),
      retries: CountSchema.describe('runs repeated in the same chain after one of its runs failed'),
      rejected: CountSchema.describe('solution versions it wrote that the human rejected'),
      generated: z.boolean().describe('a chain generated it (prompt_generator)'),
    }),
  ),
  promotion_candidates: z
    .array(
      z.object({
        name: z.string(),
        chains: CountSchema,
        runs: CountSchema,
        avg_confidence_gain: z.number(),
        citation_rate: z.number().min(0).max(1).nullable(),
      }),
    )
    .describe(
      'generated prompts in prompts/custom/ that meet the promotion thresholds (`prompts promote NAME`)',
    ),
  skipped: z.array(z.object({ file: z.string(), error: z.string() })),
});

export const PromptsPromoteOutputSchema = z.object({
  schema: schemaId('prompts-promote'),
  name: z.string(),
  from: z.string().describe('absolute path it was moved from (prompts/custom/)'),
  to: z.string().describe('absolute path in the workspace library'),
  category: z.string(),
  history: z.string().describe('the history file written (prompts/.history/NAME.json)'),
  shortfalls: z.array(z.string()).describe('thresholds it missed (only with --force)'),
});
