import { describe, expect, it } from 'vitest';
import { quantile } from 'simple-statistics';
import { CLASS_TOKENS, FLOW_PATH, forecast, forecastLine, HISTORY_MATCH, rangeOf, workflowPath } from '../../src/app/forecast.js';
import { newChainContext } from '../../src/chain/init.js';
import type { CallRecord, ChainContext, Step } from '../../src/chain/schema.js';
import { loadPriceTable, priceFor } from '../../src/cost/prices.js';
import { builtinPromptsDir, readPromptDir } from '../../src/library/load.js';
import { createCatalog } from '../../src/library/catalog.js';
import { rng } from '../helpers/chains.js';

const prices = loadPriceTable({});
const model = 'claude-sonnet-4-5';
const catalog = createCatalog((await readPromptDir(builtinPromptsDir(), 'built-in')).docs);

/** A complete chain for `goal` whose steps (one per prompt) made one call each of `cost` USD and `ms` latency. */
function past(n: number, goal: string, runs: { prompt: string; cost: number | null; ms: number; calls?: number }[], status: ChainContext['status'] = 'complete'): ChainContext {
  const ctx = newChainContext({ chainId: String(n).padStart(3, '0'), chainUid: `uid-${n}-forecast`, goal, slug: 's', workspace: '/w', model, models: { fast: model, default: model, smart: model }, now: new Date('2026-01-01T00:00:00Z') });
  const steps: Step[] = [];
  const calls: CallRecord[] = [];
  runs.forEach((r, i) => {
    steps.push({ n: i + 1, phase: 'context-building', prompt: r.prompt, focus: null, status: 'complete', started_at: '', ended_at: null, summary: 's', confidence_before: null, confidence_after: null, effect: i, error: null, confidence_reported: null, confidence_gain: null });
    const k = r.calls ?? 1;
    for (let j = 0; j < k; j++) {
      calls.push({ id: calls.length + 1, step: i + 1, phase: 'context-building', prompt: r.prompt, model, request_id: null, started_at: '', latency_ms: r.ms / k, usage: { input_tokens: 1, output_tokens: 1 }, cost_usd: r.cost === null ? null : r.cost / k, pricing_version: 't' });
    }
  });
  return { ...ctx, status, steps, calls };
}

describe('forecast from similar chains', () => {
  it('gives the 10th/50th/90th percentiles of the similar complete chains only', () => {
    // 20 JWT chains costing $0.10 … $2.00, plus dissimilar and unfinished chains that must not count.
    const jwt = Array.from({ length: 20 }, (_, i) => past(i + 1, `Add JWT authentication variant ${i} to the Express app`, [{ prompt: 'new_case', cost: (i + 1) / 10, ms: (i + 1) * 1000, calls: i + 2 }]));
    const other = Array.from({ length: 5 }, (_, i) => past(100 + i, 'Migrate the reporting database to Postgres', [{ prompt: 'new_case', cost: 50, ms: 1, calls: 99 }]));
    const running = past(200, 'Add JWT authentication to the Express app', [{ prompt: 'new_case', cost: 99, ms: 1 }], 'running');
    const f = forecast('Add JWT authentication to the Express app', [...jwt, ...other, running], { catalog, model, prices });
    expect(f.basis).toBe('similar-chains');
    expect(f.chains).toHaveLength(20);
    expect(f.chains.every((c) => Number(c.chain_id) <= 20 && c.similarity >= HISTORY_MATCH)).toBe(true);
    const costs = jwt.map((_, i) => (i + 1) / 10);
    expect(f.cost_usd!.median).toBeCloseTo(quantile(costs, 0.5), 10);
    expect(f.cost_usd!.low).toBeCloseTo(quantile(costs, 0.1), 10);
    expect(f.cost_usd!.high).toBeCloseTo(quantile(costs, 0.9), 10);
    expect(f.cost_usd!.low).toBeLessThan(f.cost_usd!.median);
    expect(f.calls).toEqual(rangeOf(jwt.map((_, i) => i + 2)));
    expect(f.duration_ms!.median).toBeCloseTo(10_500, 6);
    expect(f.rests_on).toMatch(/^20 similar complete chains in this workspace \(\d{3}, \d{3}, /);
    expect(forecastLine(f)).toMatch(/^forecast: \$1\.05 \(80%: \$0\.\d+–\$1\.\d+\) · \d+ calls \(\d+–\d+\) · [\d.]+ s?.*rests on 20 similar/);
  });

  it('covers about 80% of new chains drawn from the same distribution as the history (calibration)', () => {
    const r = rng(12);
    // Lognormal-ish costs: exp(N(0, 0.6)) via Box–Muller.
    const draw = () => Math.exp(0.6 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));
    let inside = 0;
    let total = 0;
    for (let trial = 0; trial < 40; trial++) {
      const history = Array.from({ length: 20 }, (_, i) => past(i + 1, 'Add rate limiting to the public API', [{ prompt: 'new_case', cost: draw(), ms: 1000 }]));
      const f = forecast('Add rate limiting to the public API endpoints', history, { catalog, model, prices });
      expect(f.basis).toBe('similar-chains');
      for (let k = 0; k < 10; k++) {
        const actual = draw();
        total += 1;
        if (actual >= f.cost_usd!.low && actual <= f.cost_usd!.high) inside += 1;
      }
    }
    // 400 draws: an 80% interval estimated from 20 samples covers a bit less than 80% on average.
    expect(inside / total).toBeGreaterThan(0.62);
    expect(inside / total).toBeLessThan(0.9);
  });

  it('leaves the cost out for a chain with unpriced calls and says so', () => {
    const h = [1, 2, 3, 4].map((i) => past(i, 'Fix the flaky login test', [{ prompt: 'new_case', cost: i === 4 ? null : i, ms: 10 }]));
    const f = forecast('Fix the flaky login test again', h, { catalog, model, prices });
    expect(f.basis).toBe('similar-chains');
    expect(f.cost_usd!.median).toBe(2);
    expect(f.rests_on).toContain('1 had unpriced calls and are left out of the cost');
  });
});

