/**
 * The context file: one JSON document per chain, the single source of truth for it (DESIGN §3).
 * Versioned with `schema_version`; `parseChainContext` validates a parsed document.
 */
import { z } from 'zod';

import { HookReportSchema } from '../hooks/state.js';
import { CostTrackingSchema } from '../cost/state.js';
export { type CostTracking } from '../cost/state.js';
import { McpCallSchema } from '../mcp/state.js';
export { type McpCall } from '../mcp/state.js';
import { MemoryDigestSchema } from '../memory/state.js';

import { PatternUseSchema } from '../patterns/state.js';
export { type PatternUse } from '../patterns/state.js';
import { SCHEMA_VERSION } from './version.js';

export { SCHEMA_VERSION } from './version.js';

import { PHASES } from './phases.js';
export { PHASES } from './phases.js';

export const PhaseSchema = z.enum(PHASES);
export type Phase = z.infer<typeof PhaseSchema>;

/** `paused`: stopped cleanly where `--until` asked; `resume` continues. */
const CHAIN_STATUSES = [
  'running',
  'paused',
  'awaiting-input',
  'complete',
  'failed',
  'budget-exceeded',
  'cancelled',
] as const;
export const ChainStatusSchema = z.enum(CHAIN_STATUSES);
export type ChainStatus = z.infer<typeof ChainStatusSchema>;

const isoDate = z.string();
const unit = z.number().min(0).max(1);

/** Usage exactly as the Messages API returned it (token counts; cache fields may be null or absent). */
const UsageSchema = z
  .object({
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
  })
  .loose();
export type Usage = z.infer<typeof UsageSchema>;

/**
 * How a call is paid: `api` per token (priced from the table), `subscription` through a Claude
 * plan (Claude Code's login): not billed per token, so its `cost_usd` is null. Absent = `api`.
 */
const BillingSchema = z.enum(['api', 'subscription']);

/** One Messages API call (one HTTP request that returned a message). */
const CallRecordSchema = z.object({
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
  /** Set when the call went to the fallback model (config `fallback_model`): the model that failed and why. */
  fallback: z.object({ from: z.string(), reason: z.string() }).optional(),
});
export type CallRecord = z.infer<typeof CallRecordSchema>;

const PhaseRecordSchema = z.object({
  phase: PhaseSchema,
  started_at: isoDate,
  ended_at: isoDate.nullable(),
  duration_ms: z.number().min(0).nullable(),
  iterations: z.number().int().min(0),
  prompts_executed: z.array(z.string()),
  clarifications: z.array(z.string()),
  exit_reason: z.string().nullable(),
});

