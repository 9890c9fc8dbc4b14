/**
 * One conversation per implementation task, read off the requests the built binary sent to the
 * strict fake Messages API: a red test run and a failed quality gate continue tdd_flow_controller's
 * conversation with a user turn carrying the failure (the earlier messages, thinking blocks
 * included, sent back exactly), and past `limits.conversation_tokens` the old tool results are
 * cleared while every tool_use keeps its tool_result.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FakeReply, RecordedRequest, Responder } from '../helpers/fake-anthropic.js';
import { jsonOut, setupE2e } from '../helpers/e2e.js';
import { createScenario, GOAL, readTurn, type ScenarioOptions } from '../helpers/scenario.js';
import { TOKEN_MODULE, TOKEN_MODULE_PATH } from '../helpers/scenario-files.js';
import { CLEARED_RESULT, ITERATION_PREFIX } from '../../src/llm/conversation.js';

const E2E_TIMEOUT_MS = 200_000;

type Block = {
  type: string;
  text?: string;
  content?: unknown;
  tool_use_id?: string;
  id?: string;
  name?: string;
  input?: Record<string, unknown>;
};
type Message = { role: string; content: Block[] };
const messagesOf = (r: RecordedRequest): Message[] => r.body.messages;
const isIteration = (m: Message) =>
  m.role === 'user' && m.content.some((b) => b.type === 'text' && b.text?.startsWith(ITERATION_PREFIX));
/** A message without the cache breakpoint the request layout puts on the last user block. */
const plain = (m: Message): Message => ({
  ...m,
  content: m.content.map(({ cache_control: _, ...b }: Block & { cache_control?: unknown }) => b),
});

/** Expires tokens an hour late: the suite's "refuses an expired token" test fails. */
const BROKEN_MODULE = TOKEN_MODULE.replace('exp: iat + expiresInSec', 'exp: iat + expiresInSec + 3600');
const READS = 9;

/**
 * The JWT scenario, with a tdd_flow_controller that reads the app {READS} times and writes a
 * broken module in its first run (the tests stay red), then writes the right one in each run that
 * continues its conversation.
 */
function redOnce(o: ScenarioOptions) {
  const base = createScenario(o);
  const responder: Responder = async (req, index) => {
    const t = readTurn(req.body ?? {});
    if (t?.prompt !== 'tdd_flow_controller') return base.responder(req, index);
    const messages = messagesOf(req);
    const start = messages.findLastIndex(isIteration);
    const own = messages.slice(Math.max(0, start));
    const called = (name: string) =>
      own.some(
        (m) => m.role === 'assistant' && m.content.some((b) => b.type === 'tool_use' && b.name === name),
      );
    const record: FakeReply = {
      toolUses: [
        {
          name: 'record_findings',
          input: {
            summary: `run ${start < 0 ? 1 : 'continued'}`,
            verdict: { passed: true, blocking_issues: [] },
          },
        },
      ],
    };
    if (t.forced) return record;
    if (start < 0 && !called('read_file'))
      return {
        toolUses: Array.from({ length: READS }, () => ({ name: 'read_file', input: { path: 'src/app.js' } })),
      };
    if (!called('write_file'))
      return {
        toolUses: [
          {
            name: 'write_file',
            input: { path: TOKEN_MODULE_PATH, content: start < 0 ? BROKEN_MODULE : TOKEN_MODULE },
          },
        ],
      };
    if (!called('run_tests')) return { toolUses: [{ name: 'run_tests', input: {} }] };
    return record;
  };
  return { ...base, responder };
}

async function fullChain(config: Record<string, unknown>) {
  const e = await setupE2e({ reviewFailsOnce: true }, redOnce);
  await writeFile(path.join(e.ws.root, 'claude-exec.config.json'), JSON.stringify(config));
  e.trust();
  const r = await e.run('--yes', '--json', GOAL);
  expect(r.exitCode, r.stderr).toBe(0);
  expect(jsonOut(r)).toMatchObject({ status: 'complete' });
  expect(e.server.rejected.map((x) => x.message)).toEqual([]);
  const tdd = e.messages().filter((q) => readTurn(q.body ?? {})?.prompt === 'tdd_flow_controller');
  return { e, tdd };
}

