/**
 * `claude-exec/run@1`: the outcome of run, resume, approve, answer and demo. `error` is set when
 * the process exits non-zero because of how the chain stopped (waiting, budget, API, interrupt).
 */
import { z } from 'zod';
import { SecondOpinionSchema } from '../chain/schema.js';
import { ReadinessSchema } from './spec.js';
import {
  BillingSchema,
  ChainStatusSchema,
  ConfidenceScoresSchema,
  CostSchema,
  CountSchema,
  ErrorInfoSchema,
  OpenQuestionSchema,
  PendingViewSchema,
  PhaseSchema,
  schemaId,
  TokensSchema,
} from './common.js';

export const RunOutputSchema = z.object({
  schema: z.union([schemaId('run'), schemaId('demo')]),
  chain_id: z.string(),
  file: z.string().describe('the context file'),
  workspace: z.string(),
  goal: z.string(),
  status: ChainStatusSchema,
  current_phase: PhaseSchema,
  model: z.string(),
  billing: BillingSchema,
  confidence: ConfidenceScoresSchema,
  pending: PendingViewSchema.nullable(),
  open_questions: z.array(OpenQuestionSchema),
  cost_usd: CostSchema,
  unpriced_calls: CountSchema,
  tokens: TokensSchema,
  calls: CountSchema,
  steps: CountSchema,
  files_modified: z.array(z.string()),
  next: z.string().nullable().describe('the command that continues or inspects the chain'),
  test_command: z
    .object({ argv: z.array(z.string()), source: z.string() })
    .nullable()
    .describe("the chain's test command and where it came from"),
  spec: z.string().nullable().describe("the chain's Markdown spec, once a solution was presented"),
  readiness: ReadinessSchema.nullable().describe(
    'the readiness checklist, once deployment readiness was reached',
  ),
  second_opinions: z
    .array(SecondOpinionSchema)
    .describe(
      'each quality gate judged twice (config quality_gates.second_opinion): both verdicts, whether they agree, the decision',
    ),
  error: ErrorInfoSchema.nullable(),
  exit_code: z.number().int(),
});
export type RunOutput = z.infer<typeof RunOutputSchema>;
