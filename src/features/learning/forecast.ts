/**
 * A chain's forecast before its first call (`--estimate` and the line at the start of
 * every run): expected cost (USD), calls and duration (ms of model time: the sum of the calls'
 * latencies, so a human's wait at a gate does not count) as a median and an 80% interval. It rests
 * on, in order:
 *
 * 1. `similar-chains`: at least MIN_SIMILAR complete chains of this contexts directory whose goal
 *    resembles the task (src/library/similar.ts, similarity ≥ HISTORY_MATCH; the MAX_SIMILAR most similar),
 *    together with the chains of the saved pattern the task matches (its source, and chains that applied it);
 *    the interval is the log-normal prediction interval of their totals (./forecastInterval.ts:
 *    Student-t, widened for few chains);
 * 2. `prompt-costs`: the runs measured per prompt in every chain read (recorded chains too: a
 *    cassette sits beside its chain's context file), summed along the feature flow's straight path
 *    (FLOW_PATH: no loops, no rejection) or the chain's workflow's (workflowPath); each measured
 *    prompt's interval is its runs' prediction interval with a spread pooled across prompts; a
 *    prompt never measured counts as in the reference chain (./referenceChain.ts), else at its
 *    declared cost class (CLASS_TOKENS priced as input tokens of the default model);
 * 3. `reference-chain`: no measurement at all — the reference chain's measured usage per prompt,
 *    priced at the chain's model, ×/÷ the prior's spread (PRIOR_LOG_SD);
 * 4. `declared-classes`: a path none of whose prompts the reference chain ran — the declared classes alone.
 *
 * For 2–4 the median is the sum of the prompts' medians and the interval the sums of their bounds
 * (as if every prompt ran high or low together: wider, never narrower, than independent runs
 * would give). Pure except `forecastFor`, which reads the contexts directory.
 */
import { quantile } from 'simple-statistics';
import type { ChainContext } from '../../chain/schema.js';
import { PHASES } from '../../chain/phases.js';
import { straightPath } from '../../phases/straightPath.js';
import { costOfCall, priceFor, type PriceTable } from '../../cost/prices.js';
import type { Catalog } from '../../library/catalog.js';
import type { CostEstimate } from '../../library/parse.js';
import type { Step } from '../../workflows/schema.js';
import { walkSteps } from '../../workflows/walk.js';
import { REQUIRED_GATES } from '../../phases/machine.js';
import { predictionRange, sumPredictionRange, withinChainCorrelation, Z90 } from './forecastInterval.js';
import { perRunUsage, PRIOR_LOG_SD, REFERENCE_CHAIN } from './referenceChain.js';
import { historyOf, readHistory, type HistoryChain } from './forecastHistory.js';
import { similarities } from '../../library/similar.js';

const MIN_SIMILAR = 3;
const MAX_SIMILAR = 20;
/** Similarity (0..1) a past chain's goal needs to count as matching the task. */
export const HISTORY_MATCH = 0.45;
/** Chains read at most (the newest), so a start stays quick in a directory of thousands. */
export const MAX_HISTORY = 200;

/**
 * The prompts a feature chain runs on its straight path, derived by running the phase machine on
 * a chain with no loop and no rejection (src/phases/straightPath.ts): requirements with one round
 * of questions, two selector decisions around one discovery prompt (`trace_existing_flow` stands
 * for the discovery the selector picks), analysis, synthesis and presentation, design, tests
 * first, implementation, the two required quality gates and deployment readiness.
 */
const STRAIGHT = straightPath();
export const FLOW_PATH: readonly string[] = STRAIGHT.map((p) => p.prompt);

/** FLOW_PATH by phase (the phase the machine is in while each prompt runs): what a workflow's `phase` step runs on its straight path. */
export const FLOW_BY_PHASE: Record<string, readonly string[]> = Object.fromEntries(
  PHASES.map((phase) => [phase, STRAIGHT.filter((p) => p.phase === phase).map((p) => p.prompt)]),
);

