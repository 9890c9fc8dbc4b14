import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainContextSchema, type ChainContext } from '../../src/chain/schema.js';
import { chainFileName } from '../../src/chain/names.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import { buildChainCost, buildCostReport, DEFAULT_THRESHOLDS } from '../../src/cost/report.js';
import { RunningTotals } from '../../src/cost/aggregate.js';
import { scanChains, type ChainScan } from '../../src/cost/scan.js';
import { fakeChain } from '../helpers/chains.js';

const table = loadPriceTable();
const day = (d: string) => new Date(`${d}T12:00:00Z`);
let root: string;
let a: string;
let b: string;

async function put(dir: string, file: string, ctx: unknown) {
  await writeFile(path.join(dir, file), typeof ctx === 'string' ? ctx : JSON.stringify(ctx));
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'ce-cost-'));
  a = path.join(root, 'a');
  b = path.join(root, 'b');
  await mkdir(a);
  await mkdir(b);
  for (let n = 1; n <= 4; n++) {
    const { file, ctx } = fakeChain({ n, startedAt: day(`2026-11-1${n}`), calls: 6, table });
    await put(a, file, ctx);
  }
  // chain 2 copied into b (same chain_uid, later update): counted once, the newer copy wins
  const copy = fakeChain({ n: 2, startedAt: day('2026-11-12'), calls: 9, table });
  copy.ctx.updated_at = '2030-01-01T00:00:00.000Z';
  await put(b, copy.file, copy.ctx);
  // a chain in b with an unpriced model
  const local = fakeChain({ n: 7, startedAt: day('2026-11-13'), calls: 3, table, models: ['llama3.1:8b'] });
  await put(b, local.file, local.ctx);
  // corrupt and foreign files inside the window, a corrupt one outside it
  await put(b, chainFileName('008', 'broken', day('2026-11-13')), '{"schema_version": 1, "chain_');
  await put(b, chainFileName('009', 'foreign', day('2026-11-13')), { hello: 'world' });
  await put(a, chainFileName('010', 'old-broken', day('2026-10-01')), 'not json at all');
  await put(a, 'notes.json', 'not a context file name');
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('scanChains', () => {
  it('the generated fixtures are valid context files', () => {
    const { ctx } = fakeChain({ n: 1, startedAt: day('2026-11-11'), calls: 30, table });
    expect(ChainContextSchema.safeParse(ctx).success).toBe(true);
  });

  it('de-duplicates by chain_uid across directories and warns about corrupt or foreign files', async () => {
    const warnings: string[] = [];
    const { chains, totals } = await scanChains([a, b], { sinceMs: day('2026-11-01').getTime() }, (w) =>
      warnings.push(w),
    );
    expect(chains.map((c) => c.chainId).sort()).toEqual(['001', '002', '003', '004', '007']);
    expect(chains.find((c) => c.chainId === '002')!.totals.calls).toBe(9);
    expect(totals.all.calls).toBe(6 * 3 + 9 + 3);
    expect(warnings).toHaveLength(2);
    expect(warnings.find((w) => w.includes('chain-008'))).toMatch(/not valid JSON/);
    expect(warnings.find((w) => w.includes('chain-009'))).toMatch(/not a claude-exec context file/);
  });

  it('filters by the start time in the file name without opening files outside the window', async () => {
    const warnings: string[] = [];
    const { chains } = await scanChains(
      [a],
      { sinceMs: day('2026-11-12').getTime(), untilMs: day('2026-11-14').getTime() },
      (w) => warnings.push(w),
    );
    expect(chains.map((c) => c.chainId)).toEqual(['002', '003']);
    expect(warnings).toEqual([]);
    const all: string[] = [];
    await scanChains([a], {}, (w) => all.push(w));
    expect(all).toHaveLength(1);
    expect(all[0]).toContain('chain-010');
  });

  it('a missing directory contributes nothing', async () => {
    const { chains, totals } = await scanChains([path.join(root, 'nope')], {}, () => {});
    expect(chains).toEqual([]);
    expect(totals.all.calls).toBe(0);
  });
});

type FakeCall = {
  prompt: string;
  model?: string;
  cost: number | null;
  input?: number;
  read?: number;
  write?: number;
};

