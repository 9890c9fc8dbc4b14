import { describe, expect, it } from 'vitest';
import {
  CLASS_TOKENS,
  FLOW_PATH,
  forecast,
  forecastLine,
  HISTORY_MATCH,
  workflowPath,
} from '../../src/features/learning/forecast.js';
import {
  predictionRange,
  sumPredictionRange,
  withinChainCorrelation,
} from '../../src/features/learning/forecastInterval.js';
import { perRunUsage, PRIOR_LOG_SD, REFERENCE_CHAIN } from '../../src/features/learning/referenceChain.js';
import { costOfCall } from '../../src/cost/prices.js';
import { newChainContext } from '../../src/chain/init.js';
import type { CallRecord, ChainContext, Step } from '../../src/chain/schema.js';
import { loadPriceTable, priceFor } from '../../src/cost/prices.js';
import { builtinPromptsDir, readPromptDir } from '../../src/library/load.js';
import { createCatalog } from '../../src/library/catalog.js';

const prices = loadPriceTable({});
const model = 'claude-sonnet-4-5';
const catalog = createCatalog((await readPromptDir(builtinPromptsDir(), 'built-in')).docs);

/** A complete chain for `goal` whose steps (one per prompt) made one call each of `cost` USD and `ms` latency. */
function past(
  n: number,
  goal: string,
  runs: { prompt: string; cost: number | null; ms: number; calls?: number }[],
  status: ChainContext['status'] = 'complete',
): ChainContext {
  const ctx = newChainContext({
    chainId: String(n).padStart(3, '0'),
    chainUid: `uid-${n}-forecast`,
    goal,
    slug: 's',
    workspace: '/w',
    model,
    models: { fast: model, default: model, smart: model },
    now: new Date('2026-01-01T00:00:00Z'),
  });
  const steps: Step[] = [];
  const calls: CallRecord[] = [];
  runs.forEach((r, i) => {
    steps.push({
      n: i + 1,
      phase: 'context-building',
      prompt: r.prompt,
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
    });
    const k = r.calls ?? 1;
    for (let j = 0; j < k; j++) {
      calls.push({
        id: calls.length + 1,
        step: i + 1,
        phase: 'context-building',
        prompt: r.prompt,
        model,
        request_id: null,
        started_at: '',
        latency_ms: r.ms / k,
        usage: { input_tokens: 1, output_tokens: 1 },
        cost_usd: r.cost === null ? null : r.cost / k,
        pricing_version: 't',
      });
    }
  });
  return { ...ctx, status, steps, calls };
}