/** The workflow a forecast is for: its name and steps (null or absent: the feature flow). */
export interface ForecastWorkflow {
  name: string;
  steps: Step[];
}

/**
 * The prompts a workflow's straight path runs, in file order: every prompt it names (in any
 * branch of an if/switch, once per loop body, each parallel branch and the merge) and the
 * FLOW_BY_PHASE prompts of each `phase` step. Gates, test runs and sub-chains make no call here.
 */
export function workflowPath(steps: Step[]): string[] {
  const out: string[] = [];
  const seen = new Set<Step>();
  for (const { step } of walkSteps(steps)) {
    if (seen.has(step)) continue;
    if ('prompt' in step) out.push(step.prompt);
    else if ('phase' in step) out.push(...(FLOW_BY_PHASE[step.phase] ?? []));
    else if ('parallel' in step) {
      // The branches, then the merge that runs after them (walkSteps lists the branches next: skip them there).
      for (const b of step.parallel.branches) seen.add(b);
      out.push(
        ...step.parallel.branches.map((b) => b.prompt),
        ...(step.parallel.merge ? [step.parallel.merge] : []),
      );
    }
  }
  return out;
}

/** Uncached tokens of one run by declared class: [low, median, high] (the class bounds of src/features/learning/promptStats.ts costClassOf; high's top is 4× its floor). */
export const CLASS_TOKENS: Record<CostEstimate, [number, number, number]> = {
  minimal: [20, 60, 100],
  low: [100, 550, 1_000],
  medium: [1_000, 3_000, 5_000],
  high: [5_000, 10_000, 20_000],
};

export interface Range {
  /** 50th percentile. */
  median: number;
  /** 10th percentile. */
  low: number;
  /** 90th percentile. */
  high: number;
}

type ForecastBasis = 'similar-chains' | 'prompt-costs' | 'reference-chain' | 'declared-classes';

export interface Forecast {
  basis: ForecastBasis;
  /** One sentence: what the figures rest on. */
  rests_on: string;
  /** The matching chains (similar-chains), most similar first: id and similarity 0..1. */
  chains: { chain_id: string; similarity: number }[];
  /** USD; null when nothing it rests on was priced. */
  cost_usd: Range | null;
  calls: Range;
  /** Model time in ms; null when it rests on declared classes (no timings). */
  duration_ms: Range | null;
  /** Runs measured per prompt, by prompt on FLOW_PATH (0 = declared class used); only for prompt-costs. */
  measured_runs?: Record<string, number>;
}

/** The 10th, 50th and 90th percentiles of `xs` (non-empty). */
export function rangeOf(xs: readonly number[]): Range {
  const s = [...xs].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), low: quantile(s, 0.1), high: quantile(s, 0.9) };
}

/** Complete chains of the feature flow (not `prompt run`'s one-prompt chains) that made calls. */
function usableHistory(chains: readonly HistoryChain[]): HistoryChain[] {
  const seen = new Set<string>();
  return chains.filter((c) => {
    if (c.status !== 'complete' || c.single_prompt || c.calls === 0 || seen.has(c.chain_uid)) return false;
    seen.add(c.chain_uid);
    return true;
  });
}

/** The 80% prediction interval of `xs` (./forecastInterval.ts); the sample's percentiles when it cannot be made. */
function predicted(xs: readonly number[]): Range {
  return predictionRange(xs) ?? rangeOf(xs);
}

function fromChains(matched: { ctx: HistoryChain; similarity: number }[]): Forecast {
  const totals = matched.map((m) => m.ctx);
  const costs = totals.map((t) => t.cost).filter((c): c is number => c !== null);
  const ids = matched.map((m) => m.ctx.chain_id);
  return {
    basis: 'similar-chains',
    rests_on: `${matched.length} similar complete chain${matched.length === 1 ? '' : 's'} in this workspace (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''})${costs.length < totals.length ? `; ${totals.length - costs.length} had unpriced calls and are left out of the cost` : ''}`,
    chains: matched.map((m) => ({ chain_id: m.ctx.chain_id, similarity: m.similarity })),
    cost_usd: costs.length ? predicted(costs) : null,
    calls: predicted(totals.map((t) => t.calls)),
    duration_ms: predicted(totals.map((t) => t.ms)),
  };
}

