/**
 * The context file: one JSON document per chain, the single source of truth for it (DESIGN §3).
 * Versioned with `schema_version`; `parseChainContext` validates a parsed document.
 */
import { z } from 'zod';

import { SCHEMA_VERSION } from './version.js';

export { SCHEMA_VERSION };

export const PHASES = [
  'requirements-clarification',
  'context-building',
  'uncertainty-analysis',
  'solution-approval',
  'implementation',
  'deployment-readiness',
] as const;
export const PhaseSchema = z.enum(PHASES);
export type Phase = z.infer<typeof PhaseSchema>;

/** `paused`: stopped cleanly where `--until` asked; `resume` continues. */
export const CHAIN_STATUSES = ['running', 'paused', 'awaiting-input', 'complete', 'failed', 'budget-exceeded', 'cancelled'] as const;
export const ChainStatusSchema = z.enum(CHAIN_STATUSES);
export type ChainStatus = z.infer<typeof ChainStatusSchema>;

const isoDate = z.string();
const unit = z.number().min(0).max(1);

/** Usage exactly as the Messages API returned it (token counts; cache fields may be null or absent). */
export const UsageSchema = z.object({
  input_tokens: z.number().int().min(0),
  output_tokens: z.number().int().min(0),
  cache_creation_input_tokens: z.number().int().min(0).nullable().optional(),
  cache_read_input_tokens: z.number().int().min(0).nullable().optional(),
  cache_creation: z
    .object({
      ephemeral_5m_input_tokens: z.number().int().min(0).nullable().optional(),
      ephemeral_1h_input_tokens: z.number().int().min(0).nullable().optional(),
    })
    .nullable()
    .optional(),
}).loose();
export type Usage = z.infer<typeof UsageSchema>;

/**
 * How a call is paid: `api` per token (priced from the table), `subscription` through a Claude
 * plan (Claude Code's login): not billed per token, so its `cost_usd` is null. Absent = `api`.
 */
export const BillingSchema = z.enum(['api', 'subscription']);

/** One Messages API call (one HTTP request that returned a message). */
export const CallRecordSchema = z.object({
  id: z.number().int().min(1),
  step: z.number().int().min(0),
  phase: PhaseSchema,
  prompt: z.string(),
  model: z.string(),
  request_id: z.string().nullable(),
  /** The Claude Code session and the reply's message id (claude-code backend). */
  session_id: z.string().nullable().optional(),
  message_id: z.string().nullable().optional(),
  billing: BillingSchema.optional(),
  started_at: isoDate,
  latency_ms: z.number().min(0),
  usage: UsageSchema,
  /** USD; null when the model has no price or the call is billed by subscription. */
  cost_usd: z.number().min(0).nullable(),
  pricing_version: z.string(),
});
export type CallRecord = z.infer<typeof CallRecordSchema>;

export const PhaseRecordSchema = z.object({
  phase: PhaseSchema,
  started_at: isoDate,
  ended_at: isoDate.nullable(),
  duration_ms: z.number().min(0).nullable(),
  iterations: z.number().int().min(0),
  prompts_executed: z.array(z.string()),
  clarifications: z.array(z.string()),
  exit_reason: z.string().nullable(),
});
export type PhaseRecord = z.infer<typeof PhaseRecordSchema>;

export const UncertaintySchema = z.object({
  area: z.string(),
  confidence: unit,
  resolved: z.boolean(),
  blocking: z.boolean(),
  resolution: z.string().optional(),
});
export type Uncertainty = z.infer<typeof UncertaintySchema>;

export const ConfidenceScoresSchema = z.object({
  overall: unit,
  requirements: unit,
  technical_approach: unit,
  implementation_details: unit,
});
export type ConfidenceScores = z.infer<typeof ConfidenceScoresSchema>;

export const DecisionSchema = z.object({ choice: z.string(), rationale: z.string() });
export type Decision = z.infer<typeof DecisionSchema>;

