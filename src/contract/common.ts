/**
 * Shapes shared by the `--json` outputs (the JSON contract, README "JSON output"). Every output
 * module in this folder defines one document with zod; `npm run schemas` writes their JSON
 * Schemas to `schemas/`. At run time the CLI imports only the types (no zod on the hot path).
 */
import { z } from 'zod';
import { ChainStatusSchema, ConfidenceScoresSchema, PhaseSchema } from '../chain/schema.js';

export { ChainStatusSchema, ConfidenceScoresSchema, PhaseSchema };

/** `schema` of a document: `claude-exec/<name>@1`. */
export const schemaId = <N extends string>(name: N) =>
  z.literal(`claude-exec/${name}@1` as const).describe('which document this is, and its version');

const count = z.number().int().min(0);
export const CountSchema = count;
/** Calls billed by a Claude subscription (claude-code backend): counted in the tokens, not in the cost. */
export const SubscriptionCallsSchema = count.describe(
  'calls billed by a Claude subscription: in the tokens, not in the cost',
);

/** Tokens, always in this shape: input, output, cache write, cache read and their total. */
export const TokensSchema = z
  .object({ input: count, output: count, cache_write: count, cache_read: count, total: count })
  .describe('tokens by kind; total = input + output + cache_write + cache_read');

/** A cost: USD rounded to 1e-6, or null when none of its calls has a per-token price. */
export const CostSchema = z
  .number()
  .min(0)
  .nullable()
  .describe(
    'USD rounded to 1e-6 (priced calls only); null when none of the calls has a per-token price: an unpriced model, a subscription, the demo model',
  );

/**
 * How the calls are paid: `api` per token at the price table's rates; `subscription` covered by a
 * plan (tokens counted, no per-token cost); `demo` the built-in scripted model (no charge);
 * `mixed` more than one of these; `none` no call yet.
 */
export const BillingSchema = z
  .enum(['api', 'subscription', 'demo', 'mixed', 'none'])
  .describe('how the calls are paid');

/** What failed, the exit code it maps to, and how to fix it. */
export const ErrorInfoSchema = z.object({
  exit_code: z.number().int().describe('the process exit code (README "Exit codes")'),
  message: z.string(),
  hint: z.string().nullable().describe('how to fix it, or null'),
});

export const OpenQuestionSchema = z.object({
  id: z.string(),
  question: z.string(),
  why: z.string(),
  default_answer: z.string(),
});

/** What a paused chain waits for, as a human needs to see it. */
/** A question asked at the solution gate ("more info") and the answer uncertainty_resolver gave it. */
const GateAnswerSchema = z.object({
  question: z.string(),
  answer: z.string().nullable().describe('the answer (markdown); null when none was recorded'),
  step: z.number().int().min(1).nullable().describe('the uncertainty_resolver step that answered it'),
});

export const PendingViewSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('questions'), questions: z.array(OpenQuestionSchema) }),
    z.object({
      kind: z.literal('approval'),
      answers: z
        .array(GateAnswerSchema)
        .describe(
          'the "more info" questions asked since the solution gate was last decided, with their answers, oldest first; shown before the solution',
        ),
      solution: z.string().describe('the solution as presented (markdown)'),
      confidence: z.number().min(0).max(1),
    }),
    z.object({
      kind: z.literal('file-change'),
      path: z.string(),
      diff: z.string().describe('unified diff of the proposed change'),
    }),
  ])
  .describe('what the chain waits for');

/** One row of a cost breakdown (by prompt, phase, model or day). */
export const BreakdownRowSchema = z.object({
  key: z.string(),
  calls: count,
  unpriced_calls: count,
  subscription_calls: SubscriptionCallsSchema,
  tokens: TokensSchema,
  cost_usd: CostSchema,
  share: z
    .number()
    .min(0)
    .max(1)
    .nullable()
    .describe("this row's part of the priced cost; null when nothing is priced"),
  cache_read_share: z
    .number()
    .min(0)
    .max(1)
    .nullable()
    .describe(
      "cache read / (input + cache write + cache read) of this row's calls; null without prompt tokens",
    ),
});