interface Run {
  cost: number | null;
  calls: number;
  ms: number;
  /** The chain_uid it ran in. */
  chain: string;
}

/** Every run of each prompt in `chains` (steps that finished, in step order), with its calls' cost, count and latency. */
function runsByPrompt(chains: readonly HistoryChain[]): Map<string, Run[]> {
  const out = new Map<string, Run[]>();
  for (const ctx of chains) {
    for (const run of ctx.runs) {
      const list = out.get(run.prompt) ?? [];
      list.push({ cost: run.cost, calls: run.calls, ms: run.ms, chain: ctx.chain_uid });
      out.set(run.prompt, list);
    }
  }
  return out;
}

const add = (a: Range, b: Range): Range => ({
  median: a.median + b.median,
  low: a.low + b.low,
  high: a.high + b.high,
});
const zero = (): Range => ({ median: 0, low: 0, high: 0 });
/** `x` with the prior's 80% spread around it (×/÷ exp(z · PRIOR_LOG_SD)). */
const spread = (x: number): Range => ({
  median: x,
  low: x / Math.exp(Z90 * PRIOR_LOG_SD),
  high: x * Math.exp(Z90 * PRIOR_LOG_SD),
});

/**
 * The 80% interval of the measured prompts' sum along the path for one figure (`pick`: cost, calls
 * or model time of a run): the log-normal sum of ./forecastInterval.ts with the within-chain
 * correlation the history shows; the sum of the runs' percentiles when a value is zero. Null when
 * a prompt has no run with that figure (unpriced).
 */
function measuredSum(
  runs: Map<string, Run[]>,
  measuredPath: readonly string[],
  pick: (r: Run) => number | null,
): Range | null {
  const values = (name: string) =>
    runs.get(name)!.flatMap((r) => (pick(r) === null ? [] : [{ value: pick(r)!, chain: r.chain }]));
  const terms = measuredPath.map((n) => values(n).map((v) => v.value));
  if (terms.some((t) => !t.length)) return null;
  const rho = withinChainCorrelation([...new Set(measuredPath)].map(values));
  return sumPredictionRange(terms, rho, PRIOR_LOG_SD) ?? terms.map((t) => rangeOf(t)).reduce(add, zero());
}

