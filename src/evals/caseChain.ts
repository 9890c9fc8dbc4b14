/**
 * The one-step chain a case runs as: a new chain context for the case's goal, with the case's
 * memory fields and earlier steps in it, set to run the prompt alone in its phase (the same
 * shape `claude-exec prompt run` creates, src/engine/single.ts). Pure.
 */
import { newChainContext, type NewChainInput } from '../chain/init.js';
import { ChainContextSchema, type ChainContext, type Phase, type Step } from '../chain/schema.js';
import { UsageError } from '../errors.js';
import type { EvalCase } from './case.js';

/**
 * The context of `spec`'s run of `prompt` in `phase` with every tier on `model`. Prior steps come
 * first, numbered from 1, in an earlier machine effect (so none counts as this run already done).
 * Throws UsageError naming `file` and the field when the memory does not fit the context schema.
 */
export function caseChainContext(
  spec: EvalCase,
  file: string,
  prompt: string,
  phase: Phase,
  model: string,
  base: Pick<NewChainInput, 'chainId' | 'chainUid' | 'slug' | 'workspace' | 'now'> & {
    maxCostUsd: number | null;
  },
): ChainContext {
  const ctx = newChainContext({
    ...base,
    goal: spec.inputs.goal,
    model,
    models: { fast: model, default: model, smart: model },
  });
  const at = base.now.toISOString();
  const steps: Step[] = spec.inputs.steps.map((s, i) => ({
    n: i + 1,
    phase: s.phase,
    prompt: s.prompt,
    focus: null,
    status: 'complete',
    started_at: at,
    ended_at: at,
    summary: s.result.summary,
    confidence_before: null,
    confidence_after: null,
    effect: 0,
    result: s.result,
    error: null,
    confidence_reported: null,
    confidence_gain: null,
  }));
  const memory = spec.inputs.memory;
  const reserved = [
    'chain_id',
    'chain_uid',
    'goal',
    'workspace',
    'steps',
    'calls',
    'single_prompt',
    'machine',
    'status',
  ].filter((k) => k in memory);
  if (reserved.length)
    throw new UsageError(
      `${file}: inputs.memory.${reserved[0]}: set by the eval, not by a case`,
      'Give the goal in inputs.goal and earlier results in inputs.steps.',
    );
  const merged = {
    ...ctx,
    ...memory,
    steps,
    single_prompt: prompt,
    current_phase: phase,
    max_cost_usd: base.maxCostUsd,
    machine: { ...ctx.machine, phase, seq: 1, focus: spec.inputs.focus ?? null },
  };
  const parsed = ChainContextSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(
      `${file}: inputs.memory.${issue.path.join('.')}: ${issue.message}`,
      'The memory fields are those of the context file (README "The context file").',
    );
  }
  return parsed.data;
}