const UncertaintySchema = z.object({
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

/** Confidence as a result reports it: only the dimensions that step gave. */
const PartialConfidenceSchema = z.object({
  overall: unit.optional(),
  requirements: unit.optional(),
  technical_approach: unit.optional(),
  implementation_details: unit.optional(),
});
export type PartialConfidence = z.infer<typeof PartialConfidenceSchema>;

const DecisionSchema = z.object({ choice: z.string(), rationale: z.string() });

const QuestionSchema = z.object({
  id: z.string(),
  question: z.string(),
  why: z.string(),
  default_answer: z.string(),
  answer: z.string().nullable(),
  answered_by: z.enum(['user', 'assumed', 'file']).nullable(),
  round: z.number().int().min(1),
});
export type Question = z.infer<typeof QuestionSchema>;

const GeneratedPromptSchema = z.object({
  name: z.string(),
  reason: z.string(),
  path: z.string(),
  effectiveness: z.number().optional(),
});

const ApprovalSchema = z.object({
  phase: PhaseSchema,
  kind: z.enum(['solution', 'file-change']).default('solution'),
  presented: z.string(),
  user_response: z.enum(['approved', 'rejected', 'more-info']),
  note: z.string().nullable(),
  timestamp: isoDate,
});

const SessionMemorySchema = z.object({
  files_modified: z.array(z.string()),
  tests_written: z.array(z.string()),
  mistakes_corrected: z.array(z.string()),
  patterns_identified: z.array(z.string()),
  context_health: z.number().min(0).max(10),
});

const StepSchema = z.object({
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
  /**
   * The validated result tool input, whole (record_findings or choose_next_prompts): findings
   * with their citations, risks, proposed questions, verdict, solution, … Nothing a prompt
   * records is dropped; the chain memory (src/memory) renders later prompts' `{{context}}` from it.
   * A finished step is never changed again (the store may move it to the companion file).
   */
  result: z.unknown().optional(),
  error: z.string().nullable().default(null),
  /** The confidence this step's result reported (only the dimensions it gave), whether or not it changed the chain's. */
  confidence_reported: PartialConfidenceSchema.nullable().default(null),
  /**
   * What this step added to confidence, 0..1 points (negative when it lowered it): the mean change
   * of the chain dimensions its prompt is declared to assess (src/memory/confidence.ts), else of the
   * uncertainty areas it updated; null when it assessed neither. `prompts stats` averages it.
   */
  confidence_gain: z.number().min(-1).max(1).nullable().default(null),
  /** The MCP tool calls the model made in this step, in order (absent when none). */
  mcp_calls: z.array(McpCallSchema).optional(),
  /** Set on a step a fork took from its source chain without a call (`fork ID --from-step N`). */
  reused_from: z.object({ chain_id: z.string(), step: z.number().int().min(1) }).optional(),
  /** Set on a quality gate's second run: the model of the second opinion (src/engine/secondOpinion.ts). */
  second_opinion: z.string().optional(),
});
export type Step = z.infer<typeof StepSchema>;

/** What a resumed or answered run must supply before the chain can go on. */
const PendingSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('questions'), question_ids: z.array(z.string()) }),
  z.object({ kind: z.literal('approval'), presented: z.string() }),
  z.object({
    kind: z.literal('file-change'),
    path: z.string(),
    diff: z.string(),
    tool_use_id: z.string(),
  }),
]);

/** One acceptance criterion of the clarified requirements, id `AC1`, `AC2`, … stable across restatements. */
const RequirementSchema = z.object({
  id: z.string(),
  text: z.string(),
  /** The step that last stated it. */
  step: z.number().int().min(0),
});
export type Requirement = z.infer<typeof RequirementSchema>;

/** One file of solution_designer's plan. */
const FilePlanItemSchema = z.object({
  path: z.string(),
  action: z.enum(['create', 'modify', 'delete']),
  change: z.string(),
});

/**
 * One version of the solution document. solution_synthesizer writes a version; uncertainty_resolver
 * adds one (with its `reason`) when an answer changes the design. The gate's presentation is kept
 * beside the version it presents, never over it; solution_designer's file plan is kept on the
 * version it plans (the approved one).
 */
const SolutionVersionSchema = z.object({
  version: z.number().int().min(1),
  /** The step and prompt that wrote it. */
  step: z.number().int().min(0),
  prompt: z.string(),
  created_at: isoDate,
  /** The design, markdown, verbatim. */
  text: z.string(),
  /** Why this version replaced the previous one (null for the first). */
  reason: z.string().nullable(),
  status: z.enum(['proposed', 'approved', 'rejected', 'superseded']),
  /** When the human (or --yes) approved or rejected it. */
  decided_at: isoDate.nullable(),
  /** solution_presenter's text for the gate, and the step that wrote it. */
  presentation: z.string().nullable(),
  presentation_step: z.number().int().nullable(),
  /** solution_designer's file-level plan, and the step that wrote it. */
  file_plan: z.array(FilePlanItemSchema).nullable(),
  file_plan_step: z.number().int().nullable(),
  /**
   * solution_designer's implementation plan (interfaces, tests, steps, notes; markdown, verbatim),
   * written in the same step as `file_plan`. Shown whole to every implementation request, never cut.
   * Absent in files written before it existed (read as null).
   */
  implementation_plan: z.string().nullable().default(null),
});
export type SolutionVersion = z.infer<typeof SolutionVersionSchema>;