function fromPrompts(
  runs: Map<string, Run[]>,
  path: readonly string[],
  pathName: string,
  catalog: Catalog,
  model: string,
  prices: PriceTable,
): Forecast {
  const inputRate = priceFor(prices, model)?.input_mtok ?? null;
  const measured: Record<string, number> = {};
  for (const name of path) measured[name] = (runs.get(name) ?? []).length;
  const measuredPath = path.filter((n) => measured[n]! > 0);
  // The measured prompts as one sum; the others (priors) added as if they ran high or low together.
  let cost: Range | null = measuredPath.length ? measuredSum(runs, measuredPath, (r) => r.cost) : zero();
  let calls = measuredPath.length ? measuredSum(runs, measuredPath, (r) => r.calls)! : zero();
  let ms: Range | null = measuredPath.length ? measuredSum(runs, measuredPath, (r) => r.ms) : zero();
  let declared = 0;
  let fromReference = 0;
  for (const name of path) {
    if (measured[name]! > 0) continue;
    ms = null;
    const ref = REFERENCE_CHAIN.prompts[name];
    if (ref) {
      // The reference chain's run of this prompt, priced at this chain's model.
      fromReference += 1;
      calls = add(calls, spread(ref.calls / Math.max(1, ref.runs)));
      const usd = costOfCall(perRunUsage(ref), model, prices).cost_usd;
      cost = cost && usd !== null ? add(cost, spread(usd)) : null;
      continue;
    }
    declared += 1;
    calls = add(calls, { median: 1, low: 1, high: 1 });
    const [lo, mid, hi] = CLASS_TOKENS[catalog.get(name)?.cost_estimate ?? 'medium'];
    cost =
      cost && inputRate !== null
        ? add(cost, {
            low: (lo * inputRate) / 1e6,
            median: (mid * inputRate) / 1e6,
            high: (hi * inputRate) / 1e6,
          })
        : null;
  }
  const steps = path.length;
  const counts = Object.values(measured).filter((n) => n > 0);
  const each = counts.length
    ? Math.min(...counts) === Math.max(...counts)
      ? `${counts[0]} run${counts[0] === 1 ? '' : 's'} each`
      : `${Math.min(...counts)}–${Math.max(...counts)} runs each`
    : '';
  const unmeasured = [
    fromReference ? `${fromReference} as in the reference chain` : '',
    declared ? `${declared} at their declared class` : '',
  ]
    .filter(Boolean)
    .join(', ');
  if (declared + fromReference === steps) {
    const prior = fromReference > 0;
    return {
      basis: prior ? 'reference-chain' : 'declared-classes',
      rests_on: prior
        ? `no measured runs yet: the ${steps} prompts on ${pathName} as they ran in the reference chain (its measured usage, priced as ${model}${declared ? `; ${declared} not in it, at their declared class` : ''}), 80% interval ×/÷ ${Math.exp(Z90 * PRIOR_LOG_SD).toFixed(1)} (loops and rejections not counted)`
        : `no measured runs yet: the declared cost classes of the ${steps} prompts on ${pathName}, one call each, priced as ${model} input tokens (loops, agent turns and cached reads not counted)`,
      chains: [],
      cost_usd: cost,
      calls,
      duration_ms: null,
    };
  }
  return {
    basis: 'prompt-costs',
    rests_on: `no similar complete chain: measured runs (${each}) of ${steps - declared - fromReference} of the ${steps} prompts on ${pathName}${unmeasured ? ` (${unmeasured})` : ''}, summed (loops and rejections not counted)`,
    chains: [],
    cost_usd: cost,
    calls,
    duration_ms: ms,
    measured_runs: measured,
  };
}

/** The saved pattern a forecast takes into account: its source chain and every chain that applied it match the task. */
interface ForecastPattern {
  name: string;
  source_uid: string;
  /** 0..1, the task's match with the pattern. */
  similarity: number;
}

/** The forecast's view of a chain's workflow (`ChainContext['workflow']`; null: the feature flow). */
export function forecastWorkflow(run: ChainContext['workflow'] | undefined): ForecastWorkflow | null {
  // The feature workflow is the flow FLOW_PATH follows (a workspace's own feature.yaml included).
  if (!run || run.name === 'feature') return null;
  const steps = run.doc.steps;
  return { name: run.name, steps: Array.isArray(steps) ? (steps as Step[]) : [] };
}

/** What a forecast needs besides the history: `model` prices declared classes; `workflow` (absent or null: the feature flow). */
export interface ForecastDeps {
  catalog: Catalog;
  model: string;
  prices: PriceTable;
  pattern?: ForecastPattern;
  workflow?: ForecastWorkflow | null;
  /** Config `quality_gates.second_opinion` is set: code_reviewer and security_scanner run twice on the path. */
  secondOpinion?: boolean;
}

/**
 * The forecast for `task` from `chains` (already read; any status — only usable history counts).
 * `model` is the chain's default-tier model (prices declared classes). With `pattern`, the chain it
 * was saved from and the chains that applied it count as matching (at the pattern's similarity
 * when their goal is less similar). With `workflow`, only chains of that workflow count as similar
 * history, and the per-prompt sum follows `workflowPath` of its steps (measured runs of a prompt count
 * from chains of any workflow); with `secondOpinion`, the required gates count twice. Pure.
 */
export function forecast(task: string, chains: readonly ChainContext[], deps: ForecastDeps): Forecast {
  return forecastFromHistory(task, chains.map(historyOf), deps);
}

