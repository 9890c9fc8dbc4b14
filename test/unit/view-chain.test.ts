/**
 * The `claude-exec/chain@1` document (status --full, the web view's chain page), from context
 * files: the status fields unchanged, per-step figures that add up to the chain's, every call,
 * and a step result read as the model gave it (valid or not). Validated against its zod schema.
 */
import { describe, expect, it } from 'vitest';
import { ChainOutputSchema } from '../../src/contract/chain.js';
import { chainJson } from '../../src/contract/views/detail.js';
import { statusJson } from '../../src/contract/views/status.js';
import { row } from '../../src/contract/views/cost.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import { fakeChain } from '../helpers/chains.js';

const table = loadPriceTable();
const chain = (calls = 9) => fakeChain({ n: 3, startedAt: new Date('2026-11-20T10:00:00Z'), calls, table });

describe('chainJson', () => {
  it('is the status document plus the sections, and validates', () => {
    const { ctx } = chain();
    const doc = chainJson(ctx, '/c/chain-003.json', ['--cwd', '/w']);
    const { schema: _schema, ...status } = statusJson(ctx, '/c/chain-003.json', ['--cwd', '/w']);
    expect(doc).toMatchObject(status);
    expect(doc.schema).toBe('claude-exec/chain@1');
    expect(ChainOutputSchema.safeParse(doc).success).toBe(true);
    expect(doc.decisions).toEqual([
      { key: 'token_format', choice: 'JWT in an httpOnly cookie', rationale: expect.any(String) },
    ]);
    expect(doc.cost).toMatchObject({ schema: 'claude-exec/chain-cost@1', calls: 9 });
  });

  it('gives each step the calls, tokens and cost of its own calls; they add up to the chain', () => {
    const { ctx } = chain(9);
    const doc = chainJson(ctx, 'f');
    expect(doc.steps.map((s) => s.calls)).toEqual([3, 3, 3]);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(doc.steps.map((s) => s.tokens.total))).toBe(doc.tokens.total);
    expect(sum(doc.steps.map((s) => s.cost_usd!))).toBeCloseTo(doc.cost_usd!, 9);
    expect(doc.steps[1]!.cost_usd).toBeCloseTo(
      sum(ctx.calls.filter((c) => c.step === 2).map((c) => c.cost_usd!)),
      12,
    );
    expect(doc.call_log.map((c) => c.request_id)).toEqual(ctx.calls.map((c) => c.request_id));
    expect(sum(doc.call_log.map((c) => c.tokens.cache_read))).toBe(doc.tokens.cache_read);
    expect(doc.call_log[0]).toMatchObject({
      id: 1,
      step: 1,
      billing: 'api',
      latency_ms: ctx.calls[0]!.latency_ms,
    });
  });

  it('reads findings, risks and a verdict from a result, and nothing from a result of another shape', () => {
    const { ctx } = chain(6);
    ctx.steps[0]!.result = {
      summary: 's',
      findings: ['src/app.js:12 sets the session', 7],
      risks: ['logout keeps the refresh token'],
      verdict: { passed: false, blocking_issues: ['no test for expiry'] },
    };
    ctx.steps[1]!.result = 'not an object';
    const [a, b] = chainJson(ctx, 'f').steps;
    expect(a).toMatchObject({
      findings: ['src/app.js:12 sets the session'],
      risks: ['logout keeps the refresh token'],
      verdict: { passed: false, blocking_issues: ['no test for expiry'] },
    });
    expect(b).toMatchObject({ findings: [], risks: [], verdict: null });
  });

  it('names the running steps, and a step with no call has no tokens and no cost', () => {
    const { ctx } = chain(3);
    ctx.status = 'running';
    ctx.steps.push({
      ...ctx.steps[0]!,
      n: 2,
      prompt: 'trace_existing_flow',
      focus: 'auth',
      status: 'running',
      ended_at: null,
    });
    const doc = chainJson(ctx, 'f');
    expect(doc.running_steps).toEqual([
      {
        n: 2,
        phase: ctx.steps[0]!.phase,
        prompt: 'trace_existing_flow',
        focus: 'auth',
        started_at: ctx.steps[0]!.started_at,
      },
    ]);
    expect(doc.steps[1]).toMatchObject({ calls: 0, tokens: { total: 0 }, cost_usd: 0, duration_ms: null });
  });

  it('gives a step of unpriced calls a null cost, never $0', () => {
    const { ctx } = chain(3);
    for (const c of ctx.calls) c.cost_usd = null;
    ctx.cost_tracking.unpriced_calls = 3;
    const doc = chainJson(ctx, 'f');
    expect(doc.steps[0]!.cost_usd).toBeNull();
    expect(doc.call_log.every((c) => c.cost_usd === null)).toBe(true);
  });
});

describe('breakdown rows', () => {
  it('carry their cache-read share of prompt tokens, null without prompt tokens', () => {
    const tokens = { input: 100, output: 50, cache_write: 300, cache_read: 600, total: 1050 };
    expect(
      row({
        key: 'k',
        calls: 2,
        unpriced_calls: 0,
        subscription_calls: 0,
        billing: 'api',
        tokens,
        cost_usd: 0.5,
        share: 1,
      }).cache_read_share,
    ).toBeCloseTo(0.6, 12);
    expect(
      row({
        key: 'k',
        calls: 1,
        unpriced_calls: 1,
        subscription_calls: 0,
        billing: 'api',
        tokens: { input: 0, output: 9, cache_write: 0, cache_read: 0, total: 9 },
        cost_usd: 0,
        share: null,
      }),
    ).toMatchObject({ cache_read_share: null, cost_usd: null });
  });
});
