/**
 * `claude-exec prompt run NAME [--focus TEXT]`: one prompt of the library against the workspace,
 * as a one-step chain with its own context file, log and cost, so every prompt of the library can be reached on its own.
 * The chain runs in the prompt's first declared phase (context-building when it declares none),
 * with that phase's tools, as a one-step workflow through the same loop as every chain
 * (src/engine/loop.ts, src/workflows/run.ts singlePromptRun); `resume` runs the prompt again if it
 * did not finish.
 */
import type { Phase } from '../chain/schema.js';
import { UsageError } from '../errors.js';
import type { PromptDoc } from '../library/parse.js';
import { searchPrompts } from '../library/search.js';
import type { Findings } from '../phases/protocol.js';
import type { ChainOutcome } from './run.js';
import type { BaseDeps } from './deps.js';

/** The prompt to run alone, resolved by name or alias. Throws UsageError naming close matches. */
export function promptToRun(base: Pick<BaseDeps, 'catalog'>, name: string): PromptDoc {
  const doc = base.catalog.get(name);
  if (doc?.name === 'phase_controller')
    throw new UsageError(
      'phase_controller is the standing instructions of every call, not a prompt to run',
      '`claude-exec prompts list` shows the prompts.',
    );
  if (doc) return doc;
  const near = searchPrompts(base.catalog, name)
    .slice(0, 3)
    .map((h) => h.doc.name);
  throw new UsageError(
    `no prompt named "${name}"`,
    near.length ? `Did you mean: ${near.join(', ')}?` : '`claude-exec prompts list` shows the prompts.',
  );
}

/** The phase a prompt runs in when run alone: its first declared phase. */
export function phaseOf(doc: PromptDoc): Phase {
  return doc.phases[0] ?? 'context-building';
}

/** The outcome of `prompt run`: the chain's, with the prompt and its result (null when it did not finish). */
export interface SinglePromptOutcome extends ChainOutcome {
  prompt: string;
  result: Findings | null;
}

/** The outcome of a one-step chain with its prompt's result. */
export function withResult(outcome: ChainOutcome, prompt: string): SinglePromptOutcome {
  // The step of this run: an eval case's earlier steps (effect 0) may be of the same prompt.
  const step = outcome.ctx.steps
    .filter((s) => s.prompt === prompt && s.status === 'complete' && s.effect > 0)
    .at(-1);
  return { ...outcome, prompt, result: (step?.result as Findings | undefined) ?? null };
}