/** `forecast` from the chains' summaries (./forecastHistory.ts), as the history index keeps them. Pure. */
function forecastFromHistory(task: string, chains: readonly HistoryChain[], deps: ForecastDeps): Forecast {
  // Only chains of the same workflow are history for this one (a review is no guide to a feature).
  const wf = deps.workflow ?? null;
  const history = usableHistory(chains).filter((c) => c.workflow === (wf?.name ?? null));
  const byUid = new Map(history.map((c) => [c.chain_uid, c]));
  const sims = new Map(
    // Only the percentages count here (the hits are ordered by them below), not the search's relevance.
    similarities(
      task,
      history.map((c) => ({ id: c.chain_uid, primary: c.goal })),
      { min: HISTORY_MATCH },
    ).map((h) => [h.id, h.similarity]),
  );
  const p = deps.pattern;
  const viaPattern = new Set<string>();
  if (p) {
    for (const c of history) {
      if (c.chain_uid !== p.source_uid && c.pattern !== p.name) continue;
      viaPattern.add(c.chain_uid);
      sims.set(c.chain_uid, Math.max(sims.get(c.chain_uid) ?? 0, p.similarity));
    }
  }
  const hits = [...sims.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, MAX_SIMILAR);
  if (hits.length >= MIN_SIMILAR) {
    const f = fromChains(hits.map(([uid, similarity]) => ({ ctx: byUid.get(uid)!, similarity })));
    const used = hits.filter(([uid]) => viaPattern.has(uid)).length;
    return used && p
      ? { ...f, rests_on: `${f.rests_on}; ${used} of them saved or applied pattern ${p.name}` }
      : f;
  }
  const straight = wf ? workflowPath(wf.steps) : FLOW_PATH;
  const path = deps.secondOpinion
    ? straight.flatMap((n) => ((REQUIRED_GATES as readonly string[]).includes(n) ? [n, n] : [n]))
    : straight;
  const pathName = wf ? `the ${wf.name} workflow's straight path` : "the feature flow's straight path";
  return fromPrompts(
    runsByPrompt(usableHistory(chains)),
    path,
    pathName,
    deps.catalog,
    deps.model,
    deps.prices,
  );
}

/**
 * Forecasts `task` from the newest MAX_HISTORY chains of `dirs` (corrupt files skipped), their
 * summaries taken from the history index where it is current (./forecastHistory.ts). Never
 * throws for a bad context file; throws only unexpected I/O errors of the directory listing.
 */
export async function forecastFor(task: string, dirs: string[], deps: ForecastDeps): Promise<Forecast> {
  return forecastFromHistory(task, await readHistory(dirs, MAX_HISTORY), deps);
}

const usd = (n: number) =>
  n >= 10
    ? `$${n.toFixed(0)}`
    : n >= 1
      ? `$${n.toFixed(2)}`
      : n >= 0.01
        ? `$${n.toFixed(3)}`
        : `$${n.toFixed(4)}`;
const mins = (ms: number) =>
  ms >= 60_000 ? `${(ms / 60_000).toFixed(ms >= 600_000 ? 0 : 1)} min` : `${Math.round(ms / 1000)} s`;

/** One line: `forecast: $0.42 (80%: $0.20–$0.90) · 24 calls (18–30) · 6.1 min (3.0 min–11 min) — rests on …`. */
export function forecastLine(f: Forecast): string {
  const cost = f.cost_usd
    ? `${usd(f.cost_usd.median)} (80%: ${usd(f.cost_usd.low)}–${usd(f.cost_usd.high)})`
    : 'cost unknown (unpriced)';
  const calls = `${Math.round(f.calls.median)} calls (${Math.round(f.calls.low)}–${Math.round(f.calls.high)})`;
  const time = f.duration_ms
    ? ` · ${mins(f.duration_ms.median)} model time (${mins(f.duration_ms.low)}–${mins(f.duration_ms.high)})`
    : '';
  return `forecast: ${cost} · ${calls}${time} — rests on ${f.rests_on}`;
}
