/**
 * The workflow file format (README "Workflows"): a YAML file, or Markdown with YAML frontmatter,
 * naming a list of steps the interpreter (src/workflows/interpreter.ts) walks. Steps are told
 * apart by the one key that names their kind (`prompt`, `phase`, `gate`, `tests`, `if`, `switch`,
 * `loop`, `parallel`, `chain`, and a split's `plan_split` and `sub_chains`). Validated with zod; `workflowJsonSchema()` is the editor schema written to
 * schemas/workflow.schema.json.
 */
import { z } from 'zod';
import { PHASES } from '../chain/phases.js';

const unit = z.number().min(0).max(1);
const stepId = z
  .string()
  .regex(/^[a-z][a-z0-9_-]*$/, 'lowercase letters, digits, _ and -, starting with a letter');

/** Model tiers (config `models`); a step's `model` picks one for its prompts. */
const TierSchema = z.enum(['fast', 'default', 'smart']);

/** Confidence dimensions a condition may test (the chain's confidence_scores). */
const CONFIDENCE_OF = ['overall', 'requirements', 'technical_approach', 'implementation_details'] as const;

export type Condition =
  | { confidence: { of?: (typeof CONFIDENCE_OF)[number]; below?: number; at_least?: number } }
  | { verdict: 'passed' | 'failed' | 'none' }
  | { tests: 'passed' | 'failed' | 'none' }
  | { finding: string }
  | { git_commits: { at_least: number } }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

/**
 * A condition on the chain's state after the last step: its confidence, the last verdict a prompt
 * reported, the last test run, a finding (case-insensitive text in the chain's findings and step
 * summaries), the workspace's git history (commits on HEAD), or a combination.
 */
const ConditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({
      confidence: z
        .strictObject({
          of: z.enum(CONFIDENCE_OF).optional(),
          below: unit.optional(),
          at_least: unit.optional(),
        })
        .refine((c) => c.below !== undefined || c.at_least !== undefined, 'give below or at_least'),
    }),
    z.strictObject({ verdict: z.enum(['passed', 'failed', 'none']) }),
    z.strictObject({ tests: z.enum(['passed', 'failed', 'none']) }),
    z.strictObject({ finding: z.string().min(1) }),
    z.strictObject({ git_commits: z.strictObject({ at_least: z.number().int().min(0) }) }),
    z.strictObject({ all: z.array(ConditionSchema).min(1) }),
    z.strictObject({ any: z.array(ConditionSchema).min(1) }),
    z.strictObject({ not: ConditionSchema }),
  ]),
);

/** Fields every step may carry. `budget_usd`: USD this step may spend (checked before each call). */
const common = {
  id: stepId.optional(),
  budget_usd: z.number().positive().optional(),
  model: TierSchema.optional(),
};

const PromptStepSchema = z.strictObject({
  ...common,
  prompt: z.string().min(1),
  focus: z.string().optional(),
  /** The phase the prompt runs as (its tools and the memory it sees); default context-building. */
  as_phase: z.enum(PHASES).optional(),
});

const PhaseStepSchema = z.strictObject({ ...common, phase: z.enum(PHASES) });
/** `approval`: the latest solution; `questions`: the open questions; `split`: a split's plan of parts. */
const GateStepSchema = z.strictObject({ ...common, gate: z.enum(['approval', 'questions', 'split']) });
const TestsStepSchema = z.strictObject({ ...common, tests: z.enum(['red', 'green', 'any']) });
/** Starts a sub-chain (its own context file, `parent` set) for `goal` with `workflow` (default feature) and waits for it. */
const ChainStepSchema = z.strictObject({
  ...common,
  chain: z.strictObject({ goal: z.string().min(1), workflow: stepId.optional() }),
});

/** A split's planning: prompt `plan_split` (e.g. parallel_work_planner) proposes 2-8 parts with their dependencies. */
const PlanSplitStepSchema = z.strictObject({ ...common, plan_split: z.string().min(1) });
/**
 * `sub_chains: planned`: one sub-chain per part of the approved plan (its own context file, git
 * worktree and workflow), a part after the parts it depends on, at most the split's
 * max_concurrency at once; each ends with a patch.
 */
const SubChainsStepSchema = z.strictObject({ ...common, sub_chains: z.literal('planned') });

const SWITCH_ON = ['verdict', 'tests', 'confidence'] as const;