describe('forecast without similar history', () => {
  it('sums the measured runs along the flow path, declared classes for the rest', () => {
    // Two dissimilar chains measured new_case and code_reviewer runs.
    const h = [
      past(1, 'Write the API documentation', [{ prompt: 'new_case', cost: 0.02, ms: 2000 }, { prompt: 'code_reviewer', cost: 0.1, ms: 9000, calls: 3 }]),
      past(2, 'Rename the billing module', [{ prompt: 'new_case', cost: 0.04, ms: 4000 }, { prompt: 'code_reviewer', cost: 0.3, ms: 11000, calls: 5 }]),
    ];
    const f = forecast('Add JWT authentication to the Express app', h, { catalog, model, prices });
    expect(f.basis).toBe('prompt-costs');
    expect(f.measured_runs).toMatchObject({ new_case: 2, code_reviewer: 2, solution_synthesizer: 0 });
    const input = priceFor(prices, model)!.input_mtok;
    const declared = FLOW_PATH.filter((p) => p !== 'new_case' && p !== 'code_reviewer');
    const mid = declared.reduce((n, p) => n + CLASS_TOKENS[catalog.get(p)!.cost_estimate][1], 0);
    expect(f.cost_usd!.median).toBeCloseTo(0.03 + 0.2 + (mid * input) / 1e6, 10);
    // code_reviewer's calls (3 and 5) give median 4; each declared prompt one call.
    expect(f.calls.median).toBeCloseTo(1 + 4 + declared.length, 10);
    expect(f.duration_ms).toBeNull();
    expect(f.rests_on).toMatch(/measured runs \(2 runs each\) of 2 of the 18 prompts/);
  });

  it('falls back to the declared classes in an empty workspace', () => {
    const f = forecast('Add JWT authentication', [], { catalog, model, prices });
    expect(f.basis).toBe('declared-classes');
    expect(f.calls).toEqual({ median: FLOW_PATH.length, low: FLOW_PATH.length, high: FLOW_PATH.length });
    expect(f.cost_usd!.low).toBeLessThan(f.cost_usd!.median);
    expect(f.cost_usd!.median).toBeLessThan(f.cost_usd!.high);
    expect(forecast('Add JWT authentication', [], { catalog, model: 'no-such-model', prices }).cost_usd).toBeNull();
  });

  it('counts the chains of the matched pattern: its source and the chains that applied it', () => {
    const h = [1, 2].map((i) => past(i, 'Add JWT authentication to the Express app', [{ prompt: 'new_case', cost: i, ms: 1 }]));
    const applied = past(3, 'Issue tokens to the mobile clients', [{ prompt: 'new_case', cost: 3, ms: 1 }]);
    applied.pattern = { name: 'session_to_token_auth', file: 'p', similarity: 0.6, applied_by: 'yes', questions: [], decisions: [], discovery: [], queued: true, generated_loaded: [], generated_missing: [], lessons: [], adaptations: [], reason: null };
    const source = past(4, 'Something worded quite differently', [{ prompt: 'new_case', cost: 4, ms: 1 }]);
    const other = past(5, 'Unrelated chain', [{ prompt: 'new_case', cost: 100, ms: 1 }]);
    const without = forecast('Add JWT authentication to the Express app', [...h, applied, source, other], { catalog, model, prices });
    expect(without.basis).toBe('prompt-costs');
    const f = forecast('Add JWT authentication to the Express app', [...h, applied, source, other], { catalog, model, prices, pattern: { name: 'session_to_token_auth', source_uid: source.chain_uid, similarity: 0.7 } });
    expect(f.basis).toBe('similar-chains');
    expect(f.chains.map((c) => c.chain_id).sort()).toEqual(['001', '002', '003', '004']);
    expect(f.cost_usd!.median).toBeCloseTo(2.5, 10);
    expect(f.rests_on).toMatch(/; 2 of them saved or applied pattern session_to_token_auth$/);
  });

  it('needs 3 similar chains: two are not enough', () => {
    const h = [1, 2].map((i) => past(i, 'Add JWT authentication to the Express app', [{ prompt: 'new_case', cost: 1, ms: 1 }]));
    expect(forecast('Add JWT authentication to the Express app', h, { catalog, model, prices }).basis).toBe('prompt-costs');
  });
});