/** The first request of each continued run, with the request before it (the last of the run it continues). */
function continuations(tdd: RecordedRequest[]): { before: RecordedRequest; first: RecordedRequest }[] {
  return tdd.flatMap((q, i) =>
    i > 0 && isIteration(messagesOf(q).at(-1)!) ? [{ before: tdd[i - 1]!, first: q }] : [],
  );
}

/** redOnce, with the API refusing the key (401: the chain stops, exit 5) on the first request of the first continued run. */
function failsOnContinuation(o: ScenarioOptions) {
  const base = redOnce(o);
  let failed = false;
  const responder: Responder = async (req, index) => {
    const last = messagesOf(req).at(-1);
    if (!failed && readTurn(req.body ?? {})?.prompt === 'tdd_flow_controller' && last && isIteration(last)) {
      failed = true;
      return { fault: { status: 401, message: 'invalid x-api-key' } };
    }
    return base.responder(req, index);
  };
  return { ...base, responder };
}

describe('one conversation per implementation task (built binary, strict fake API)', () => {
  it(
    'a red run and a failed gate continue the same conversation with the failure, thinking blocks intact',
    async () => {
      const { e, tdd } = await fullChain({});
      try {
        const runs = continuations(tdd);
        // The red run after the broken module, then code_reviewer's blocking issue.
        expect(runs).toHaveLength(2);
        // Every tdd_flow_controller request is one conversation: one first message.
        expect(new Set(tdd.map((q) => JSON.stringify(plain(messagesOf(q)[0]!))))).toHaveProperty('size', 1);
        for (const { before, first } of runs) {
          const prev = messagesOf(before).map(plain);
          const next = messagesOf(first).map(plain);
          // The previous request's messages, then the reply that ended the run, then the new user turn.
          expect(next.slice(0, prev.length)).toEqual(prev);
          expect(next).toHaveLength(prev.length + 2);
          const ended = next[prev.length]!;
          expect(ended.role).toBe('assistant');
          expect(ended.content[0]).toMatchObject({ type: 'thinking', signature: expect.any(String) });
          const endUse = ended.content.find((b) => b.type === 'tool_use')!;
          expect(endUse.name).toBe('record_findings');
          expect(next.at(-1)!.content[0]).toMatchObject({
            type: 'tool_result',
            tool_use_id: endUse.id,
            content: 'Recorded.',
          });
          // Thinking on the continued turn, with tool_choice auto.
          expect(first.body).toMatchObject({ tool_choice: { type: 'auto' }, thinking: { type: 'adaptive' } });
        }
        const failureOf = (q: RecordedRequest) =>
          messagesOf(q)
            .at(-1)!
            .content.find((b) => b.type === 'text')!.text!;
        // The red run's failure digest: the failing test and its assertion.
        expect(failureOf(runs[0]!.first)).toMatch(
          /^Next iteration: implementation iteration 2\. <test_output /,
        );
        expect(failureOf(runs[0]!.first)).toContain('refuses an expired token');
        // The gate's blocking issue.
        expect(failureOf(runs[1]!.first)).toContain('verifyToken must reject tokens without exp');
        // The last call of a run keeps its message breakpoint: the continued run reads it.
        for (const { before } of runs)
          expect(JSON.stringify(messagesOf(before).at(-1))).toContain('"cache_control"');
        // Implementation requests leave out what they do not use: the catalog, the questions not asked,
        // the prompts already run, the cost so far. With --yes nothing waits for a human: no 1-hour TTL.
        const implementing = e
          .messages()
          .filter((q) =>
            ['implementation', 'deployment-readiness'].includes(readTurn(q.body ?? {})?.phase ?? ''),
          );
        // The memory's upkeep (its own job is to see the steps run) aside, every step that writes or judges code.
        const working = implementing.filter((q) => !readTurn(q.body)!.prompt.startsWith('context_'));
        expect(implementing.length).toBeGreaterThan(tdd.length);
        for (const q of implementing) {
          // The rules and the repository map, no catalog block.
          expect(q.body.system).toHaveLength(2);
          expect(q.body.system[1].text).toMatch(/^# Repository map\n/);
          expect(JSON.stringify(q.body.system)).not.toContain('Prompt catalog:');
        }
        expect(new Set(working.map((q) => readTurn(q.body)!.prompt))).toEqual(
          new Set([
            'solution_designer',
            'test_generator',
            'tdd_flow_controller',
            'code_reviewer',
            'security_scanner',
            'deployment_checker',
            'pr_description_writer',
          ]),
        );
        for (const q of working) {
          const first = JSON.stringify(messagesOf(q)[0]);
          for (const noise of [
            '### Questions proposed by earlier steps',
            '### Prompts already run',
            '### Cost so far',
          ])
            expect(first).not.toContain(noise);
        }
        expect(JSON.stringify(e.messages().map((q) => q.body))).not.toContain('"ttl"');
        // The default bound is far: nothing was cleared.
        expect(JSON.stringify(tdd.map((q) => q.body.messages))).not.toContain(CLEARED_RESULT);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'a chain stopped before the continued run resumes the same conversation from its context file',
    async () => {
      const e = await setupE2e({}, failsOnContinuation);
      try {
        const stopped = await e.run('--yes', '--json', GOAL);
        expect(stopped.exitCode, stopped.stderr).toBe(5);
        const tddOf = () =>
          e.messages().filter((q) => readTurn(q.body ?? {})?.prompt === 'tdd_flow_controller');
        const refused = tddOf().at(-1)!;
        expect(isIteration(messagesOf(refused).at(-1)!)).toBe(true);
        const seen = tddOf().length;
        const resumed = await e.run('resume', String(jsonOut(stopped).chain_id), '--yes', '--json');
        expect(resumed.exitCode, resumed.stderr).toBe(0);
        expect(jsonOut(resumed)).toMatchObject({ status: 'complete' });
        expect(e.server.rejected.map((x) => x.message)).toEqual([]);
        // The new process sends the very request the API refused: the conversation and its new turn.
        expect(messagesOf(tddOf()[seen]!).map(plain)).toEqual(messagesOf(refused).map(plain));
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'past limits.conversation_tokens the old tool results are cleared, every tool_use still answered',
    async () => {
      const { e, tdd } = await fullChain({ limits: { conversation_tokens: 1000 } });
      try {
        const { before, first } = continuations(tdd)[0]!;
        const results = (q: RecordedRequest) =>
          messagesOf(q).flatMap((m) => m.content.filter((b) => b.type === 'tool_result'));
        const earlier = results(before);
        // READS reads, write_file, run_tests in the first run; then the answer to its record_findings.
        expect(earlier).toHaveLength(READS + 2);
        const now = results(first);
        expect(now).toHaveLength(earlier.length + 1);
        // All but the newest 8 cleared; the newest kept whole; the pairing intact (the fake checks it too).
        const cleared = earlier.length - 8;
        expect(now.slice(0, cleared).map((b) => b.content)).toEqual(Array(cleared).fill(CLEARED_RESULT));
        expect(earlier.slice(0, cleared).every((b) => b.content !== CLEARED_RESULT)).toBe(true);
        expect(now.slice(cleared, -1).map((b) => b.content)).toEqual(
          earlier.slice(cleared).map((b) => b.content),
        );
        expect(now.map((b) => b.tool_use_id)).toEqual([
          ...earlier.map((b) => b.tool_use_id),
          expect.any(String),
        ]);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );
});
