/**
 * Prompt effectiveness across chains (`claude-exec prompts stats`): how often each prompt ran,
 * how often it failed, what a run costs (and the cost class that follows from its median), and
 * how much confidence it added (each step's `confidence_gain`: src/memory/confidence.ts).
 */
import type { ChainContext } from '../../chain/schema.js';
import { listChainFiles, readChainFile } from '../../chain/store.js';
import { assessedBy, type Dimension } from '../../memory/confidence.js';
import type { CostEstimate } from '../../library/parse.js';
import { stepEntries } from '../../memory/entries.js';
import { costClassOf, median, MIN_RUNS_FOR_CLASS } from '../../cost/promptCosts.js';

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
  /** Median uncached tokens of a finished run (input + cache write + output; cache reads left out); null without runs. */
  median_tokens: number | null;
  /** The cost class of that median once at least MIN_RUNS_FOR_CLASS runs finished, else null; the selector's catalog uses it. */
  cost_class: CostEstimate | null;
  /** Mean of the steps' `confidence_gain` (0..1 points: the dimensions the prompt assesses, else the uncertainty areas it moved); null if none. */
  avg_confidence_gain: number | null;
  /** Runs that contributed to avg_confidence_gain. */
  confidence_samples: number;
  /** Distinct chains (by chain_uid) in which the prompt ran at least once. */
  chains: number;
  /** Median USD of a run whose calls were all priced; null when no run was. */
  median_cost_usd: number | null;
  /** The chain dimensions the prompt is declared to assess (src/memory/confidence.ts ASSESSES); empty = its gain comes from the uncertainty areas it moved. */
  dimensions: Dimension[];
  /** Memory entries its finished runs produced (findings F, risks R, verdicts V, proposals P: src/memory/entries.ts). */
  findings: number;
  /** Of those, the entries a later step of the same chain listed in its result's `cites`. */
  cited: number;
  /** cited / findings; null when its runs produced no entry. */
  citation_rate: number | null;
  /** Runs that repeated the prompt in the same chain after one of its runs failed (a retry the failure forced). */
  retries: number;
  /** Solution versions it wrote that the human rejected at the approval gate (the correction a design needed). */
  rejected: number;
  /** True when some chain generated it (prompt_generator; listed in that chain's generated_prompts). */
  generated: boolean;
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
  uncached: number[];
  costs: number[];
  chains: Set<string>;
  findings: number;
  cited: number;
  retries: number;
  rejected: number;
  generated: boolean;
  runs: number;
  failures: number;
  tokens: number;
  cost: number;
  pricedCalls: number;
  calls: number;
  gain: number;
  samples: number;
}

const newAcc = (): Acc => ({
  uncached: [],
  costs: [],
  chains: new Set(),
  findings: 0,
  cited: 0,
  retries: 0,
  rejected: 0,
  generated: false,
  runs: 0,
  failures: 0,
  tokens: 0,
  cost: 0,
  pricedCalls: 0,
  calls: 0,
  gain: 0,
  samples: 0,
});

/** Ids each step's result cites (`cites`), by step number. */
function citesByStep(chain: ChainContext): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  for (const step of chain.steps) {
    const cites = (step.result as { cites?: unknown } | undefined)?.cites;
    if (Array.isArray(cites))
      out.set(step.n, new Set(cites.filter((c): c is string => typeof c === 'string').map((c) => c.trim())));
  }
  return out;
}

/**
 * Aggregates steps and calls of `chains` per prompt (pure). Chains with the same chain_uid count once.
 * Returns one PromptStat per prompt that ran (most runs first, then by name); see PromptStat for each figure's source.
 */