/** A scan of in-memory chains, summed the way scanChains sums them. */
function scanOf(list: [id: string, calls: FakeCall[]][]): ChainScan {
  const totals = new RunningTotals();
  const chains = list.map(([id, calls]) => {
    const sum = totals.sumChain(
      calls.map((c) => ({
        phase: 'context-building',
        prompt: c.prompt,
        model: c.model ?? 'claude-sonnet-4-5',
        started_at: '2026-11-10T12:00:00.000Z',
        usage: {
          input_tokens: c.input ?? 100,
          output_tokens: 10,
          cache_creation_input_tokens: c.write ?? 0,
          cache_read_input_tokens: c.read ?? 0,
        },
        cost_usd: c.cost,
      })),
      day('2026-11-10').getTime(),
    );
    totals.commit(sum);
    return {
      file: `/x/chain-${id}.json`,
      chainId: id,
      chainUid: `u${id}`,
      slug: `s${id}`,
      goal: 'g',
      status: 'complete',
      startedAtMs: day('2026-11-10').getTime(),
      updatedAt: '',
      totals: sum,
    };
  });
  return { chains, totals };
}

describe('RunningTotals', () => {
  const call = (prompt: string, started_at: string, input: number, cost: number | null) => ({
    phase: 'context-building',
    prompt,
    model: 'claude-sonnet-4-5',
    started_at,
    usage: {
      input_tokens: input,
      output_tokens: 1,
      cache_creation_input_tokens: 7,
      cache_creation: { ephemeral_5m_input_tokens: 2, ephemeral_1h_input_tokens: 4 },
    },
    cost_usd: cost,
  });
  const rows = (m: Map<string, RunningTotals['all']>) =>
    [...m].map(([k, t]) => [k, t.calls, t.input, t.cacheWrite5m, t.cacheWrite1h]);

  it('groups calls by day (a call without a usable start on the fallback day) and by prompt, across chains', () => {
    const totals = new RunningTotals();
    const first = totals.sumChain(
      [
        call('a', '2026-11-10T23:59:00Z', 1, 0.5),
        call('a', '2026-11-11T00:01:00Z', 2, null),
        call('b', 'soon', 4, 0.25),
        call('a', '2026-11-11T03:00:00Z', 8, 0.25),
      ],
      day('2026-11-09').getTime(),
    );
    totals.commit(first);
    expect([first.calls, first.unpricedCalls, first.costUsd, first.input]).toEqual([4, 1, 1, 15]);
    totals.commit(totals.sumChain([call('b', '2026-11-10T01:00:00Z', 16, 1)], day('2026-11-01').getTime()));
    // cache write: 2 (5m) + 4 (1h) split, and the 1 token the split leaves out counts as 5-minute
    expect(rows(totals.groups('day'))).toEqual([
      ['2026-11-10', 2, 17, 6, 8],
      ['2026-11-11', 2, 10, 6, 8],
      ['2026-11-09', 1, 4, 3, 4],
    ]);
    expect(rows(totals.groups('prompt'))).toEqual([
      ['a', 3, 11, 9, 12],
      ['b', 2, 20, 6, 8],
    ]);
    expect(totals.all.costUsd).toBe(2);
  });

  it('takes a committed chain away again; groups left without calls disappear and nothing is left over', () => {
    const totals = new RunningTotals();
    totals.commit(totals.sumChain([call('a', '2026-11-10T12:00:00Z', 3, 0.1)], day('2026-11-10').getTime()));
    const again = () =>
      totals.sumChain(
        [call('b', '2026-11-12T12:00:00Z', 5, 0.2), call('c', '2026-11-12T13:00:00Z', 5, 0.3)],
        day('2026-11-12').getTime(),
      );
    totals.commit(again());
    totals.commit(again(), -1);
    expect(rows(totals.groups('prompt'))).toEqual([['a', 1, 3, 3, 4]]);
    expect(rows(totals.groups('day'))).toEqual([['2026-11-10', 1, 3, 3, 4]]);
    expect(totals.all.costUsd).toBeCloseTo(0.1, 12);
    totals.commit(
      totals.sumChain([call('a', '2026-11-10T12:00:00Z', 3, 0.1)], day('2026-11-10').getTime()),
      -1,
    );
    expect(totals.all.costUsd).toBe(0);
    expect(totals.groups('model').size).toBe(0);
  });
});

