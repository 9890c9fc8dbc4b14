/**
 * `claude-exec/prompts-eval@1`: one `prompts eval` run (the saved file in contexts/.evals/ without
 * `schema`, and `file`); `claude-exec/prompts-eval-compare@1`: `prompts eval --compare A B`, and the
 * comparison against the baseline of `--fail-on-regression`.
 */
import { z } from 'zod';
import { EvalRunSchema } from '../evals/run.js';
import type { EvalComparison } from '../features/library/evalCompare.js';
import { schemaId } from './common.js';

const side = z.object({
  passed: z.number().int().min(0),
  runs: z.number().int().min(0),
  mean_score: z.number().min(0).max(1).nullable(),
});

export const EvalCompareOutputSchema = z.object({
  schema: schemaId('prompts-eval-compare'),
  a: z
    .object({ label: z.string(), run_id: z.string(), model: z.string().nullable() })
    .describe('the baseline: a saved run, or one model of the latest run that has it'),
  b: z
    .object({ label: z.string(), run_id: z.string(), model: z.string().nullable() })
    .describe('the candidate'),
  alpha: z.number().describe('significance level of the regression test'),
  rows: z.array(
    z.object({
      prompt: z.string(),
      case: z.string(),
      model: z.string().nullable().describe('rows are kept per model when both sides are runs'),
      a: side,
      b: side,
      pass_rate_delta: z.number().nullable().describe("B's pass rate minus A's"),
      score_delta: z.number().nullable(),
      p_value: z.number().min(0).max(1).describe("two-sided Fisher's exact test on the pass counts"),
      regression: z.boolean().describe('B passes significantly less often (p < alpha)'),
    }),
  ),
  regressions: z.number().int().min(0),
}) satisfies z.ZodType<EvalComparison>;
export type EvalCompareOutput = z.infer<typeof EvalCompareOutputSchema>;

export const EvalOutputSchema = EvalRunSchema.extend({
  schema: schemaId('prompts-eval'),
  file: z.string().describe('where the run was saved'),
  comparison: EvalCompareOutputSchema.nullable().describe(
    'with --fail-on-regression: the comparison with the baseline run (null when there was none)',
  ),
});
export type EvalOutput = z.infer<typeof EvalOutputSchema>;
