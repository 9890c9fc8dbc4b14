/**
 * The first version of a chain's context: every field present, empty or zero. Pure.
 */
import { emptyCostTracking } from '../cost/state.js';
import { initialMachineState } from '../phases/state.js';
import { SCHEMA_VERSION, type ChainContext, type Phase } from './schema.js';

export interface NewChainInput {
  chainId: string;
  chainUid: string;
  goal: string;
  slug: string;
  workspace: string;
  model: string;
  models: { fast: string; default: string; smart: string };
  now: Date;
  untilPhase?: Phase | null;
  maxCostUsd?: number | null;
  /** The workflow to run (null: the feature flow). */
  workflow?: ChainContext['workflow'];
  /** The source of a fork (null: not a fork). */
  fork?: ChainContext['fork'];
  /** `--split`: the parent's plan (the parent), or the sub-chain's place (a child). */
  split?: ChainContext['split'];
  parent?: string | null;
  sub?: ChainContext['sub'];
}

/** A new chain at the start of requirements clarification, status `running`. */
export function newChainContext(input: NewChainInput): ChainContext {
  const at = input.now.toISOString();
  return {
    schema_version: SCHEMA_VERSION,
    chain_id: input.chainId,
    chain_uid: input.chainUid,
    goal: input.goal,
    slug: input.slug,
    status: 'running',
    created_at: at,
    updated_at: at,
    workspace: input.workspace,
    model: input.model,
    models: input.models,
    current_phase: 'requirements-clarification',
    until_phase: input.untilPhase ?? null,
    max_cost_usd: input.maxCostUsd ?? null,
    error: null,
    phase_history: [],
    discovered: {},
    uncertainties: [],
    confidence_scores: { overall: 0, requirements: 0, technical_approach: 0, implementation_details: 0 },
    decisions: {},
    questions: [],
    assumptions: [],
    generated_prompts: [],
    approval_history: [],
    session_memory: {
      files_modified: [],
      tests_written: [],
      mistakes_corrected: [],
      patterns_identified: [],
      context_health: 10,
    },
    steps: [],
    calls: [],
    cost_tracking: emptyCostTracking(),
    pending: null,
    checkpoints: [],
    in_flight: [],
    task_conversation: null,
    gate_response: null,
    solution: null,
    machine: initialMachineState(),
    requirements: [],
    solution_versions: [],
    memory_digest: null,
    test_runs: [],
    check_runs: [],
    single_prompt: null,
    journal: null,
    test_command: null,
    approve_all_changes: false,
    originals: [],
    written: {},
    fork: input.fork ?? null,
    workflow: input.workflow ?? null,
    parent: input.parent ?? null,
    children: [],
    split: input.split ?? null,
    sub: input.sub ?? null,
    forecast: null,
    pattern: null,
    pattern_candidates: [],
    hook_reports: [],
    instructions: [],
    repo_map: null,
    second_opinions: [],
  };
}
