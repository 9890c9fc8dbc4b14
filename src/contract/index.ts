/**
 * Every `--json` document, by name: `schemas/<name>.schema.json` is generated from each
 * (`npm run schemas`) and a test validates every command's output against those files.
 * `context` is the context file itself, which `show` prints (joined with its journal; identified by `schema_version`).
 */
import type { z } from 'zod';
import { ChainContextSchema } from '../chain/schema.js';
import { ChainOutputSchema } from './chain.js';
import { ChainCostOutputSchema } from './chain-cost.js';
import { ChainsOutputSchema } from './chains.js';
import { CostReportOutputSchema } from './cost-report.js';
import { DiffOutputSchema } from './diff.js';
import { DoctorOutputSchema } from './doctor.js';
import { ErrorOutputSchema } from './error.js';
import { EvalCompareOutputSchema, EvalOutputSchema } from './evals.js';
import { EstimateOutputSchema } from './estimate.js';
import { MemoryOutputSchema, PromptRunOutputSchema } from './memory.js';
import {
  PatternOutputSchema,
  PatternsListOutputSchema,
  PatternsRemoveOutputSchema,
  PatternsValidateOutputSchema,
  SavePatternOutputSchema,
} from './patterns.js';
import { PendingOutputSchema } from './pending.js';
import { PricesOutputSchema } from './prices.js';
import {
  PromptOutputSchema,
  PromptsListOutputSchema,
  PromptsSearchOutputSchema,
  PromptsPromoteOutputSchema,
  PromptsStatsOutputSchema,
  PromptsValidateOutputSchema,
} from './prompts.js';
import { ReplayOutputSchema } from './replay.js';
import { RunOutputSchema } from './run.js';
import { ServeOutputSchema } from './serve.js';
import { SpecOutputSchema } from './spec.js';
import { StatusOutputSchema } from './status.js';
import { TrustListOutputSchema, TrustOutputSchema } from './trust.js';
import { ApplyOutputSchema, InitOutputSchema, RollbackOutputSchema } from './workspace.js';
import {
  WorkflowOutputSchema,
  WorkflowsListOutputSchema,
  WorkflowsValidateOutputSchema,
} from './workflows.js';

export const OUTPUTS: Record<string, { schema: z.ZodType; description: string }> = {
  run: {
    schema: RunOutputSchema,
    description: 'run, resume, approve, answer (demo: schema claude-exec/demo@1)',
  },
  estimate: { schema: EstimateOutputSchema, description: 'run TASK --estimate' },
  status: { schema: StatusOutputSchema, description: 'status [ID]' },
  chain: {
    schema: ChainOutputSchema,
    description: 'status [ID] --full; the web view (serve) reads it for its chain page',
  },
  chains: { schema: ChainsOutputSchema, description: 'chains' },
  pending: { schema: PendingOutputSchema, description: 'pending ID' },
  'cost-report': { schema: CostReportOutputSchema, description: 'cost-report' },
  'chain-cost': { schema: ChainCostOutputSchema, description: 'chain-cost ID' },
  prices: { schema: PricesOutputSchema, description: 'prices' },
  'prompts-list': { schema: PromptsListOutputSchema, description: 'prompts list' },
  prompt: { schema: PromptOutputSchema, description: 'prompts show NAME' },
  'prompts-search': { schema: PromptsSearchOutputSchema, description: 'prompts search TEXT' },
  'prompts-validate': { schema: PromptsValidateOutputSchema, description: 'prompts validate' },
  'prompts-stats': { schema: PromptsStatsOutputSchema, description: 'prompts stats' },
  'workflows-list': { schema: WorkflowsListOutputSchema, description: 'workflows list' },
  workflow: { schema: WorkflowOutputSchema, description: 'workflows show NAME' },
  'workflows-validate': { schema: WorkflowsValidateOutputSchema, description: 'workflows validate' },
  'prompts-eval': { schema: EvalOutputSchema, description: 'prompts eval [NAME...]' },
  'prompts-eval-compare': { schema: EvalCompareOutputSchema, description: 'prompts eval --compare A B' },
  'prompts-promote': { schema: PromptsPromoteOutputSchema, description: 'prompts promote NAME' },
  'patterns-list': { schema: PatternsListOutputSchema, description: 'patterns list' },
  pattern: { schema: PatternOutputSchema, description: 'patterns show NAME' },
  'patterns-validate': { schema: PatternsValidateOutputSchema, description: 'patterns validate' },
  'patterns-remove': { schema: PatternsRemoveOutputSchema, description: 'patterns remove NAME' },
  'save-pattern': { schema: SavePatternOutputSchema, description: 'save-pattern ID' },
  init: { schema: InitOutputSchema, description: 'init' },
  trust: { schema: TrustOutputSchema, description: 'trust, trust --show, trust --revoke' },
  'trust-list': { schema: TrustListOutputSchema, description: 'trust --list' },
  rollback: { schema: RollbackOutputSchema, description: 'rollback ID' },
  spec: { schema: SpecOutputSchema, description: 'spec ID' },
  apply: { schema: ApplyOutputSchema, description: 'apply ID' },
  diff: { schema: DiffOutputSchema, description: 'diff ID' },
  serve: { schema: ServeOutputSchema, description: 'serve (once, when the web view listens)' },
  'prompt-run': { schema: PromptRunOutputSchema, description: 'prompt run NAME' },
  memory: { schema: MemoryOutputSchema, description: 'show ID --memory' },
  doctor: { schema: DoctorOutputSchema, description: 'doctor' },
  replay: { schema: ReplayOutputSchema, description: 'replay CASSETTE' },
  error: { schema: ErrorOutputSchema, description: 'any command that fails, with --json' },
  context: { schema: ChainContextSchema, description: 'show ID (the context file, joined with its journal)' },
};

/** The schema file name of a document's `schema` value: `claude-exec/run@1` → `run`. */
export function outputName(schemaValue: string): string {
  const m = /^claude-exec\/([\w-]+)@\d+$/.exec(schemaValue);
  return m ? (m[1] === 'demo' ? 'run' : m[1]!) : schemaValue;
}