export type PromptStep = z.infer<typeof PromptStepSchema>;
export type Step =
  | PromptStep
  | z.infer<typeof PhaseStepSchema>
  | z.infer<typeof GateStepSchema>
  | z.infer<typeof TestsStepSchema>
  | z.infer<typeof ChainStepSchema>
  | z.infer<typeof PlanSplitStepSchema>
  | z.infer<typeof SubChainsStepSchema>
  | {
      id?: string;
      budget_usd?: number;
      model?: 'fast' | 'default' | 'smart';
      if: Condition;
      then: Step[];
      else?: Step[];
    }
  | {
      id?: string;
      budget_usd?: number;
      model?: 'fast' | 'default' | 'smart';
      switch: (typeof SWITCH_ON)[number];
      cases: Record<string, Step[]>;
      default?: Step[];
    }
  | {
      id?: string;
      budget_usd?: number;
      model?: 'fast' | 'default' | 'smart';
      loop: { until: Condition; max: number; on_max?: 'continue' | 'fail'; steps: Step[] };
    }
  | {
      id?: string;
      budget_usd?: number;
      model?: 'fast' | 'default' | 'smart';
      parallel: { max_concurrency: number; branches: PromptStep[]; merge?: string };
    };

const steps = () => z.array(StepSchema);

const IfStepSchema = z.strictObject({
  ...common,
  if: ConditionSchema,
  then: z.lazy(steps),
  else: z.lazy(steps).optional(),
});
/**
 * `switch: verdict|tests` picks the case `passed`, `failed` or `none`; `switch: confidence` picks
 * `low` (< 0.5), `medium` (< 0.8) or `high` (the chain's overall confidence).
 */
const SwitchStepSchema = z.strictObject({
  ...common,
  switch: z.enum(SWITCH_ON),
  cases: z.record(z.string(), z.lazy(steps)),
  default: z.lazy(steps).optional(),
});
/** Runs `steps` until `until` holds after a pass, at most `max` passes (required, 1..20). */
const LoopStepSchema = z.strictObject({
  ...common,
  loop: z.strictObject({
    until: ConditionSchema,
    max: z.number().int().min(1).max(20),
    on_max: z.enum(['continue', 'fail']).optional(),
    steps: z.lazy(() => z.array(StepSchema).min(1)),
  }),
});
/** Prompt branches run concurrently (at most max_concurrency at once); `merge` runs after them. */
const ParallelStepSchema = z.strictObject({
  ...common,
  parallel: z.strictObject({
    max_concurrency: z.number().int().min(1).max(8),
    branches: z.array(PromptStepSchema).min(1).max(16),
    merge: z.string().min(1).optional(),
  }),
});

/** The step kinds in the order `kindOf` looks for their key. */
export const STEP_KINDS = {
  prompt: PromptStepSchema,
  phase: PhaseStepSchema,
  gate: GateStepSchema,
  tests: TestsStepSchema,
  chain: ChainStepSchema,
  plan_split: PlanSplitStepSchema,
  sub_chains: SubChainsStepSchema,
  if: IfStepSchema,
  switch: SwitchStepSchema,
  loop: LoopStepSchema,
  parallel: ParallelStepSchema,
} as const;
export type StepKind = keyof typeof STEP_KINDS;

const StepSchema: z.ZodType<Step> = z.lazy(() =>
  z.union([
    PromptStepSchema,
    PhaseStepSchema,
    GateStepSchema,
    TestsStepSchema,
    ChainStepSchema,
    PlanSplitStepSchema,
    SubChainsStepSchema,
    IfStepSchema,
    SwitchStepSchema,
    LoopStepSchema,
    ParallelStepSchema,
  ]),
) as z.ZodType<Step>;

/** The kind of a raw step: the first kind key it has, or null. */
export function kindOf(raw: unknown): StepKind | null {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  for (const k of Object.keys(STEP_KINDS) as StepKind[]) if (k in raw) return k;
  return null;
}

export const WorkflowFileSchema = z.strictObject({
  name: stepId,
  description: z.string().min(1),
  /** When new_case may propose this workflow (shown to it in the catalog of workflows). */
  good_for: z.array(z.string()).optional(),
  /** USD the whole workflow may spend; the chain's --max-cost still applies. */
  budget_usd: z.number().positive().optional(),
  steps: z.array(StepSchema).min(1),
});
export type WorkflowFile = z.infer<typeof WorkflowFileSchema>;

/** The JSON Schema of a workflow file (draft 2020-12), for editors. */
export function workflowJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(WorkflowFileSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
}