/**
 * One run of the workspace's test command by the chain (not by the model's run_tests tool):
 * the baseline before any change of ours, the red run after test_generator, the green runs after
 * each implementation iteration.
 */
export const TestRunSchema = z.object({
  at: isoDate,
  phase: PhaseSchema,
  /** What the machine expected: `baseline` (before any change), red (tests first) or green. */
  expect: z.enum(['baseline', 'red', 'green']),
  /** The exit code was 0 and the run did not time out. */
  passed: z.boolean(),
  exit_code: z.number().int().nullable(),
  timed_out: z.boolean(),
  /** The last 2,000 characters of the output. */
  output_tail: z.string(),
  /** machine.implementation_iterations when it ran (0 for the baseline and the red run). */
  iteration: z.number().int().min(0).default(0),
  /** The argv that ran. */
  argv: z.array(z.string()).default([]),
  /** Wall time of the run, ms. */
  duration_ms: z.number().min(0).nullable().default(null),
  /** Counts read from the runner's summary (src/tools/testReport.ts); null when the runner was not recognised. */
  counts: z
    .object({
      runner: z.string(),
      passed: z.number().int().nullable(),
      failed: z.number().int(),
      skipped: z.number().int().nullable(),
    })
    .nullable()
    .default(null),
  /** Names of failing tests as the runner printed them. */
  failing: z.array(z.string()).default([]),
  /**
   * Judged against the baseline: `green` (exit 0), `red`, `no-new-failures` (fails only where the
   * baseline already failed), `unexpected-green` (the red run passed before any implementation).
   */
  verdict: z.enum(['green', 'red', 'no-new-failures', 'unexpected-green']).nullable().default(null),
  /** Failing tests, and units that did not build (`name (did not build)`), that were not so in the baseline. */
  new_failures: z.array(z.string()).default([]),
  /** Units that failed to build, collect or load (Go package, crate, pytest module, jest/vitest suite, test file). */
  broken: z.array(z.string()).default([]),
  /** The failures read from the output (units that did not build first): name, message, `file:line`; at most 20. */
  failures: z
    .array(
      z.object({
        kind: z.enum(['test', 'build']),
        name: z.string(),
        message: z.string(),
        location: z.string().nullable(),
      }),
    )
    .default([]),
  /** A fingerprint of the workspace's files when the run began (baseline runs), to see later changes. */
  fingerprint: z.string().nullable().default(null),
});
export type TestRun = z.infer<typeof TestRunSchema>;

/** One run of a check besides the tests (typecheck, lint, build: src/engine/checks.ts). */
const CheckRunSchema = z.object({
  at: isoDate,
  /** The check's name (`typecheck`, `lint`, `build`, or a name from config `checks`). */
  name: z.string(),
  /** `baseline`: before any change (a check that fails there is not held against the change); `green`: after the tests passed. */
  expect: z.enum(['baseline', 'green']),
  argv: z.array(z.string()),
  passed: z.boolean(),
  exit_code: z.number().int().nullable(),
  timed_out: z.boolean(),
  /** The digest the model was shown: first problems with file:line, then the end of the output (at most 1,800 characters). */
  digest: z.string(),
  /** machine.implementation_iterations when it ran. */
  iteration: z.number().int().min(0).default(0),
});
export type CheckRun = z.infer<typeof CheckRunSchema>;

/** The chain's test command. */
const TestCommandSchema = z.object({
  argv: z.array(z.string()).min(1),
  /** e.g. `config test_command`, `package.json scripts.test (pnpm-lock.yaml)`, `answer to q1`. */
  source: z.string(),
});

const CheckpointSchema = z.object({
  phase: PhaseSchema,
  git_ref: z.string(),
  created_at: isoDate,
  /** Changed or untracked files left out of the snapshot for their size (limits.checkpoint_file_bytes). */
  left_out: z.array(z.string()).default([]),
});