export const QuestionSchema = z.object({
  id: z.string(),
  question: z.string(),
  why: z.string(),
  default_answer: z.string(),
  answer: z.string().nullable(),
  answered_by: z.enum(['user', 'assumed', 'file']).nullable(),
  round: z.number().int().min(1),
});
export type Question = z.infer<typeof QuestionSchema>;

export const GeneratedPromptSchema = z.object({
  name: z.string(),
  reason: z.string(),
  path: z.string(),
  effectiveness: z.number().optional(),
});

export const ApprovalSchema = z.object({
  phase: PhaseSchema,
  kind: z.enum(['solution', 'file-change']).default('solution'),
  presented: z.string(),
  user_response: z.enum(['approved', 'rejected', 'more-info']),
  note: z.string().nullable(),
  timestamp: isoDate,
});
export type Approval = z.infer<typeof ApprovalSchema>;

export const SessionMemorySchema = z.object({
  files_modified: z.array(z.string()),
  tests_written: z.array(z.string()),
  mistakes_corrected: z.array(z.string()),
  patterns_identified: z.array(z.string()),
  context_health: z.number().min(0).max(10),
});

export const StepSchema = z.object({
  n: z.number().int().min(1),
  phase: PhaseSchema,
  prompt: z.string(),
  focus: z.string().nullable().default(null),
  status: z.enum(['running', 'complete', 'failed']),
  started_at: isoDate,
  ended_at: isoDate.nullable(),
  summary: z.string().nullable(),
  /** Confidence (overall) before and after the step, for prompt effectiveness. */
  confidence_before: unit.nullable().default(null),
  confidence_after: unit.nullable().default(null),
  /** Sequence number of the machine effect this step belongs to (a batch has several steps). */
  effect: z.number().int().min(0).default(0),
  /** The validated result tool input (record_findings or choose_next_prompts). */
  result: z.unknown().optional(),
  error: z.string().nullable().default(null),
});
export type Step = z.infer<typeof StepSchema>;

const MoneyMap = z.record(z.string(), z.number());
export const CostTrackingSchema = z.object({
  tokens_used: z.number().int().min(0),
  input_tokens: z.number().int().min(0),
  output_tokens: z.number().int().min(0),
  cache_write_tokens: z.number().int().min(0),
  cache_read_tokens: z.number().int().min(0),
  estimated_cost: z.number().min(0),
  by_phase: MoneyMap,
  by_prompt: MoneyMap,
  by_model: MoneyMap,
  unpriced_calls: z.number().int().min(0),
  /** Calls billed by a Claude subscription: tokens counted, no per-token cost. */
  subscription_calls: z.number().int().min(0).default(0),
});
export type CostTracking = z.infer<typeof CostTrackingSchema>;

/** What a resumed or answered run must supply before the chain can go on. */
export const PendingSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('questions'), question_ids: z.array(z.string()) }),
  z.object({ kind: z.literal('approval'), presented: z.string() }),
  z.object({
    kind: z.literal('file-change'),
    path: z.string(),
    diff: z.string(),
    tool_use_id: z.string(),
  }),
]);
export type Pending = z.infer<typeof PendingSchema>;

export const CheckpointSchema = z.object({ phase: PhaseSchema, git_ref: z.string(), created_at: isoDate });

/**
 * The conversation of a step that is still running, saved after every call so that a crashed
 * or interrupted run can continue the step without repeating a completed call.
 */
export const InFlightSchema = z.object({
  step: z.number().int().min(1),
  messages: z.array(z.unknown()),
});

/* Phase-machine state, saved so that `resume` continues exactly where the chain stopped. */
export const PromptRunSchema = z.object({
  name: z.string(),
  focus: z.string().nullable(),
  question: z.string().nullable().optional(),
  feedback: z.string().nullable().optional(),
});
export type PromptRun = z.infer<typeof PromptRunSchema>;