export function computePromptStats(chains: readonly ChainContext[]): PromptStat[] {
  const seen = new Set<string>();
  const acc = new Map<string, Acc>();
  for (const chain of chains) {
    if (seen.has(chain.chain_uid)) continue;
    seen.add(chain.chain_uid);
    const cites = citesByStep(chain);
    const failedBefore = new Set<string>();
    for (const g of chain.generated_prompts)
      (acc.get(g.name) ?? acc.set(g.name, newAcc()).get(g.name)!).generated = true;
    for (const v of chain.solution_versions) {
      if (v.status !== 'rejected') continue;
      const a = acc.get(v.prompt) ?? acc.set(v.prompt, newAcc()).get(v.prompt)!;
      a.rejected += 1;
    }
    const byStep = new Map<number, ChainContext['calls']>();
    for (const call of chain.calls) {
      const list = byStep.get(call.step);
      if (list) list.push(call);
      else byStep.set(call.step, [call]);
    }
    for (const step of chain.steps) {
      const a = acc.get(step.prompt) ?? newAcc();
      a.runs += 1;
      a.chains.add(chain.chain_uid);
      if (failedBefore.has(step.prompt)) a.retries += 1;
      if (step.status === 'failed') {
        a.failures += 1;
        failedBefore.add(step.prompt);
      }
      const entries = stepEntries(step);
      a.findings += entries.length;
      for (const e of entries) {
        for (const [n, ids] of cites) {
          if (n > step.n && ids.has(e.id)) {
            a.cited += 1;
            break;
          }
        }
      }
      let uncached = 0;
      let runCost = 0;
      let runPriced = true;
      const stepCalls = byStep.get(step.n) ?? [];
      for (const call of stepCalls) {
        const u = call.usage;
        a.tokens +=
          u.input_tokens +
          u.output_tokens +
          (u.cache_creation_input_tokens ?? 0) +
          (u.cache_read_input_tokens ?? 0);
        uncached += u.input_tokens + u.output_tokens + (u.cache_creation_input_tokens ?? 0);
        a.calls += 1;
        if (call.cost_usd !== null) {
          a.cost += call.cost_usd;
          a.pricedCalls += 1;
          runCost += call.cost_usd;
        } else runPriced = false;
      }
      if (step.status === 'complete') a.uncached.push(uncached);
      if (stepCalls.length && runPriced) a.costs.push(runCost);
      if (step.confidence_gain !== null) {
        a.gain += step.confidence_gain;
        a.samples += 1;
      }
      acc.set(step.prompt, a);
    }
  }
  return [...acc.entries()]
    .filter(([, a]) => a.runs > 0)
    .map(([name, a]) => ({
      name,
      runs: a.runs,
      failures: a.failures,
      avg_tokens: a.tokens / a.runs,
      avg_cost_usd: a.calls > 0 && a.pricedCalls === 0 ? null : a.cost / a.runs,
      unpriced_calls: a.calls - a.pricedCalls,
      median_tokens: a.uncached.length ? median(a.uncached) : null,
      cost_class: a.uncached.length >= MIN_RUNS_FOR_CLASS ? costClassOf(median(a.uncached)) : null,
      avg_confidence_gain: a.samples ? a.gain / a.samples : null,
      confidence_samples: a.samples,
      chains: a.chains.size,
      median_cost_usd: a.costs.length ? median(a.costs) : null,
      dimensions: [...assessedBy(name)],
      findings: a.findings,
      cited: a.cited,
      citation_rate: a.findings ? a.cited / a.findings : null,
      retries: a.retries,
      rejected: a.rejected,
      generated: a.generated,
    }))
    .sort((x, y) => y.runs - x.runs || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}

/**
 * Reads every context file in `dirs` and aggregates them; corrupt files are skipped and listed.
 * Also rewrites `dirs[0]`'s measured cost classes (./promptCosts.ts) from the chains read.
 */
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
  // The measured cost classes the selector's catalog uses (./promptCosts.ts), from what was read.
  if (dirs[0]) (await import('../../cost/promptCosts.js')).rewriteCosts(dirs[0], chains);
  return {
    chains: new Set(chains.map((c) => c.chain_uid)).size,
    prompts: computePromptStats(chains),
    skipped,
  };
}
