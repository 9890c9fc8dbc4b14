/**
 * Where the requests put their cache breakpoints, read off the requests the built binary sent to
 * the strict fake Messages API: a chain that will wait at the human gate caches its prefix
 * (system, which caches the tools before it) for an hour, the moving message breakpoint stays at
 * 5 minutes; a prompt written instructions-first (the selector, the health check) sends them as
 * the first block under a breakpoint of its own, which the selector's next run reads; a forced
 * result call and a step without tools carry no message breakpoint (no later request reads it);
 * the memory's upkeep runs on the default tier, whose cache the chain's steps wrote.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../helpers/fake-anthropic.js';
import { contextFiles, jsonOut, readContext, setupE2e } from '../helpers/e2e.js';
import { GOAL, readTurn } from '../helpers/scenario.js';
import { tokensOf } from '../../src/demo/cache.js';

const E2E_TIMEOUT_MS = 150_000;

type Block = { type: string; text?: string; cache_control?: { type: string; ttl?: string } };
const messageBreakpoints = (q: RecordedRequest): Block['cache_control'][] =>
  q.body.messages.flatMap((m: { content: string | Block[] }) =>
    typeof m.content === 'string' ? [] : m.content.filter((b) => b.cache_control).map((b) => b.cache_control),
  );
const firstBlocks = (q: RecordedRequest): Block[] => q.body.messages[0].content;
const forced = (q: RecordedRequest) => q.body.tool_choice?.type === 'tool';
const HOUR = { type: 'ephemeral', ttl: '1h' };

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
          // No breakpoint on the tools; rules and catalog: two prefix breakpoints, each for an hour.
          expect(q.body.tools.filter((t: Block) => t.cache_control)).toEqual([]);
          expect(
            q.body.system.filter((b: Block) => b.cache_control).map((b: Block) => b.cache_control),
          ).toEqual([HOUR, HOUR]);
          expect(q.body.system.at(-1).cache_control).toEqual(HOUR);
          // A second block in the first message: the first is the prompt's fixed instructions, for an
          // hour as the prefix before it (not on a forced call: it thinks otherwise, another prefix).
          const fixed = firstBlocks(q).length === 2 && !forced(q);
          if (firstBlocks(q).length === 2)
            expect(firstBlocks(q)[0]!.cache_control ?? null).toEqual(fixed ? HOUR : null);
          // Every other message breakpoint is the moving one, at the default TTL; 4 in all at most.
          expect(messageBreakpoints(q).slice(fixed ? 1 : 0)).toEqual(
            messageBreakpoints(q)
              .slice(fixed ? 1 : 0)
              .map(() => ({ type: 'ephemeral' })),
          );
          expect(2 + messageBreakpoints(q).length).toBeLessThanOrEqual(4);
        }
        // A forced result call and a step without tools: no moving breakpoint.
        const unread = reqs.filter(
          (q) => forced(q) || firstBlocks(q).at(-1)!.text!.includes('No tools enabled.'),
        );
        expect(unread.length).toBeGreaterThan(0);
        for (const q of unread)
          expect(messageBreakpoints(q)).toEqual(firstBlocks(q).length === 2 && !forced(q) ? [HOUR] : []);
        // An agent turn with tools left does have one.
        expect(reqs.some((q) => !forced(q) && messageBreakpoints(q).length === 1)).toBe(true);

        // The selector's instructions come first, without the step's own text; the step's text follows.
        const selector = reqs.filter((q) => readTurn(q.body)!.prompt === 'prompt_selector');
        expect(selector.length).toBeGreaterThanOrEqual(2);
        const [fixedText, stepText] = firstBlocks(selector[0]!).map((b) => b.text!);
        expect(fixedText).toMatch(/^# Prompt Selector\n\nYou plan the discovery/);
        expect(fixedText).not.toContain('Prompt: prompt_selector ·');
        expect(stepText).toMatch(
          /^Prompt: prompt_selector · phase: context-building · step \d+\n\n## This decision\nGoal: /,
        );
        for (const q of selector) expect(firstBlocks(q)[0]!.text).toBe(fixedText);
        // On the fake's strict cache, the selector's second run reads what its first run wrote at
        // that breakpoint: its read is longer by exactly the fixed block.
        const [file] = await contextFiles(e.ws.root);
        const calls = readContext(file!).calls.filter((c) => c.prompt === 'prompt_selector');
        const firstOfStep = calls.filter((c, i) => calls.findIndex((x) => x.step === c.step) === i);
        const [one, two] = firstOfStep.map((c) => c.usage.cache_read_input_tokens ?? 0);
        expect(two! - one!).toBe(tokensOf({ type: 'text', text: fixedText }));
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
