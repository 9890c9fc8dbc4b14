/**
 * Is the forecast's 80% interval honest? Synthetic histories of 5, 20 and 100 chains are drawn
 * from a known distribution (each prompt of the feature flow's path: a log-normal cost with its
 * own median and spread, seeded), the forecast is made from the history, and fresh chains drawn
 * from the same distribution (held out) are checked against its interval: at least 80% of them
 * must fall inside, for the similar-chains basis (same goal) and the prompt-costs basis (goals
 * unlike the task), however short the history.
 */
import { describe, expect, it } from 'vitest';
import { FLOW_PATH, forecast, rangeOf } from '../../src/features/learning/forecast.js';
import { newChainContext } from '../../src/chain/init.js';
import type { CallRecord, ChainContext, Step } from '../../src/chain/schema.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import { createCatalog } from '../../src/library/catalog.js';
import { builtinPromptsDir, readPromptDir } from '../../src/library/load.js';
import { rng } from '../helpers/chains.js';

const prices = loadPriceTable({});
const model = 'claude-sonnet-4-5';
const catalog = createCatalog((await readPromptDir(builtinPromptsDir(), 'built-in')).docs);
const TASK = 'Add rate limiting to the public API';
const HELD_OUT = 40;

/** A seeded world: per prompt of FLOW_PATH a log-normal cost (median $0.005–$0.10, σ 0.3–0.9 on ln). */
function world(seed: number) {
  const r = rng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const params = new Map(
    [...new Set(FLOW_PATH)].map((p) => [p, { mu: Math.log(0.005 + 0.095 * r()), sigma: 0.3 + 0.6 * r() }]),
  );
  /** The cost of each step of one chain (one step per FLOW_PATH entry). */
  const draw = () => FLOW_PATH.map((p) => Math.exp(params.get(p)!.mu + params.get(p)!.sigma * normal()));
  return { r, draw };
}

let uid = 0;
/** A complete chain for `goal` whose steps ran FLOW_PATH, one call each costing `costs[i]`. */
function chain(goal: string, costs: number[]): ChainContext {
  uid += 1;
  const ctx = newChainContext({
    chainId: String(uid % 1000).padStart(3, '0'),
    chainUid: `uid-${uid}`,
    goal,
    slug: 's',
    workspace: '/w',
    model,
    models: { fast: model, default: model, smart: model },
    now: new Date('2026-01-01T00:00:00Z'),
  });
  const steps: Step[] = FLOW_PATH.map((prompt, i) => ({
    n: i + 1,
    phase: 'context-building',
    prompt,
    focus: null,
    status: 'complete',
    started_at: '',
    ended_at: null,
    summary: 's',
    confidence_before: null,
    confidence_after: null,
    effect: i,
    error: null,
    confidence_reported: null,
    confidence_gain: null,
  }));
  const calls: CallRecord[] = costs.map((cost, i) => ({
    id: i + 1,
    step: i + 1,
    phase: 'context-building',
    prompt: FLOW_PATH[i]!,
    model,
    request_id: null,
    started_at: '',
    latency_ms: 1000,
    usage: { input_tokens: 1, output_tokens: 1 },
    cost_usd: cost,
    pricing_version: 't',
  }));
  return { ...ctx, status: 'complete', steps, calls };
}

/** Words that share nothing with TASK, so that no history chain counts as similar. */
const OTHER = [
  'Rename the billing module',
  'Document the deploy script',
  'Migrate reports to Postgres',
  'Upgrade the logging library',
  'Fix the flaky calendar test',
];
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * Share of held-out chains inside the interval over `trials` histories of `n` chains, and its Monte
 * Carlo standard error (from the spread of the per-history shares: held-out chains of one history
 * share its interval, so they are not independent draws).
 */
function coverage(
  n: number,
  trials: number,
  similar: boolean,
  interval: (history: ChainContext[], costs: number[][]) => { low: number; high: number },
) {
  const shares: number[] = [];
  const { draw } = world(1000 + n + (similar ? 0 : 7));
  for (let t = 0; t < trials; t++) {
    const costs = Array.from({ length: n }, () => draw());
    const history = costs.map((c, i) => chain(similar ? TASK : `${OTHER[i % OTHER.length]} (${i})`, c));
    const { low, high } = interval(history, costs);
    let inside = 0;
    for (let k = 0; k < HELD_OUT; k++) {
      const actual = sum(draw());
      if (actual >= low && actual <= high) inside += 1;
    }
    shares.push(inside / HELD_OUT);
  }
  const share = sum(shares) / trials;
  const se = Math.sqrt(sum(shares.map((x) => (x - share) ** 2)) / (trials - 1) / trials);
  return { share, se };
}

const viaForecast = (basis: string) => (history: ChainContext[]) => {
  const f = forecast(TASK, history, { catalog, model, prices });
  expect(f.basis).toBe(basis);
  return f.cost_usd!;
};

// The similar-chains interval is exact in expectation (80% under the log-normal model), so its
// measured share is 80% give or take the Monte Carlo error: the test allows two standard errors
// below 80% (about 2 points), and no more. The per-prompt sum is built to err on the wide side.
describe("the forecast's 80% interval covers at least 80% of held-out chains", () => {
  for (const [n, trials] of [
    [5, 400],
    [20, 150],
    [100, 100],
  ] as const) {
    it(`similar chains, history of ${n}`, () => {
      const { share, se } = coverage(n, trials, true, viaForecast('similar-chains'));
      expect(se).toBeLessThan(0.012);
      expect(share).toBeGreaterThanOrEqual(0.8 - 2 * se);
      // Honest, not merely wide: a 90% interval would be a useless 80% one.
      expect(share).toBeLessThan(0.86);
    });

    it(`measured prompts of unlike chains, history of ${n}`, () => {
      const { share } = coverage(n, trials, false, viaForecast('prompt-costs'));
      expect(share).toBeGreaterThanOrEqual(0.8);
      expect(share).toBeLessThan(0.95);
    });
  }

  it('the plain 10th–90th percentiles of 5 chains would not (what the small-sample widening is for)', () => {
    const { share } = coverage(5, 300, true, (_h, costs) => rangeOf(costs.map(sum)));
    expect(share).toBeLessThan(0.7);
  });
});
