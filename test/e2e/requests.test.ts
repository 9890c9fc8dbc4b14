/**
 * What a full chain asks of the model, read off the requests the built binary sent to the strict
 * fake Messages API: auto tool choice with thinking on agent turns, the result forced only without
 * thinking, thinking blocks (also redacted ones) passed back unchanged, a contract error naming
 * the missing field, max_tokens mid tool call, pause_turn, a call of a tool not enabled answered
 * and the loop going on, and a refusal failing the chain with its reason.
 */
import { describe, expect, it } from 'vitest';
import type { FakeReply, RecordedRequest, Responder } from '../helpers/fake-anthropic.js';
import { jsonOut, readContext, contextFiles, setupE2e } from '../helpers/e2e.js';
import { createScenario, GOAL, readTurn, type ScenarioOptions } from '../helpers/scenario.js';

const E2E_TIMEOUT_MS = 150_000;

type Block = { type: string; text?: string; content?: unknown; is_error?: boolean };
const blocks = (r: RecordedRequest): Block[] =>
  r.body.messages.flatMap((m: { content: string | Block[] }) =>
    typeof m.content === 'string' ? [] : m.content,
  );
const promptOf = (r: RecordedRequest) => readTurn(r.body ?? {})?.prompt;
const forced = (r: RecordedRequest) =>
  r.body.tool_choice?.type === 'tool' || r.body.tool_choice?.type === 'any';
const errorsIn = (r: RecordedRequest) =>
  blocks(r)
    .filter((b) => b.type === 'tool_result' && b.is_error)
    .map((b) => String(b.content));

/** The JWT scenario with one of each twist, each once. */
function twisted(o: ScenarioOptions) {
  const base = createScenario(o);
  const done = new Set<string>();
  const once = (key: string) => !done.has(key) && !!done.add(key);
  const responder: Responder = async (req, index) => {
    const reply: FakeReply = await base.responder(req, index);
    const t = readTurn(req.body ?? {});
    if (!t || 'fault' in reply) return reply;
    const calls = (name: string) => reply.toolUses?.some((u) => u.name === name) ?? false;
    if (t.prompt === 'trace_existing_flow' && t.turn === 0 && once('disabled')) {
      return {
        redactedThinking: true,
        toolUses: [{ name: 'write_file', input: { path: 'notes.txt', content: 'x' } }],
      };
    }
    if (t.prompt === 'code_reviewer' && calls('record_findings') && once('contract'))
      return { toolUses: [{ name: 'record_findings', input: { summary: 'Looks fine.' } }] };
    if (t.prompt === 'tdd_flow_controller' && calls('write_file') && once('cut'))
      return { ...reply, stopReason: 'max_tokens' };
    if (t.prompt === 'uncertainty_analysis' && once('pause'))
      return { text: 'Weighing the open areas.', stopReason: 'pause_turn' };
    return reply;
  };
  return { ...base, responder };
}

describe('the requests of a full chain (built binary, strict fake API)', () => {
  it(
    'think on auto turns, force only without thinking, and handle contracts, cut calls, pauses and refused calls',
    async () => {
      const e = await setupE2e({}, twisted);
      try {
        const r = await e.run('--yes', '--json', GOAL);
        expect(r.exitCode, r.stderr).toBe(0);
        expect(jsonOut(r)).toMatchObject({ status: 'complete' });
        expect(e.server.rejected.map((x) => x.message)).toEqual([]);
        const reqs = e.messages();

        // No request combines thinking with a forced tool choice; `any` is never sent.
        expect(reqs.filter((q) => forced(q) && q.body.thinking)).toEqual([]);
        expect(reqs.filter((q) => q.body.tool_choice?.type === 'any')).toEqual([]);
        // Agent turns of the default tier think, with tool_choice auto.
        const tdd = reqs.filter((q) => promptOf(q) === 'tdd_flow_controller');
        expect(tdd.length).toBeGreaterThan(1);
        for (const q of tdd.filter((x) => !forced(x)))
          expect(q.body).toMatchObject({ tool_choice: { type: 'auto' }, thinking: { type: 'adaptive' } });
        // Thinking blocks (and the redacted one) come back inside the tool loop.
        const trace = reqs.filter((q) => promptOf(q) === 'trace_existing_flow');
        const second = trace.find((q) => q.body.messages.length === 3)!;
        expect(second.body.messages[1].content.map((b: Block) => b.type)).toEqual([
          'thinking',
          'redacted_thinking',
          'tool_use',
        ]);
        // The first message lists the tools enabled; a call of another is answered and the loop goes on.
        expect(JSON.stringify(trace[0]!.body.messages[0])).toContain(
          'Tools enabled: list_files, read_file, search_code. End by calling record_findings.',
        );
        expect(errorsIn(second)).toEqual([
          expect.stringMatching(/^write_file is not available in this step/),
        ]);
        expect(second.body.tool_choice).toEqual({ type: 'auto' });

        // The gate's contract: a result without `verdict` goes back naming it.
        const review = reqs.filter((q) => promptOf(q) === 'code_reviewer');
        expect(
          review.some((q) => errorsIn(q).some((m) => /record_findings is missing `verdict`/.test(m))),
        ).toBe(true);
        expect(JSON.stringify(review[0]!.body.messages[0])).toContain('Its input must contain `verdict`.');

        // max_tokens mid write_file: nothing ran, the model is told to write in parts, the limit is raised once.
        const cutAt = tdd.findIndex((q) =>
          errorsIn(q).some((m) =>
            /reached max_tokens \(32000 tokens\) while you were writing this write_file call/.test(m),
          ),
        );
        expect(cutAt).toBeGreaterThan(0);
        expect(tdd[cutAt - 1]!.body.max_tokens).toBe(32_000);
        expect(tdd[cutAt]!.body.max_tokens).toBe(64_000);

        // pause_turn: the conversation goes back as it was, ending with the paused assistant turn.
        const analysis = reqs.filter((q) => promptOf(q) === 'uncertainty_analysis');
        expect(analysis).toHaveLength(2);
        expect(analysis[1]!.body.messages.at(-1)).toMatchObject({ role: 'assistant' });
        expect(JSON.stringify(analysis[1]!.body.messages.at(-1))).toContain('Weighing the open areas.');
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'a refusal fails the chain cleanly (exit 1) with the reason recorded',
    async () => {
      const refusing = (o: ScenarioOptions) => {
        const base = createScenario(o);
        const responder: Responder = async (req, index) =>
          readTurn(req.body ?? {})?.prompt === 'uncertainty_analysis'
            ? { text: 'I will not help with this.', stopReason: 'refusal' }
            : base.responder(req, index);
        return { ...base, responder };
      };
      const e = await setupE2e({}, refusing);
      try {
        const r = await e.run('--yes', '--json', GOAL);
        expect(r.exitCode, r.stderr).toBe(1);
        expect(e.server.rejected).toEqual([]);
        const [file] = await contextFiles(e.ws.root);
        const ctx = readContext(file!);
        expect(ctx.status).toBe('failed');
        const failed = ctx.steps.filter((s) => s.status === 'failed');
        expect(failed.map((s) => s.prompt)).toContain('uncertainty_analysis');
        expect(JSON.stringify(failed)).toContain(
          'refused the step (stop_reason: refusal): I will not help with this.',
        );
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );
});