describe('forecast for a workflow other than feature', () => {
  const audit: Parameters<typeof forecast>[2]['workflow'] = {
    name: 'audit',
    steps: [
      { parallel: { max_concurrency: 2, branches: [{ prompt: 'security_scanner' }, { prompt: 'dependency_analyzer' }], merge: 'status_reporter' } },
      { if: { confidence: { below: 0.9 } }, then: [{ prompt: 'hidden_coupling_finder' }] },
      { gate: 'approval' },
      { phase: 'deployment-readiness' },
    ],
  };

  it('walks the workflow: every prompt it names, the merge, and the prompts of each phase step', () => {
    expect(workflowPath(audit!.steps)).toEqual(['security_scanner', 'dependency_analyzer', 'status_reporter', 'hidden_coupling_finder', 'deployment_checker', 'pr_description_writer']);
  });

  it('takes only chains of the same workflow as similar history, and sums the workflow path otherwise', () => {
    const goal = 'Audit the authentication code for security problems';
    const feature = Array.from({ length: 5 }, (_, i) => past(i + 1, `${goal} variant ${i}`, [{ prompt: 'security_scanner', cost: 0.01, ms: 1000 }]));
    const f = forecast(goal, feature, { catalog, model, prices, workflow: audit });
    // Five feature chains with a matching goal are no history for an audit; their measured security_scanner runs still count.
    expect(f.basis).toBe('prompt-costs');
    expect(f.rests_on).toContain("of the 6 prompts on the audit workflow's straight path");
    expect(f.measured_runs).toEqual({ security_scanner: 5, dependency_analyzer: 0, status_reporter: 0, hidden_coupling_finder: 0, deployment_checker: 0, pr_description_writer: 0 });
    expect(f.calls.median).toBe(6);
    const asAudit = feature.map((c) => ({ ...c, workflow: { name: 'audit', file: 'workflows/audit.yaml', layer: 'workspace', doc: {}, state: c.workflow?.state ?? ({} as never), phase_entered: false, step_budget: null, sub_chain: null } })) as ChainContext[];
    expect(forecast(goal, asAudit, { catalog, model, prices, workflow: audit }).basis).toBe('similar-chains');
    expect(forecast(goal, asAudit, { catalog, model, prices }).basis).not.toBe('similar-chains');
  });
});
