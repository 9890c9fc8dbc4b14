/**
 * Twenty chains at once in one contexts directory while 30% of requests fail with a transient
 * fault (429, 529, 500, 503). Which requests fail is decided by a seeded generator on the SDK's
 * retry count (`x-stainless-retry-count`): first attempts fail 30% of the time, first retries
 * 10%, second retries never, so with the default limits.max_retries = 2 every call gets through
 * and the test cannot flake. Every chain must finish its phase with a distinct id, and the calls
 * recorded must be exactly the requests that succeeded: a fault is never billed, never lost.
 */
import { describe, expect, it } from 'vitest';
import { jsonOut } from '../helpers/e2e.js';
import { faultReply } from '../helpers/fake-anthropic.js';
import { readContext } from '../helpers/e2e.js';
import { rng } from '../helpers/rng.js';
import { GOAL, RELIABILITY_TIMEOUT_MS, contextFiles, makeWorld } from './harness.js';

describe('20 chains at once under 30% transient faults', () => {
  it(
    'all finish with distinct ids; recorded calls are exactly the successful requests',
    async () => {
      const random = rng(20261201);
      const statuses = [429, 529, 500, 503];
      const faulted = new Set<number>();
      const w = await makeWorld({
        override: (_turn, req, index) => {
          const retry = Number(req.headers['x-stainless-retry-count'] ?? 0);
          const p = retry === 0 ? 0.3 : retry === 1 ? 0.1 : 0;
          if (random() >= p) return undefined;
          faulted.add(index);
          return faultReply(statuses[index % statuses.length]!, { 'retry-after-ms': '5' });
        },
      });
      try {
        const runs = await Promise.all(
          Array.from({ length: 20 }, () =>
            w.run('--until', 'requirements-clarification', '--yes', '--json', GOAL),
          ),
        );
        for (const r of runs) expect(r.exitCode, r.stderr).toBe(0);
        const ids = runs.map((r) => jsonOut(r).chain_id as string);
        expect(new Set(ids).size).toBe(20);
        const contexts = contextFiles(w.contextsDir).map(readContext);
        expect(contexts).toHaveLength(20);
        const requests = w.messages();
        const share = faulted.size / requests.length;
        expect(share).toBeGreaterThan(0.15);
        const recorded = contexts.flatMap((c) =>
          c.calls.map((call) => Number(call.request_id!.replace('req_fake_', ''))),
        );
        expect(new Set(recorded).size).toBe(recorded.length);
        expect(recorded.some((i) => faulted.has(i))).toBe(false);
        expect(recorded.length).toBe(requests.length - faulted.size);
        for (const c of contexts) expect(c.status).toBe('paused');
        console.info(
          `concurrency: 20 chains, ${requests.length} requests, ${faulted.size} faults (${Math.round(share * 100)}%), ${recorded.length} calls recorded, 0 lost`,
        );
      } finally {
        await w.close();
      }
    },
    RELIABILITY_TIMEOUT_MS,
  );
});