/**
 * Without git: the original of each file the chain changed, kept before its first change under
 * `<context file>.originals/` (`existed: false` for a file the chain created), so rollback works.
 */
const OriginalSchema = z.object({ path: z.string(), existed: z.boolean() });

/**
 * The conversation of a step that is still running, saved after every call so that a crashed
 * or interrupted run can continue the step without repeating a completed call.
 */
const InFlightSchema = z.object({
  step: z.number().int().min(1),
  messages: z.array(z.unknown()),
});

/* Phase-machine state, saved so that `resume` continues exactly where the chain stopped. */
const PromptRunSchema = z.object({
  name: z.string(),
  focus: z.string().nullable(),
  question: z.string().nullable().optional(),
  feedback: z.string().nullable().optional(),
  /** A workflow step's model tier for this run (default: the prompt's own tier). */
  tier: z.enum(['fast', 'default', 'smart']).optional(),
  /** A workflow branch's own budget (USD) for this run's calls, checked before each call. */
  budget_usd: z.number().positive().optional(),
  /** A workflow prompt step's phase (tools, memory); default: the chain's current phase. */
  as_phase: PhaseSchema.optional(),
  /** A second opinion at the quality gates: the run again on this model (config `quality_gates.second_opinion`). */
  second_opinion: z.string().optional(),
});
export type PromptRun = z.infer<typeof PromptRunSchema>;

const EffectSchema = z.discriminatedUnion('kind', [
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

const MachineStateSchema = z.object({
  phase: PhaseSchema,
  clarification_rounds: z.number().int().min(0),
  context_iterations: z.number().int().min(0),
  analysis_loops: z.number().int().min(0),
  approval_rounds: z.number().int().min(0),
  implementation_iterations: z.number().int().min(0),
  generated_prompts: z.number().int().min(0),
  /** What context building should concentrate on (open uncertainties after analysis). */
  focus: z.string().nullable(),
  /**
   * The human's rejection reason, carried into clarification, synthesis and presentation until
   * approval; in implementation, the quality gates' last blocking issues, re-checked by the next review.
   */
  feedback: z.string().nullable(),
  /** The effect that must run next (null before start). */
  awaiting: EffectSchema.nullable(),
  /** Incremented on every transition; steps record the effect they ran for. */
  seq: z.number().int().min(0).default(0),
  /** Times test_generator was asked again because it wrote no test file (bounded by caps.test_generation_asks). */
  test_generation_asks: z.number().int().min(0).default(0),
  /** Implementation iterations added beyond caps.implementation_iterations by `resume --more-iterations N`. */
  extra_iterations: z.number().int().min(0).default(0),
});
export type MachineState = z.infer<typeof MachineStateSchema>;

/** What a workflow step asks the driver to do next (src/workflows/interpreter.ts). `at`: the step's path in the file, e.g. `steps.2.loop.steps.0`. */
const WorkflowEffectSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('prompt'),
    at: z.string(),
    run: PromptRunSchema,
    budget_usd: z.number().positive().nullable(),
  }),
  z.object({
    kind: z.literal('parallel'),
    at: z.string(),
    runs: z.array(PromptRunSchema),
    max_concurrency: z.number().int().min(1),
    merge: PromptRunSchema.nullable(),
    budget_usd: z.number().positive().nullable(),
  }),
  z.object({
    kind: z.literal('phase'),
    at: z.string(),
    phase: PhaseSchema,
    budget_usd: z.number().positive().nullable(),
    tier: z.enum(['fast', 'default', 'smart']).nullable(),
  }),
  z.object({ kind: z.literal('gate'), at: z.string(), gate: z.enum(['approval', 'questions', 'split']) }),
  z.object({ kind: z.literal('tests'), at: z.string(), expect: z.enum(['red', 'green', 'any']) }),
  z.object({
    kind: z.literal('chain'),
    at: z.string(),
    goal: z.string(),
    workflow: z.string().nullable(),
    budget_usd: z.number().positive().nullable(),
  }),
  /** A split's planning: `prompt` proposes the parts (recorded in the chain's `split.plan`). */
  z.object({ kind: z.literal('plan_split'), at: z.string(), prompt: z.string() }),
  /** One sub-chain per part of the approved plan, in dependency order, each in its own git worktree. */
  z.object({
    kind: z.literal('sub_chains'),
    at: z.string(),
    parts: z.array(
      z.object({
        key: z.string(),
        goal: z.string(),
        depends_on: z.array(z.string()),
        workflow: z.string().nullable(),
      }),
    ),
  }),
  z.object({ kind: z.literal('complete') }),
  z.object({ kind: z.literal('fail'), reason: z.string() }),
]);
export type WorkflowEffect = z.infer<typeof WorkflowEffectSchema>;