export const EffectSchema = z.discriminatedUnion('kind', [
  /** Run one prompt; it ends with record_findings. */
  z.object({ kind: z.literal('prompt'), run: PromptRunSchema }),
  /** Run independent prompts concurrently (bounded). */
  z.object({ kind: z.literal('batch'), runs: z.array(PromptRunSchema) }),
  /** Context building: prompt_selector answers with choose_next_prompts. */
  z.object({ kind: z.literal('decide') }),
  /** Gate: ask the human the open clarifying questions. */
  z.object({ kind: z.literal('ask') }),
  /** Gate: the human approves, rejects or asks for more information. */
  z.object({ kind: z.literal('gate') }),
  /** prompt_generator writes a new prompt for the gap; validated and saved before use. */
  z.object({ kind: z.literal('generate'), gap: z.string() }),
  /** Save the workspace state as a git ref before the first write. */
  z.object({ kind: z.literal('checkpoint') }),
  /** Run the workspace's test command; `expect` says whether red or green is the goal. */
  z.object({ kind: z.literal('tests'), expect: z.enum(['red', 'green']) }),
  z.object({ kind: z.literal('complete') }),
  z.object({ kind: z.literal('fail'), reason: z.string() }),
]);
export type Effect = z.infer<typeof EffectSchema>;

export const MachineStateSchema = z.object({
  phase: PhaseSchema,
  clarification_rounds: z.number().int().min(0),
  context_iterations: z.number().int().min(0),
  analysis_loops: z.number().int().min(0),
  approval_rounds: z.number().int().min(0),
  implementation_iterations: z.number().int().min(0),
  generated_prompts: z.number().int().min(0),
  /** What context building should concentrate on (open uncertainties after analysis). */
  focus: z.string().nullable(),
  /** The human's rejection reason, carried into clarification. */
  feedback: z.string().nullable(),
  /** The effect that must run next (null before start). */
  awaiting: EffectSchema.nullable(),
  /** Incremented on every transition; steps record the effect they ran for. */
  seq: z.number().int().min(0).default(0),
});
export type MachineState = z.infer<typeof MachineStateSchema>;

export const ChainContextSchema = z.object({
  schema_version: z.literal(SCHEMA_VERSION),
  chain_id: z.string().regex(/^\d{3,}$/),
  /** Unique across machines: the same chain copied into two directories is counted once. */
  chain_uid: z.string().min(8),
  goal: z.string().min(1),
  slug: z.string(),
  status: ChainStatusSchema,
  created_at: isoDate,
  updated_at: isoDate,
  workspace: z.string(),
  model: z.string(),
  /** Model per tier for this chain (all three equal when --model was given). */
  models: z.object({ fast: z.string(), default: z.string(), smart: z.string() }),
  current_phase: PhaseSchema,
  until_phase: PhaseSchema.nullable().default(null),
  max_cost_usd: z.number().positive().nullable().default(null),
  error: z.string().nullable().default(null),
  phase_history: z.array(PhaseRecordSchema),
  discovered: z.record(z.string(), z.unknown()),
  uncertainties: z.array(UncertaintySchema),
  confidence_scores: ConfidenceScoresSchema,
  decisions: z.record(z.string(), DecisionSchema),
  questions: z.array(QuestionSchema),
  assumptions: z.array(z.string()),
  generated_prompts: z.array(GeneratedPromptSchema),
  approval_history: z.array(ApprovalSchema),
  session_memory: SessionMemorySchema,
  steps: z.array(StepSchema),
  calls: z.array(CallRecordSchema),
  cost_tracking: CostTrackingSchema,
  pending: PendingSchema.nullable(),
  checkpoints: z.array(CheckpointSchema),
  in_flight: z.array(InFlightSchema).default([]),
  /** An answer to the pending gate given by `approve` (consumed when the chain goes on). */
  gate_response: z
    .object({ kind: z.enum(['solution', 'file-change']), response: z.enum(['approved', 'rejected', 'more-info']), note: z.string().nullable(), path: z.string().nullable() })
    .nullable()
    .default(null),
  /** The solution as last presented at the approval gate (markdown). */
  solution: z.string().nullable().default(null),
  machine: MachineStateSchema,
});
export type ChainContext = z.infer<typeof ChainContextSchema>;
