/**
 * A saved eval run (`contexts/.evals/<run_id>.json`): every prompt × case × model × repeat with
 * its verdict, score, tokens, cost and latency. The same document is what `prompts eval --json`
 * prints (src/contract/evals.ts adds its `schema`).
 */
import { z } from 'zod';

const count = z.number().int().min(0);

const AssertionOutcomeSchema = z.object({
  type: z.string(),
  pass: z.boolean(),
  score: z.number().min(0).max(1),
  detail: z.string(),
});

const EvalResultSchema = z.object({
  prompt: z.string(),
  case: z.string().describe('the case file stem'),
  model: z.string(),
  repeat: z.number().int().min(1).describe('1-based repetition'),
  pass: z.boolean().describe('every assertion passed'),
  score: z.number().min(0).max(1).describe('mean of the assertion scores'),
  input_tokens: count.describe('uncached + cache write + cache read input tokens of the run, judge excluded'),
  output_tokens: count,
  cost_usd: z
    .number()
    .min(0)
    .nullable()
    .describe('USD of the run and its judge calls; null when a call had no price'),
  latency_ms: count.describe('wall time of the prompt run, ms'),
  calls: count,
  error: z.string().nullable().describe('why the run gave no result (the step failed, the API failed)'),
  assertions: z.array(AssertionOutcomeSchema),
  result: z.unknown().describe("the prompt's result tool input; null when it gave none"),
});
export type EvalResult = z.infer<typeof EvalResultSchema>;

export const EvalRunSchema = z.object({
  run_id: z.string(),
  created_at: z.string(),
  models: z.array(z.string()),
  repeat: z.number().int().min(1),
  max_cost_usd: z.number().nullable(),
  prompts: z.array(
    z.object({
      name: z.string(),
      layer: z.string(),
      sha256: z.string().describe('of the prompt file, to tell versions apart'),
    }),
  ),
  results: z.array(EvalResultSchema),
  skipped: z
    .array(
      z.object({
        prompt: z.string(),
        case: z.string(),
        model: z.string(),
        repeat: z.number().int(),
        reason: z.string(),
      }),
    )
    .describe('not started: --max-cost was reached'),
  totals: z.object({
    runs: count,
    passed: count,
    failed: count,
    skipped: count,
    cost_usd: z.number().min(0).nullable(),
    input_tokens: count,
    output_tokens: count,
  }),
});
export type EvalRun = z.infer<typeof EvalRunSchema>;

/** Totals over `results` (cost null when any result is unpriced and none is priced). Pure. */
export function runTotals(results: readonly EvalResult[], skipped: number): EvalRun['totals'] {
  const priced = results.filter((r) => r.cost_usd !== null);
  return {
    runs: results.length,
    passed: results.filter((r) => r.pass).length,
    failed: results.filter((r) => !r.pass).length,
    skipped,
    cost_usd: priced.length ? Math.round(priced.reduce((s, r) => s + r.cost_usd!, 0) * 1e6) / 1e6 : null,
    input_tokens: results.reduce((s, r) => s + r.input_tokens, 0),
    output_tokens: results.reduce((s, r) => s + r.output_tokens, 0),
  };
}