/** A frame of the interpreter's stack: the step list at `block`, its next step `i`, and the loop pass (null outside a loop body). */
const WorkflowFrameSchema = z.object({
  block: z.string(),
  i: z.number().int().min(0),
  pass: z.number().int().min(1).nullable(),
});
export type WorkflowFrame = z.infer<typeof WorkflowFrameSchema>;

/** The interpreter's state, saved in the context file so that `resume` continues at the same step. */
const WorkflowStateSchema = z.object({
  stack: z.array(WorkflowFrameSchema),
  awaiting: WorkflowEffectSchema.nullable(),
  /** Workflow steps performed, in order (`outcome`: what the interpreter or the driver noted). */
  history: z.array(z.object({ at: z.string(), kind: z.string(), outcome: z.string() })),
});
export type WorkflowState = z.infer<typeof WorkflowStateSchema>;

/** The workflow a chain runs (`feature` by default, `split` for --split; null for a single prompt and in files written before every chain ran one, until driven). */
const WorkflowRunSchema = z.object({
  name: z.string(),
  file: z.string(),
  layer: z.string(),
  /** The workflow file as it was when the chain started (re-validated when driven). */
  doc: z.record(z.string(), z.unknown()),
  state: WorkflowStateSchema,
  /** True once the awaiting phase step has entered its phase (the machine then holds its progress). */
  phase_entered: z.boolean().default(false),
  /** The running step's budget: USD it may spend from call index `from_call` on. */
  step_budget: z
    .object({ at: z.string(), usd: z.number().positive(), from_call: z.number().int().min(0) })
    .nullable()
    .default(null),
  /** The sub-chain the awaiting `chain` step started (its id), so a resumed run waits for that one. */
  sub_chain: z.string().nullable().default(null),
});
export type WorkflowRun = z.infer<typeof WorkflowRunSchema>;

/** One sub-chain proposed by parallel_work_planner (`--split`). */
export const SubChainPlanSchema = z.object({
  key: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,39}$/)
    .describe('short id of the sub-chain, e.g. "payments-api"'),
  goal: z.string().min(1).describe('the task of this sub-chain, complete enough to run alone'),
  depends_on: z.array(z.string()).describe('keys of sub-chains whose changes this one builds on'),
  writes_code: z.boolean().describe('true when it changes files (it then works in its own git worktree)'),
  workflow: z.string().nullable().optional().describe('the workflow to run (default: feature)'),
  chain_id: z.string().nullable().default(null),
});
export type SubChainPlan = z.infer<typeof SubChainPlanSchema>;

/** The head's index of its journal (src/chain/journal.ts). */
const JournalIndexSchema = z.object({
  /** File name, in the context file's directory. */
  file: z.string(),
  /** Bytes of the journal that belong to this version of the head (later bytes are ignored). */
  bytes: z.number().int().min(0),
  /** Call records and steps in those bytes; the head's own calls[] and steps[] follow them. */
  calls: z.number().int().min(0),
  steps: z.number().int().min(0),
});
export type JournalIndex = z.infer<typeof JournalIndexSchema>;

