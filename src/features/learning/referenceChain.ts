/**
 * The forecast's prior when no chain of this workspace measured a prompt: the measured usage of
 * each prompt of one full reference chain, priced at the chain's model (src/features/learning/forecast.ts).
 *
 * `REFERENCE_CHAIN` is written by `npm run cassettes` (scripts/record-cassettes.ts), which records
 * the demo chain (the sample app's rate-limit task, every gate passed, against the built-in
 * scripted model of src/demo) and reads its calls back from the context file: per prompt, the runs
 * that finished and the sums of their calls' usage. The input side (input, cache write, cache read)
 * is what the real request of each call measures on the demo server's token counter and prefix
 * cache (src/demo/cache.ts); the output side is the scripted model's replies, shorter than a
 * model's, which is one reason the prior's interval is wide (PRIOR_LOG_SD).
 */
import type { Usage } from '../../chain/schema.js';
import type { ChainContext } from '../../chain/schema.js';
import { REFERENCE_CHAIN as RECORDED } from './referenceChain.data.js';

/** One prompt of the reference chain: finished runs, their calls, and the sum of their usage (tokens). */
export interface ReferencePrompt {
  runs: number;
  calls: number;
  usage: {
    input_tokens: number;
    output_tokens: number;
    cache_creation_input_tokens: number;
    cache_read_input_tokens: number;
  };
}

export interface ReferenceChain {
  /** Where the figures come from (one sentence). */
  source: string;
  goal: string;
  /** Calls of the whole chain (including prompts off the forecast's path). */
  calls: number;
  prompts: Record<string, ReferencePrompt>;
}

/** The recorded reference chain (./referenceChain.data.ts, without a type of its own: no import cycle), checked here. */
export const REFERENCE_CHAIN: ReferenceChain = RECORDED;

/**
 * Log-scale spread (σ of ln cost) of a chain around the reference when nothing was measured here:
 * the 80% interval is the reference's figure ×/÷ exp(1.2816 σ) = ×/÷ 2.8. One reference chain gives
 * no spread of its own, so this is an assumption, chosen to cover what was measured on a real model
 * standing in for Claude: the reference chains of this project cost $0.59 and $0.84 on it, 1.7× and
 * 2.5× the reference's figure at claude-sonnet-4-6 prices (its replies are longer than the scripted ones).
 */
export const PRIOR_LOG_SD = 0.8;

/** The usage of one run of `p` (the average of its runs), as a Usage. */
export function perRunUsage(p: ReferencePrompt): Usage {
  const r = Math.max(1, p.runs);
  return {
    input_tokens: Math.round(p.usage.input_tokens / r),
    output_tokens: Math.round(p.usage.output_tokens / r),
    cache_creation_input_tokens: Math.round(p.usage.cache_creation_input_tokens / r),
    cache_read_input_tokens: Math.round(p.usage.cache_read_input_tokens / r),
  };
}

/** Pure: the reference table of a finished chain — per prompt, its finished runs, their calls and summed usage. */
export function referenceOf(ctx: ChainContext, source: string): ReferenceChain {
  const prompts: Record<string, ReferencePrompt> = {};
  const stepPrompt = new Map(ctx.steps.filter((s) => s.status === 'complete').map((s) => [s.n, s.prompt]));
  const runs = new Map<string, Set<number>>();
  for (const c of ctx.calls) {
    const name = stepPrompt.get(c.step);
    if (!name) continue;
    const p = (prompts[name] ??= {
      runs: 0,
      calls: 0,
      usage: {
        input_tokens: 0,
        output_tokens: 0,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    });
    (runs.get(name) ?? runs.set(name, new Set()).get(name)!).add(c.step);
    p.runs = runs.get(name)!.size;
    p.calls += 1;
    p.usage.input_tokens += c.usage.input_tokens;
    p.usage.output_tokens += c.usage.output_tokens;
    p.usage.cache_creation_input_tokens += c.usage.cache_creation_input_tokens ?? 0;
    p.usage.cache_read_input_tokens += c.usage.cache_read_input_tokens ?? 0;
  }
  return { source, goal: ctx.goal, calls: ctx.calls.length, prompts };
}
