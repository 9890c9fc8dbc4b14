/**
 * Prompt effectiveness across chains (`claude-exec prompts stats`): how often each prompt ran,
 * how often it failed, what a run costs, and how much overall confidence it added.
 */
import type { ChainContext } from '../chain/schema.js';
import { listChainFiles, readChainFile } from '../chain/store.js';

export interface PromptStat {
  name: string;
  /** Steps that ran this prompt. */
  runs: number;
  /** Steps of this prompt with status "failed". */
  failures: number;
  /** Tokens per run: input + output + cache write + cache read of the step's calls. */
  avg_tokens: number;
  /** USD per run from the calls' recorded cost; null when every call was unpriced. */
  avg_cost_usd: number | null;
  /** Calls whose cost was unknown (not in the price table); they are left out of avg_cost_usd. */
  unpriced_calls: number;
  /** Mean of confidence_after - confidence_before (overall, 0..1) over runs where both are known; null if none. */
  avg_confidence_gain: number | null;
  /** Runs that contributed to avg_confidence_gain. */
  confidence_samples: number;
}

export interface PromptStatsReport {
  /** Distinct chains read (a chain copied into two directories counts once, by chain_uid). */
  chains: number;
  /** Most runs first, then by name. */
  prompts: PromptStat[];
  /** Context files that could not be read or validated, with the reason. */
  skipped: { file: string; error: string }[];
}

interface Acc {
  runs: number;
  failures: number;
  tokens: number;
  cost: number;
  pricedCalls: number;
  calls: number;
  gain: number;
  samples: number;
}

/** Aggregates steps and calls of `chains` per prompt (pure). Chains with the same chain_uid count once. */
export function computePromptStats(chains: readonly ChainContext[]): PromptStat[] {
  const seen = new Set<string>();
  const acc = new Map<string, Acc>();
  for (const chain of chains) {
    if (seen.has(chain.chain_uid)) continue;
    seen.add(chain.chain_uid);
    for (const step of chain.steps) {
      const a = acc.get(step.prompt) ?? { runs: 0, failures: 0, tokens: 0, cost: 0, pricedCalls: 0, calls: 0, gain: 0, samples: 0 };
      a.runs += 1;
      if (step.status === 'failed') a.failures += 1;
      for (const call of chain.calls) {
        if (call.step !== step.n) continue;
        const u = call.usage;
        a.tokens += u.input_tokens + u.output_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
        a.calls += 1;
        if (call.cost_usd !== null) {
          a.cost += call.cost_usd;
          a.pricedCalls += 1;
        }
      }
      if (step.confidence_before !== null && step.confidence_after !== null) {
        a.gain += step.confidence_after - step.confidence_before;
        a.samples += 1;
      }
      acc.set(step.prompt, a);
    }
  }
  return [...acc.entries()]
    .map(([name, a]) => ({
      name,
      runs: a.runs,
      failures: a.failures,
      avg_tokens: a.tokens / a.runs,
      avg_cost_usd: a.calls > 0 && a.pricedCalls === 0 ? null : a.cost / a.runs,
      unpriced_calls: a.calls - a.pricedCalls,
      avg_confidence_gain: a.samples ? a.gain / a.samples : null,
      confidence_samples: a.samples,
    }))
    .sort((x, y) => y.runs - x.runs || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}

/** Reads every context file in `dirs` and aggregates them; corrupt files are skipped and listed. */
export async function promptStats(dirs: string[]): Promise<PromptStatsReport> {
  const entries = await listChainFiles(dirs);
  const chains: ChainContext[] = [];
  const skipped: { file: string; error: string }[] = [];
  for (const e of entries) {
    try {
      chains.push(await readChainFile(e.path));
    } catch (err) {
      skipped.push({ file: e.path, error: (err as Error).message });
    }
  }
  return { chains: new Set(chains.map((c) => c.chain_uid)).size, prompts: computePromptStats(chains), skipped };
}