const RangeSchema = z.object({ median: z.number().min(0), low: z.number().min(0), high: z.number().min(0) });

/** The forecast made before the chain's first call (src/features/learning/forecast.ts): median and 80% interval. */
export const ForecastSchema = z.object({
  basis: z.enum(['similar-chains', 'prompt-costs', 'reference-chain', 'declared-classes']),
  rests_on: z.string(),
  chains: z.array(z.object({ chain_id: z.string(), similarity: unit })),
  cost_usd: RangeSchema.nullable(),
  calls: RangeSchema,
  /** Model time (sum of call latencies), ms. */
  duration_ms: RangeSchema.nullable(),
  measured_runs: z.record(z.string(), z.number().int().min(0)).optional(),
});

const OpinionSchema = z.object({
  model: z.string(),
  step: z.number().int().min(1),
  passed: z.boolean(),
  blocking_issues: z.array(z.string()),
});

/** A gate judged by two models: both verdicts, whether they agree, and the verdict that stands. */
export const SecondOpinionSchema = z.object({
  /** The machine effect (the gate batch) both runs belong to. */
  effect: z.number().int().min(0),
  prompt: z.string(),
  first: OpinionSchema,
  second: OpinionSchema,
  agree: z.boolean(),
  /** The question that asks the human to decide a disagreement (null when they agree). */
  question_id: z.string().nullable(),
  /** The verdict that stands: passed or failed; null while a disagreement waits for the human. */
  decision: z.enum(['passed', 'failed']).nullable(),
  /** agreement, or who decided the disagreement (assumed: --yes took the stricter verdict). */
  decided_by: z.enum(['agreement', 'user', 'assumed', 'file']).nullable(),
});
export type SecondOpinion = z.infer<typeof SecondOpinionSchema>;

