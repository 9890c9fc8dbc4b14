/**
 * Every loop the model drives has a bound that does not depend on the model behaving: the real
 * SDK against the fake Messages API playing a hostile model (unknown tools forever, the wrong
 * result tool, ignoring a forced result, endless tool calls), and a stream that stalls.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LlmApiError, StepFailedError } from '../../src/errors.js';
import { spentIn } from '../../src/llm/agent-loop.js';
import { createAnthropicClient } from '../../src/llm/anthropic.js';
import type { StructuredRunSpec } from '../../src/llm/types.js';
import {
  CHOOSE_NEXT_PROMPTS,
  FindingsSchema,
  RECORD_FINDINGS,
  type Findings,
} from '../../src/phases/protocol.js';
import type { AgentTool } from '../../src/tools/types.js';
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type FakeServer,
  type Responder,
} from '../helpers/fake-anthropic.js';

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

let toolRuns = 0;
const readFile: AgentTool<{ path: string }> = {
  name: 'read_file',
  description: 'Read a file',
  inputSchema: z.object({ path: z.string() }),
  run: async () => {
    toolRuns++;
    return { content: 'text' };
  },
};

async function client(responder: Responder, opts: { timeoutMs?: number; maxRetries?: number } = {}) {
  server = await startFakeAnthropic({ responder });
  return createAnthropicClient({
    apiKey: 'sk-ant-secret-bounds',
    baseURL: server.url,
    maxRetries: opts.maxRetries ?? 2,
    timeoutMs: opts.timeoutMs ?? 10_000,
  });
}

const spec = (over: Partial<StructuredRunSpec<Findings>> = {}): StructuredRunSpec<Findings> => ({
  model: 'claude-test',
  prefix: { rules: 'rules', catalog: 'catalog' },
  instructions: 'Trace the login flow.',
  result: { name: RECORD_FINDINGS, description: 'result', schema: FindingsSchema },
  allTools: [readFile as AgentTool],
  enabledTools: ['read_file'],
  maxTurns: 4,
  maxCorrections: 2,
  maxCalls: 40,
  maxToolCalls: 150,
  maxTokens: 1000,
  ...over,
});

const messageRequests = () => server!.requests.filter((r) => r.path === '/v1/messages');

describe('a call of a tool not enabled is an error result; corrections count replies that do not move the step on', () => {
  it.each([
    [
      'an unknown tool',
      () => toolReply('delete_everything', { all: true }),
      /delete_everything is not available/,
    ],
    [
      'the other result tool',
      () =>
        toolReply(CHOOSE_NEXT_PROMPTS, {
          prompts: [],
          ready_for_analysis: true,
          need_new_prompt: false,
          rationale: 'x',
        }),
      /not the result of this step/,
    ],
    [
      'a tool disabled in this step',
      () => toolReply('write_file', { path: 'a', content: 'b' }),
      /write_file is not available/,
    ],
  ])(
    'a model that keeps calling %s uses its turns, then the forced result and its corrections (4 + 1 + 2 calls)',
    async (_what, reply, error) => {
      const c = await client(() => reply());
      const err = await c.runStructured(spec()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StepFailedError);
      expect(messageRequests()).toHaveLength(7);
      // A refused call is answered and the model goes on: nothing is forced while turns remain.
      expect(messageRequests().map((r) => r.body.tool_choice.type)).toEqual([
        'auto',
        'auto',
        'auto',
        'auto',
        'tool',
        'tool',
        'tool',
      ]);
      for (const r of messageRequests().slice(1, 4))
        expect(r.body.messages.at(-1).content[0]).toMatchObject({
          type: 'tool_result',
          is_error: true,
          content: expect.stringMatching(error),
        });
    },
  );

  it('a model that keeps answering in text gets one reminder, then the forced result, then fails (1 + 1 + 1 calls)', async () => {
    const c = await client(() => textReply('I would rather chat.'));
    const err = await c.runStructured(spec()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepFailedError);
    expect(messageRequests().map((r) => r.body.tool_choice)).toEqual([
      { type: 'auto' },
      { type: 'auto' },
      { type: 'tool', name: RECORD_FINDINGS },
    ]);
  });

  it('a model that ignores a forced result and keeps calling an enabled tool is stopped too', async () => {
    toolRuns = 0;
    const c = await client(() => toolReply('read_file', { path: 'a.js' }));
    await expect(c.runStructured(spec({ maxTurns: 1 }))).rejects.toBeInstanceOf(StepFailedError);
    // 1 free turn, then forced: 3 forced calls ignored = 2 corrections + the one that fails the step.
    expect(messageRequests()).toHaveLength(4);
    expect(toolRuns).toBe(4);
  });

  it('a result rejected until the step fails says why in the error: the schema issues of the last input', async () => {
    const c = await client(() => toolReply(RECORD_FINDINGS, { summary: 42 }));
    const err = await c.runStructured(spec()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepFailedError);
    expect((err as Error).message).toMatch(
      /^the model gave invalid input for record_findings after 2 correction\(s\) — last rejected: summary: .*expected string/,
    );
    // The same issues the model was sent to correct itself.
    const sent = messageRequests()[1]!.body.messages.at(-1).content[0].content as string;
    expect(sent).toContain((err as Error).message.split('last rejected: ')[1]!.split('; ')[0]);
  });

  it('a miss followed by a valid result still succeeds', async () => {
    const c = await client((_req, i) =>
      i === 0 ? toolReply('no_such_tool', {}) : toolReply(RECORD_FINDINGS, { summary: 'done' }),
    );
    const out = await c.runStructured(spec());
    expect(out.value.summary).toBe('done');
    const errors = messageRequests()[1]!.body.messages.at(-1).content;
    expect(errors[0]).toMatchObject({
      is_error: true,
      content: expect.stringMatching(
        /no_such_tool is not available in this step; the tools you may call are: read_file, record_findings/,
      ),
    });
  });
});

describe('hard caps per step', () => {
  it('maxCalls stops a step however the model behaves (exit 1, StepFailedError)', async () => {
    const c = await client(() => toolReply('read_file', { path: 'a.js' }));
    const err = await c
      .runStructured(spec({ maxTurns: 100, maxCalls: 5, maxCorrections: 100 }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepFailedError);
    expect((err as StepFailedError).exitCode).toBe(1);
    expect((err as Error).message).toMatch(/limit of 5 calls/);
    expect(messageRequests()).toHaveLength(5);
  });

  it('maxToolCalls stops a step before it runs more tools than allowed', async () => {
    toolRuns = 0;
    const many = {
      toolUses: Array.from({ length: 4 }, (_, i) => ({ name: 'read_file', input: { path: `f${i}` } })),
    };
    const c = await client(() => many);
    const err = await c
      .runStructured(spec({ maxTurns: 100, maxToolCalls: 10, maxCorrections: 100 }))
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/limit of 10 tool calls/);
    expect(toolRuns).toBe(8);
  });

  it('a resumed step counts what its stored conversation already spent', () => {
    const s = {
      result: { name: RECORD_FINDINGS, description: '', schema: FindingsSchema },
      enabledTools: ['read_file'],
    };
    const use = (name: string) => ({ type: 'tool_use', id: name, name, input: {} });
    const messages = [
      { role: 'user' as const, content: 'go' },
      { role: 'assistant' as const, content: [use('read_file'), use('read_file')] },
      { role: 'user' as const, content: 'results' },
      { role: 'assistant' as const, content: [use('unknown_tool')] },
      { role: 'user' as const, content: 'error' },
      { role: 'assistant' as const, content: [{ type: 'text' as const, text: 'hm' }] },
      { role: 'user' as const, content: 'call it' },
      { role: 'assistant' as const, content: [use(RECORD_FINDINGS)] },
    ];
    // The last assistant message is the loop's to handle; the three before it: 1 ok, a call of a
    // tool not enabled (answered, no correction), a text turn (one correction).
    expect(spentIn(messages as never, s)).toEqual({
      turns: 4,
      corrections: 1,
      toolCalls: 2,
      reminded: false,
    });
  });
});

describe('a stream that stalls after its headers', () => {
  it('is aborted after request_timeout_ms of silence and sent again, as the SDK would retry', async () => {
    const c = await client(
      (_req, i) =>
        i === 0
          ? { ...toolReply(RECORD_FINDINGS, { summary: 'x' }), stallAfterEvents: 2 }
          : toolReply(RECORD_FINDINGS, { summary: 'after the stall' }),
      { timeoutMs: 400 },
    );
    const out = await c.runStructured(spec());
    expect(out.value.summary).toBe('after the stall');
    expect(messageRequests()).toHaveLength(2);
    expect(out.calls).toHaveLength(1);
    expect(out.calls[0]!.request_id).toBe('req_fake_1');
  });

  it('fails after max_retries with a message that names the stall, not the credentials (exit 5)', async () => {
    const c = await client(() => ({ ...toolReply(RECORD_FINDINGS, { summary: 'x' }), stallAfterEvents: 0 }), {
      timeoutMs: 300,
      maxRetries: 1,
    });
    const err = await c.runStructured(spec()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmApiError);
    expect((err as LlmApiError).exitCode).toBe(5);
    expect((err as Error).message).toMatch(
      /response stream from http:\/\/127\.0\.0\.1:\d+ stalled: no data for 300 ms after the response began \(after 1 retry\)/,
    );
    expect(`${(err as Error).message} ${(err as LlmApiError).hint}`).not.toMatch(/ANTHROPIC_API_KEY|sk-ant/);
    expect(messageRequests()).toHaveLength(2);
  });
});
