/**
 * End to end: the forecast. `--estimate` on a workspace with 20 synthetic past chains prints the
 * forecast from the similar ones and makes no call (the fake server receives nothing, no chain
 * file appears); a real chain prints the forecast line before its first call, keeps it, and
 * chain-cost shows it beside the actual.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { predictionRange } from '../../src/features/learning/forecastInterval.js';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPriceTable } from '../../src/cost/prices.js';
import { contextFiles, jsonOut, readContext, setupE2e, type E2e } from '../helpers/e2e.js';
import { fakeChain } from '../helpers/chains.js';
import { GOAL } from '../helpers/scenario.js';

const E2E_TIMEOUT_MS = 300_000;
let e: E2e | undefined;
afterEach(async () => {
  await e?.close();
  e = undefined;
});

describe('the forecast', () => {
  it(
    '--estimate with 20 past chains: the similar ones, no call, no chain',
    async () => {
      e = await setupE2e();
      const table = loadPriceTable({});
      const past = Array.from({ length: 20 }, (_, i) =>
        fakeChain({ n: i + 1, startedAt: new Date(Date.UTC(2026, 0, i + 1)), calls: 12 + i, table }),
      );
      await fs.mkdir(path.join(e.ws.root, 'contexts'), { recursive: true });
      for (const p of past)
        await fs.writeFile(path.join(e.ws.root, 'contexts', p.file), JSON.stringify(p.ctx));
      // The helper's goals rotate: "Task N: jwt auth in the Express app" for every n divisible by 4.
      const jwt = past.filter((p) => p.ctx.slug === 'jwt-auth');
      expect(jwt.length).toBe(5);

      const r = await e.run('--json', 'Add JWT auth to the Express app', '--estimate');
      expect(r.exitCode, r.stderr).toBe(0);
      const doc = jsonOut(r) as {
        schema: string;
        forecast: {
          basis: string;
          chains: { chain_id: string }[];
          cost_usd: { median: number; low: number; high: number };
          calls: { median: number };
        };
      };
      expect(doc.schema).toBe('claude-exec/estimate@1');
      expect(doc.forecast.basis).toBe('similar-chains');
      expect(doc.forecast.chains.map((c) => c.chain_id).sort()).toEqual(
        jwt.map((p) => p.ctx.chain_id).sort(),
      );
      // The log-normal 80% prediction interval of the 5 similar chains' totals (--json prints 6 decimals).
      const costs = jwt.map((p) => p.ctx.calls.reduce((n, c) => n + c.cost_usd!, 0));
      const expected = predictionRange(costs)!;
      expect(doc.forecast.cost_usd.median).toBeCloseTo(expected.median, 5);
      expect(doc.forecast.cost_usd.low).toBeCloseTo(expected.low, 5);
      expect(doc.forecast.cost_usd.high).toBeCloseTo(expected.high, 5);
      expect(doc.forecast.calls.median).toBeCloseTo(
        predictionRange(jwt.map((p) => p.ctx.calls.length))!.median,
        5,
      );

      const text = await e.run('Add JWT auth to the Express app', '--estimate');
      expect(text.exitCode, text.stderr).toBe(0);
      expect(text.stdout).toMatch(
        /^forecast: \$[\d.]+ \(80%: \$[\d.]+–\$[\d.]+\) · \d+ calls \(\d+–\d+\) · .* rests on 5 similar complete chains in this workspace/,
      );
      // A task like none of them rests on the per-prompt measurements instead.
      const other = jsonOut(
        await e.run('--json', 'Translate the error messages into French', '--estimate'),
      ) as { forecast: { basis: string } };
      expect(other.forecast.basis).toBe('prompt-costs');

      expect(e.messages()).toHaveLength(0);
      expect(e.server.requests).toHaveLength(0);
      expect(await contextFiles(e.ws.root)).toHaveLength(20);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'a chain prints the forecast before its first call and chain-cost shows it beside the actual',
    async () => {
      e = await setupE2e();
      const r = await e.run('--yes', GOAL);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toMatch(
        /forecast: \$[\d.]+ \(80%: [^)]+\) · 26 calls \(9–72\) — rests on no measured runs yet: the 18 prompts on the feature flow's straight path as they ran in the reference chain/,
      );
      const [file] = await contextFiles(e.ws.root);
      const ctx = readContext(file!);
      expect(ctx.forecast).toMatchObject({ basis: 'reference-chain', calls: { median: 26 } });
      const cost = jsonOut(await e.run('chain-cost', ctx.chain_id, '--json')) as {
        forecast: { basis: string; cost_usd: { median: number } };
        calls: number;
        model_time_ms: number;
      };
      // --json prints money to 6 decimals.
      expect(cost.forecast).toMatchObject({
        basis: 'reference-chain',
        rests_on: ctx.forecast!.rests_on,
        calls: { median: 26 },
      });
      expect(cost.forecast.cost_usd.median).toBeCloseTo(ctx.forecast!.cost_usd!.median, 5);
      expect(cost.model_time_ms).toBeCloseTo(
        ctx.calls.reduce((n, c) => n + c.latency_ms, 0),
        6,
      );
      expect(cost.calls).toBe(ctx.calls.length);
      const text = await e.run('chain-cost', ctx.chain_id);
      expect(text.stdout).toMatch(
        /Forecast \(reference-chain; rests on no measured runs yet[^\n]*\n {4}cost: forecast \$[\d.]+ \(80%: [^)]+\), actual \$[\d.]+, (inside|above|below) the interval\n {4}calls: forecast 26 \(80%: 9–72\), actual \d+, (inside|above|below) the interval\n {4}model time: no forecast/,
      );
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'prompts list shows the measured cost class beside the declared one',
    async () => {
      e = await setupE2e();
      await fs.mkdir(path.join(e.ws.root, 'contexts'), { recursive: true });
      // Three finished runs of trace_existing_flow at 9,000+ uncached tokens: class high (declared: medium).
      await fs.writeFile(
        path.join(e.ws.root, 'contexts', '.prompt-costs.json'),
        JSON.stringify({
          version: 1,
          chains: ['a', 'b', 'c'],
          samples: { trace_existing_flow: [9000, 9500, 9900], code_reviewer: [50] },
        }),
      );
      const doc = jsonOut(await e.run('prompts', 'list', '--json')) as {
        prompts: { name: string; cost_estimate: string; measured_cost: string | null }[];
      };
      expect(doc.prompts.find((p) => p.name === 'trace_existing_flow')).toMatchObject({
        cost_estimate: 'medium',
        measured_cost: 'high',
      });
      expect(doc.prompts.find((p) => p.name === 'code_reviewer')!.measured_cost).toBeNull();
      const text = await e.run('prompts', 'list', '--category', 'discovery');
      expect(text.stdout).toMatch(/trace_existing_flow\s+high \(measured; declared medium\)/);
    },
    E2E_TIMEOUT_MS,
  );
});
