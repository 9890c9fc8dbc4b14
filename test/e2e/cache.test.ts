/**
 * Where the requests put their cache breakpoints, read off the requests the built binary sent to
 * the strict fake Messages API: a chain that will wait at the human gate caches its prefix (tools,
 * system) for an hour, the moving message breakpoint stays at 5 minutes; a forced result call and
 * a step without tools carry no message breakpoint (no later request reads it); the memory's
 * upkeep runs on the default tier, whose cache the chain's steps wrote.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../helpers/fake-anthropic.js';
import { jsonOut, setupE2e } from '../helpers/e2e.js';
import { GOAL, readTurn } from '../helpers/scenario.js';

const E2E_TIMEOUT_MS = 150_000;

type Block = { type: string; cache_control?: { type: string; ttl?: string } };
const messageBreakpoints = (q: RecordedRequest): Block['cache_control'][] =>
  q.body.messages.flatMap((m: { content: string | Block[] }) =>
    typeof m.content === 'string' ? [] : m.content.filter((b) => b.cache_control).map((b) => b.cache_control),
  );
const prefixBreakpoints = (q: RecordedRequest): Block['cache_control'][] =>
  [...q.body.tools, ...q.body.system]
    .filter((b: Block) => b.cache_control)
    .map((b: Block) => b.cache_control);
const forced = (q: RecordedRequest) => q.body.tool_choice?.type === 'tool';

describe('cache breakpoints (built binary, strict fake API)', () => {
  it(
    'a chain that waits at the gate caches its prefix for an hour; no breakpoint on a call nothing reads; upkeep on the default tier',
    async () => {
      const e = await setupE2e();
      try {
        await writeFile(
          path.join(e.ws.root, 'claude-exec.config.json'),
          JSON.stringify({ caps: { health_check_every: 3 } }),
        );
        e.trust();
        const r = await e.run('--yes', '--json', '--until', 'solution-approval', GOAL);
        expect(r.exitCode, r.stderr).toBe(0);
        expect(jsonOut(r)).toMatchObject({ status: 'paused' });
        expect(e.server.rejected.map((x) => x.message)).toEqual([]);
        const reqs = e.messages().filter((q) => readTurn(q.body ?? {}));
        expect(reqs.length).toBeGreaterThan(10);
        for (const q of reqs) {
          // tools, rules and catalog: three prefix breakpoints, each for an hour.
          expect(prefixBreakpoints(q)).toEqual([...Array(3)].map(() => ({ type: 'ephemeral', ttl: '1h' })));
          // The moving breakpoint (when there is one) keeps the default TTL: 1-hour entries come first.
          expect(messageBreakpoints(q).every((c) => c!.ttl === undefined)).toBe(true);
        }
        // A forced result call and a step without tools: no message breakpoint.
        const unread = reqs.filter(
          (q) => forced(q) || q.body.messages[0].content[0].text.includes('No tools enabled.'),
        );
        expect(unread.length).toBeGreaterThan(0);
        for (const q of unread) expect(messageBreakpoints(q)).toEqual([]);
        // An agent turn with tools left does have one.
        expect(reqs.some((q) => !forced(q) && messageBreakpoints(q).length === 1)).toBe(true);
        // The memory's health check runs on the default tier's model, as the steps around it.
        const health = reqs.filter((q) => readTurn(q.body)!.prompt === 'context_health_checker');
        expect(health.length).toBeGreaterThan(0);
        const defaultModel = reqs.find((q) => readTurn(q.body)!.prompt === 'requirement_disambiguator')!.body
          .model;
        for (const q of health) expect(q.body.model).toBe(defaultModel);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );
});