export const ChainContextSchema = z.object({
  /** 2; a version-1 file (no journal) is read and upgraded (src/chain/upgrade.ts). */
  schema_version: z.literal([1, SCHEMA_VERSION]),
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
  /**
   * The conversation of the implementation task's last tdd_flow_controller run (its messages as
   * in `in_flight`), continued by the next run after a red test run or a failed gate; null before
   * the first run.
   */
  task_conversation: z
    .object({ step: z.number().int().min(1), messages: z.array(z.unknown()) })
    .nullable()
    .default(null),
  /** An answer to the pending gate given by `approve` (consumed when the chain goes on). */
  gate_response: z
    .object({
      kind: z.enum(['solution', 'file-change']),
      response: z.enum(['approved', 'rejected', 'more-info']),
      note: z.string().nullable(),
      path: z.string().nullable(),
    })
    .nullable()
    .default(null),
  /** The solution as last presented at the approval gate (markdown); the design itself is in `solution_versions`. */
  solution: z.string().nullable().default(null),
  machine: MachineStateSchema,
  /** The clarified requirements as acceptance criteria (requirement prompts restate the whole list). */
  requirements: z.array(RequirementSchema).default([]),
  /** The solution document, every version in order (the approved one is the one implementation gets). */
  solution_versions: z.array(SolutionVersionSchema).default([]),
  /** The latest compaction of older findings, or null. */
  memory_digest: MemoryDigestSchema.nullable().default(null),
  test_runs: z.array(TestRunSchema).default([]),
  /** Every run of a check besides the tests (typecheck, lint, build) the chain made itself. */
  check_runs: z.array(CheckRunSchema).default([]),
  /** Set for a chain made by `claude-exec prompt run NAME`: the one prompt it runs. */
  single_prompt: z.string().nullable().default(null),
  /** The companion journal of calls and finished steps (null until the first one is recorded). */
  journal: JournalIndexSchema.nullable().default(null),
  /**
   * The test command the chain runs and where it came from (config `test_command`, a workspace file,
   * or the human's answer); null until the chain resolves it at its start.
   */
  test_command: TestCommandSchema.nullable().default(null),
  /** Without a git checkpoint: the originals kept of the files the chain changed. */
  originals: z.array(OriginalSchema).default([]),
  /**
   * sha256 (hex) of each file as the chain last wrote it (workspace-relative path -> hash), so
   * `rollback` can tell a file changed since (by the user or a later chain) and keep it.
   */
  written: z.record(z.string(), z.string()).default({}),
  /** `all` at a file-change gate or `approve --all-changes`: the rest of this implementation's changes are approved. */
  approve_all_changes: z.boolean().default(false),
  /**
   * Set on a chain made by `fork ID --from-step N`: steps 1..N-1 are taken from the source chain
   * (same prompt in the same place) without calls; `answers` answer its questions (the source's
   * answers with the fork's --answer changes); `approvals` repeat the source's solution decisions
   * made before step N.
   */
  fork: z
    .object({
      chain_id: z.string(),
      chain_uid: z.string(),
      file: z.string(),
      from_step: z.number().int().min(1),
      answers: z.record(z.string(), z.string()),
      changed: z.array(z.string()),
      approvals: z.array(
        z.object({ response: z.enum(['approved', 'rejected', 'more-info']), note: z.string().nullable() }),
      ),
    })
    .nullable()
    .default(null),
  /** The workflow this chain runs (`--workflow`, default `feature`; `split` for --split); null for a single prompt and in older files until driven. */
  workflow: WorkflowRunSchema.nullable().default(null),
  /** The chain this one is a sub-chain of (`--split`), or null. */
  parent: z.string().nullable().default(null),
  /** Sub-chains of this chain (`--split`), by chain id, in plan order. */
  children: z.array(z.string()).default([]),
  /** Set on the parent of a `--split`: the plan of sub-chains and where the family is. */
  split: z
    .object({
      plan: z.array(SubChainPlanSchema).nullable(),
      max_concurrency: z.number().int().min(1),
      approved: z.boolean(),
    })
    .nullable()
    .default(null),
  /** Set on a sub-chain: its place in the plan, its git worktree and its patch. */
  sub: z
    .object({
      key: z.string(),
      depends_on: z.array(z.string()),
      /** The user's workspace the family belongs to (patches are applied there). */
      root: z.string(),
      worktree: z.string().nullable(),
      branch: z.string().nullable(),
      /** The commit the sub-chain's patch is taken against (its dependencies' patches applied). */
      base_commit: z.string().nullable(),
      /** The patch file beside the context file, once the sub-chain is complete. */
      patch: z.string().nullable(),
    })
    .nullable()
    .default(null),
  /** The forecast shown before the first call (null for chains started before forecasts, or by `prompt run`). */
  forecast: ForecastSchema.nullable().default(null),
  /** The saved pattern this chain applied (null: none). */
  pattern: PatternUseSchema.nullable().default(null),
  /**
   * Saved patterns new_case is shown (name and summary) to say which applies to the goal, when none
   * matched its words at the start (src/patterns/offer.ts); empty when there are none or one was applied.
   */
  pattern_candidates: z.array(z.object({ name: z.string(), summary: z.string() })).default([]),
  /** Hook runs that failed, timed out or blocked a file change (src/hooks/), the last 50. */
  hook_reports: z.array(HookReportSchema).default([]),
  /**
   * The AGENTS.md / CLAUDE.md files in the chain's system prompt (relative to the workspace, as of
   * its last run; src/config/instructions.ts); empty when none.
   */
  instructions: z.array(z.string()).default([]),
  /**
   * The repository map in the chain's system prefix (src/engine/repoMap.ts), made at its first drive
   * and kept for every later one; null until then.
   */
  repo_map: z.string().nullable().default(null),
  /** Each quality gate run twice (config `quality_gates.second_opinion`): both verdicts and the decision (src/engine/secondOpinion.ts). */
  second_opinions: z.array(SecondOpinionSchema).default([]),
});
export type ChainContext = z.infer<typeof ChainContextSchema>;