describe('buildCostReport', () => {
  const chains = scanOf([
    [
      '001',
      [
        { prompt: 'code_reviewer', cost: 1.2 },
        { prompt: 'trace', cost: 0.1 },
      ],
    ],
    [
      '002',
      [
        { prompt: 'trace', cost: 0.1 },
        { prompt: 'trace', cost: 0.1 },
        { prompt: 'trace', cost: 0.1 },
      ],
    ],
    [
      '003',
      [
        { prompt: 'trace', model: 'local', cost: null, input: 1000 },
        { prompt: 'trace', cost: 0.4, read: 300, write: 100 },
      ],
    ],
  ]);
  const report = buildCostReport(chains, {
    by: 'prompt',
    top: 2,
    window: { sinceMs: 0 },
    thresholds: DEFAULT_THRESHOLDS,
  });

  it('totals, average and top chains', () => {
    expect(report.totals.chains).toBe(3);
    expect(report.totals.calls).toBe(7);
    expect(report.totals.unpriced_calls).toBe(1);
    expect(report.totals.cost_usd).toBeCloseTo(2.0, 10);
    expect(report.average_cost_per_chain_usd).toBeCloseTo(2 / 3, 10);
    // input 6*100 + 1000, cache write 100, cache read 300, output 70
    expect(report.totals.tokens).toEqual({
      input: 1600,
      output: 70,
      cache_write: 100,
      cache_read: 300,
      total: 2070,
    });
    expect(report.totals.cache_read_share).toBeCloseTo(300 / 2000, 10);
    expect(report.top_chains.map((c) => c.chain_id)).toEqual(['001', '003']);
    expect(report.top_chains[0]!.cost_usd).toBeCloseTo(1.3, 10);
    expect(report.window.since).toBe('1970-01-01T00:00:00.000Z');
  });

  it('breaks the cost down with shares, and lists unpriced models with their tokens', () => {
    expect(report.breakdown.rows.map((r) => [r.key, r.calls])).toEqual([
      ['code_reviewer', 1],
      ['trace', 6],
    ]);
    expect(report.breakdown.rows[0]!.share).toBeCloseTo(1.2 / 2, 10);
    expect(report.unpriced_models).toEqual([
      {
        model: 'local',
        calls: 1,
        tokens: { input: 1000, output: 10, cache_write: 0, cache_read: 0, total: 1010 },
      },
    ]);
    const byModel = buildCostReport(chains, {
      by: 'model',
      top: 5,
      window: {},
      thresholds: DEFAULT_THRESHOLDS,
    });
    expect(byModel.breakdown.rows.map((r) => r.key)).toEqual(['claude-sonnet-4-5', 'local']);
    expect(byModel.breakdown.rows[1]).toMatchObject({ cost_usd: 0, unpriced_calls: 1, share: 0 });
  });

  it('derives suggestions from the figures', () => {
    const kinds = report.suggestions.map((s) => [s.kind, s.subject]);
    expect(kinds).toEqual([
      ['chain-over-threshold', '001'],
      ['prompt-out-of-line', 'code_reviewer'],
      ['low-cache-read', 'cache'],
      ['unpriced-model', 'local'],
    ]);
    const cheap = buildCostReport(
      scanOf([
        [
          '004',
          [
            { prompt: 'x', cost: 0.1, read: 5000 },
            { prompt: 'y', cost: 0.1, read: 5000 },
          ],
        ],
      ]),
      {
        by: 'day',
        top: 5,
        window: {},
        thresholds: DEFAULT_THRESHOLDS,
      },
    );
    expect(cheap.suggestions).toEqual([]);
    expect(cheap.breakdown.rows.map((r) => r.key)).toEqual(['2026-11-10']);
  });

  it('an empty window reports zeros, not NaN', () => {
    const empty = buildCostReport(scanOf([]), {
      by: 'phase',
      top: 5,
      window: {},
      thresholds: DEFAULT_THRESHOLDS,
    });
    expect(empty.totals.cost_usd).toBe(0);
    expect(empty.average_cost_per_chain_usd).toBeNull();
    expect(empty.totals.cache_read_share).toBeNull();
  });
});

describe('buildChainCost', () => {
  it('sums one chain by kind, prompt, phase and model; matches cost_tracking', () => {
    const { ctx } = fakeChain({ n: 5, startedAt: day('2026-11-15'), calls: 30, table });
    const c = buildChainCost(ctx as ChainContext);
    expect(c.calls).toBe(30);
    expect(c.prompts_executed).toBe(10);
    expect(c.cost_usd).toBeCloseTo(ctx.cost_tracking.estimated_cost, 10);
    expect(c.tokens.total).toBe(ctx.cost_tracking.tokens_used);
    expect(c.tokens.cache_write).toBe(c.tokens.cache_write_5m + c.tokens.cache_write_1h);
    expect(c.cost_per_prompt_usd).toBeCloseTo(c.cost_usd! / 10, 10);
    expect(c.duration_ms).toBe(Date.parse(ctx.updated_at) - Date.parse(ctx.created_at));
    for (const rows of [c.by_prompt, c.by_phase, c.by_model]) {
      expect(rows.reduce((s, r) => s + r.cost_usd!, 0)).toBeCloseTo(c.cost_usd!, 10);
      expect(rows.reduce((s, r) => s + (r.share ?? 0), 0)).toBeCloseTo(1, 10);
    }
    expect(c.cache_read_share).toBeCloseTo(
      c.tokens.cache_read / (c.tokens.input + c.tokens.cache_write + c.tokens.cache_read),
      10,
    );
  });
});
