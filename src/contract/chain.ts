/**
 * `claude-exec/chain@1`: one chain in full (`status ID --full --json`, and the web view's chain
 * page). Every field of `claude-exec/status@1` with the same meaning, plus the steps, every call,
 * the questions and answers, decisions, assumptions, uncertainties, the solution, the gate answers
 * and the chain's cost breakdown (`cost`, the `claude-exec/chain-cost@1` document).
 *
 * Each section is one top-level field, so a reader (the web page) renders a section per field and
 * hides it when the field is absent or empty; later fields are added the same way.
 */
import { z } from 'zod';
import { ChainCostOutputSchema } from './chain-cost.js';
import { BillingSchema, CostSchema, CountSchema, PhaseSchema, schemaId, TokensSchema } from './common.js';
import { StatusOutputSchema } from './status.js';

const unit = z.number().min(0).max(1);

const StepViewSchema = z.object({
  n: z.number().int().min(1),
  phase: PhaseSchema,
  prompt: z.string(),
  focus: z.string().nullable(),
  status: z.enum(['running', 'complete', 'failed']),
  started_at: z.string(),
  ended_at: z.string().nullable(),
  duration_ms: z.number().min(0).nullable().describe('started_at to ended_at, ms; null while it runs'),
  summary: z.string().nullable(),
  findings: z.array(z.string()).describe("the step result's findings (record_findings)"),
  risks: z.array(z.string()),
  verdict: z
    .object({ passed: z.boolean(), blocking_issues: z.array(z.string()) })
    .nullable()
    .describe('quality and readiness prompts: pass or fail, with what blocks'),
  confidence_before: unit.nullable().describe("the chain's overall confidence before the step"),
  confidence_after: unit.nullable().describe('and after it'),
  calls: CountSchema,
  tokens: TokensSchema,
  cost_usd: CostSchema,
  error: z.string().nullable(),
});
export type StepView = z.infer<typeof StepViewSchema>;

const CallViewSchema = z.object({
  id: z.number().int().min(1),
  step: z.number().int().min(0),
  phase: PhaseSchema,
  prompt: z.string(),
  model: z.string(),
  request_id: z.string().nullable().describe("the API's request id (for support)"),
  started_at: z.string(),
  latency_ms: z.number().min(0),
  tokens: TokensSchema,
  cost_usd: CostSchema,
  billing: BillingSchema,
});
export type CallView = z.infer<typeof CallViewSchema>;

export const ChainOutputSchema = StatusOutputSchema.extend({
  schema: schemaId('chain'),
  created_at: z.string(),
  updated_at: z.string(),
  running_steps: z
    .array(
      z.object({
        n: z.number().int().min(1),
        phase: PhaseSchema,
        prompt: z.string(),
        focus: z.string().nullable(),
        started_at: z.string(),
      }),
    )
    .describe('the steps running now (a batch runs several)'),
  steps: z.array(StepViewSchema),
  call_log: z.array(CallViewSchema).describe('every Messages API call, in order'),
  questions: z.array(
    z.object({
      id: z.string(),
      round: z.number().int().min(1),
      question: z.string(),
      why: z.string(),
      default_answer: z.string(),
      answer: z.string().nullable(),
      answered_by: z
        .enum(['user', 'assumed', 'file'])
        .nullable()
        .describe(
          'user: typed or given with --answer; assumed: the proposed default, by --yes; file: answer --file',
        ),
    }),
  ),
  decisions: z.array(z.object({ key: z.string(), choice: z.string(), rationale: z.string() })),
  assumptions: z.array(z.string()),
  uncertainties: z.array(
    z.object({
      area: z.string(),
      confidence: unit,
      resolved: z.boolean(),
      blocking: z.boolean(),
      resolution: z.string().nullable(),
    }),
  ),
  solution: z.string().nullable().describe('the solution as last presented at the approval gate (markdown)'),
  approvals: z.array(
    z.object({
      phase: PhaseSchema,
      kind: z.enum(['solution', 'file-change']),
      presented: z.string().describe('the solution presented, or the path of the file change'),
      response: z.enum(['approved', 'rejected', 'more-info']),
      note: z.string().nullable(),
      answer: z
        .string()
        .nullable()
        .describe('for more-info: the answer uncertainty_resolver gave the question (markdown); else null'),
      at: z.string(),
    }),
  ),
  files_modified: z.array(z.string()),
  cost: ChainCostOutputSchema,
});
export type ChainOutput = z.infer<typeof ChainOutputSchema>;