describe('forecast from similar chains', () => {
  it('gives the log-normal 80% prediction interval of the similar complete chains only', () => {
    // 20 JWT chains costing $0.10 … $2.00, plus dissimilar and unfinished chains that must not count.
    const jwt = Array.from({ length: 20 }, (_, i) =>
      past(i + 1, `Add JWT authentication variant ${i} to the Express app`, [
        { prompt: 'new_case', cost: (i + 1) / 10, ms: (i + 1) * 1000, calls: i + 2 },
      ]),
    );
    const other = Array.from({ length: 5 }, (_, i) =>
      past(100 + i, 'Migrate the reporting database to Postgres', [
        { prompt: 'new_case', cost: 50, ms: 1, calls: 99 },
      ]),
    );
    const running = past(
      200,
      'Add JWT authentication to the Express app',
      [{ prompt: 'new_case', cost: 99, ms: 1 }],
      'running',
    );
    const f = forecast('Add JWT authentication to the Express app', [...jwt, ...other, running], {
      catalog,
      model,
      prices,
    });
    expect(f.basis).toBe('similar-chains');
    expect(f.chains).toHaveLength(20);
    expect(f.chains.every((c) => Number(c.chain_id) <= 20 && c.similarity >= HISTORY_MATCH)).toBe(true);
    // ln cost: mean ± t(0.90; 19) · s · √(1 + 1/20), exponentiated (t = 1.328 from the table).
    const logs = jwt.map((_, i) => Math.log((i + 1) / 10));
    const mean = logs.reduce((a, b) => a + b, 0) / 20;
    const s = Math.sqrt(logs.reduce((a, y) => a + (y - mean) ** 2, 0) / 19);
    expect(f.cost_usd!.median).toBeCloseTo(Math.exp(mean), 10);
    expect(f.cost_usd!.low).toBeCloseTo(Math.exp(mean - 1.328 * s * Math.sqrt(1.05)), 10);
    expect(f.cost_usd!.high).toBeCloseTo(Math.exp(mean + 1.328 * s * Math.sqrt(1.05)), 10);
    expect(f.cost_usd!.low).toBeLessThan(f.cost_usd!.median);
    expect(f.calls).toEqual(predictionRange(jwt.map((_, i) => i + 2)));
    expect(f.duration_ms!.median).toBeCloseTo(Math.exp(mean) * 10_000, 6);
    expect(f.rests_on).toMatch(/^20 similar complete chains in this workspace \(\d{3}, \d{3}, /);
    expect(forecastLine(f)).toMatch(
      /^forecast: \$0\.\d+ \(80%: \$0\.\d+–\$\d\.\d+\) · \d+ calls \(\d+–\d+\) · [\d.]+ s?.*rests on 20 similar/,
    );
  });

  it('leaves the cost out for a chain with unpriced calls and says so', () => {
    const h = [1, 2, 3, 4].map((i) =>
      past(i, 'Fix the flaky login test', [{ prompt: 'new_case', cost: i === 4 ? null : i, ms: 10 }]),
    );
    const f = forecast('Fix the flaky login test again', h, { catalog, model, prices });
    expect(f.basis).toBe('similar-chains');
    expect(f.cost_usd!.median).toBeCloseTo(Math.cbrt(6), 10);
    expect(f.rests_on).toContain('1 had unpriced calls and are left out of the cost');
  });
});

describe('forecast without similar history', () => {
  it('sums the measured runs along the flow path, the reference chain for the rest', () => {
    // Two dissimilar chains measured new_case and code_reviewer runs.
    const h = [
      past(1, 'Write the API documentation', [
        { prompt: 'new_case', cost: 0.02, ms: 2000 },
        { prompt: 'code_reviewer', cost: 0.1, ms: 9000, calls: 3 },
      ]),
      past(2, 'Rename the billing module', [
        { prompt: 'new_case', cost: 0.04, ms: 4000 },
        { prompt: 'code_reviewer', cost: 0.3, ms: 11000, calls: 5 },
      ]),
    ];
    const f = forecast('Add JWT authentication to the Express app', h, { catalog, model, prices });
    expect(f.basis).toBe('prompt-costs');
    expect(f.measured_runs).toMatchObject({ new_case: 2, code_reviewer: 2, solution_synthesizer: 0 });
    const unmeasured = FLOW_PATH.filter((p) => p !== 'new_case' && p !== 'code_reviewer');
    expect(unmeasured.every((p) => REFERENCE_CHAIN.prompts[p])).toBe(true);
    const reference = unmeasured.reduce(
      (n, p) => n + costOfCall(perRunUsage(REFERENCE_CHAIN.prompts[p]!), model, prices).cost_usd!,
      0,
    );
    // Measured prompts: the log-normal sum of their runs (both chains ran both lower or both higher:
    // correlation 1/2); the rest: the reference chain's runs priced at the model, ×/÷ the prior spread.
    const measuredPart = sumPredictionRange(
      [
        [0.02, 0.04],
        [0.1, 0.3],
      ],
      withinChainCorrelation([
        [
          { chain: 'uid-1-forecast', value: 0.02 },
          { chain: 'uid-2-forecast', value: 0.04 },
        ],
        [
          { chain: 'uid-1-forecast', value: 0.1 },
          { chain: 'uid-2-forecast', value: 0.3 },
        ],
      ]),
      PRIOR_LOG_SD,
    )!;
    expect(
      withinChainCorrelation([
        [
          { chain: 'a', value: 0.02 },
          { chain: 'b', value: 0.04 },
        ],
        [
          { chain: 'a', value: 0.1 },
          { chain: 'b', value: 0.3 },
        ],
      ]),
    ).toBeCloseTo(0.5, 10);
    const wide = Math.exp(1.2815515655446004 * PRIOR_LOG_SD);
    expect(f.cost_usd!.median).toBeCloseTo(measuredPart.median + reference, 10);
    expect(f.cost_usd!.high).toBeCloseTo(measuredPart.high + reference * wide, 10);
    expect(f.cost_usd!.low).toBeCloseTo(measuredPart.low + reference / wide, 10);
    expect(f.duration_ms).toBeNull();
    expect(f.rests_on).toMatch(
      /measured runs \(2 runs each\) of 2 of the 18 prompts on the feature flow's straight path \(16 as in the reference chain\)/,
    );
  });

  it('rests on the reference chain in an empty workspace, priced at the model, with the prior spread', () => {
    const f = forecast('Add JWT authentication', [], { catalog, model, prices });
    expect(f.basis).toBe('reference-chain');
    const median = FLOW_PATH.reduce(
      (n, p) => n + costOfCall(perRunUsage(REFERENCE_CHAIN.prompts[p]!), model, prices).cost_usd!,
      0,
    );
    expect(f.cost_usd!.median).toBeCloseTo(median, 10);
    expect(f.cost_usd!.high / f.cost_usd!.median).toBeCloseTo(
      Math.exp(1.2815515655446004 * PRIOR_LOG_SD),
      10,
    );
    expect(f.cost_usd!.low).toBeLessThan(f.cost_usd!.median);
    expect(f.calls.median).toBeCloseTo(
      FLOW_PATH.reduce((n, p) => n + REFERENCE_CHAIN.prompts[p]!.calls / REFERENCE_CHAIN.prompts[p]!.runs, 0),
      10,
    );
    expect(f.rests_on).toMatch(
      /^no measured runs yet: the 18 prompts on the feature flow's straight path as they ran in the reference chain/,
    );
    expect(
      forecast('Add JWT authentication', [], { catalog, model: 'no-such-model', prices }).cost_usd,
    ).toBeNull();
  });

  it('uses the declared classes for a path the reference chain never ran', () => {
    const f = forecast('Audit', [], {
      catalog,
      model,
      prices,
      workflow: { name: 'x', steps: [{ prompt: 'hidden_coupling_finder' }, { prompt: 'status_reporter' }] },
    });
    expect(f.basis).toBe('declared-classes');
    const input = priceFor(prices, model)!.input_mtok;
    const mid = ['hidden_coupling_finder', 'status_reporter'].reduce(
      (n, p) => n + CLASS_TOKENS[catalog.get(p)!.cost_estimate][1],
      0,
    );
    expect(f.cost_usd!.median).toBeCloseTo((mid * input) / 1e6, 10);
    expect(f.calls).toEqual({ median: 2, low: 2, high: 2 });
  });

  it('counts the chains of the matched pattern: its source and the chains that applied it', () => {
    const h = [1, 2].map((i) =>
      past(i, 'Add JWT authentication to the Express app', [{ prompt: 'new_case', cost: i, ms: 1 }]),
    );
    const applied = past(3, 'Issue tokens to the mobile clients', [{ prompt: 'new_case', cost: 3, ms: 1 }]);
    applied.pattern = {
      name: 'session_to_token_auth',
      file: 'p',
      similarity: 0.6,
      applied_by: 'yes',
      questions: [],
      decisions: [],
      discovery: [],
      queued: true,
      generated_loaded: [],
      generated_missing: [],
      lessons: [],
      adaptations: [],
      reason: null,
    };
    const source = past(4, 'Something worded quite differently', [{ prompt: 'new_case', cost: 4, ms: 1 }]);
    const other = past(5, 'Unrelated chain', [{ prompt: 'new_case', cost: 100, ms: 1 }]);
    const without = forecast('Add JWT authentication to the Express app', [...h, applied, source, other], {
      catalog,
      model,
      prices,
    });
    expect(without.basis).toBe('prompt-costs');
    const f = forecast('Add JWT authentication to the Express app', [...h, applied, source, other], {
      catalog,
      model,
      prices,
      pattern: { name: 'session_to_token_auth', source_uid: source.chain_uid, similarity: 0.7 },
    });
    expect(f.basis).toBe('similar-chains');
    expect(f.chains.map((c) => c.chain_id).sort()).toEqual(['001', '002', '003', '004']);
    expect(f.cost_usd!.median).toBeCloseTo(Math.pow(24, 1 / 4), 10);
    expect(f.rests_on).toMatch(/; 2 of them saved or applied pattern session_to_token_auth$/);
  });

  it('needs 3 similar chains: two are not enough', () => {
    const h = [1, 2].map((i) =>
      past(i, 'Add JWT authentication to the Express app', [{ prompt: 'new_case', cost: 1, ms: 1 }]),
    );
    expect(forecast('Add JWT authentication to the Express app', h, { catalog, model, prices }).basis).toBe(
      'prompt-costs',
    );
  });
});

describe('forecast for a workflow other than feature', () => {
  const audit: Parameters<typeof forecast>[2]['workflow'] = {
    name: 'audit',
    steps: [
      {
        parallel: {
          max_concurrency: 2,
          branches: [{ prompt: 'security_scanner' }, { prompt: 'dependency_analyzer' }],
          merge: 'status_reporter',
        },
      },
      { if: { confidence: { below: 0.9 } }, then: [{ prompt: 'hidden_coupling_finder' }] },
      { gate: 'approval' },
      { phase: 'deployment-readiness' },
    ],
  };

  it('walks the workflow: every prompt it names, the merge, and the prompts of each phase step', () => {
    expect(workflowPath(audit!.steps)).toEqual([
      'security_scanner',
      'dependency_analyzer',
      'status_reporter',
      'hidden_coupling_finder',
      'deployment_checker',
      'pr_description_writer',
    ]);
  });

  it('takes only chains of the same workflow as similar history, and sums the workflow path otherwise', () => {
    const goal = 'Audit the authentication code for security problems';
    const feature = Array.from({ length: 5 }, (_, i) =>
      past(i + 1, `${goal} variant ${i}`, [{ prompt: 'security_scanner', cost: 0.01, ms: 1000 }]),
    );
    const f = forecast(goal, feature, { catalog, model, prices, workflow: audit });
    // Five feature chains with a matching goal are no history for an audit; their measured security_scanner runs still count.
    expect(f.basis).toBe('prompt-costs');
    expect(f.rests_on).toContain("of the 6 prompts on the audit workflow's straight path");
    expect(f.measured_runs).toEqual({
      security_scanner: 5,
      dependency_analyzer: 0,
      status_reporter: 0,
      hidden_coupling_finder: 0,
      deployment_checker: 0,
      pr_description_writer: 0,
    });
    // security_scanner: 1 call each of its 5 runs; the others as in the reference chain or one call at their class.
    const ref = (p: string) =>
      REFERENCE_CHAIN.prompts[p] ? REFERENCE_CHAIN.prompts[p]!.calls / REFERENCE_CHAIN.prompts[p]!.runs : 1;
    expect(f.calls.median).toBeCloseTo(
      1 +
        [
          'dependency_analyzer',
          'status_reporter',
          'hidden_coupling_finder',
          'deployment_checker',
          'pr_description_writer',
        ].reduce((n, p) => n + ref(p), 0),
      10,
    );
    const asAudit = feature.map((c) => ({
      ...c,
      workflow: {
        name: 'audit',
        file: 'workflows/audit.yaml',
        layer: 'workspace',
        doc: {},
        state: c.workflow?.state ?? ({} as never),
        phase_entered: false,
        step_budget: null,
        sub_chain: null,
      },
    })) as ChainContext[];
    expect(forecast(goal, asAudit, { catalog, model, prices, workflow: audit }).basis).toBe('similar-chains');
    expect(forecast(goal, asAudit, { catalog, model, prices }).basis).not.toBe('similar-chains');
  });
});
