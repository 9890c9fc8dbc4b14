/**
 * What the agent loop asks of the model, read off the recorded requests (real SDK, strict fake
 * Messages API): auto tool choice with thinking, thinking blocks passed back unchanged, the
 * result forced only without thinking, stop reasons, contracts, calls of tools not enabled.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { StepFailedError } from '../../src/errors.js';
import { createAnthropicClient } from '../../src/llm/anthropic.js';
import type { StructuredRunSpec } from '../../src/llm/types.js';
import { FindingsSchema, RECORD_FINDINGS, type Findings } from '../../src/phases/protocol.js';
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
  // No request of any test here may be one the API would refuse.
  expect(server?.rejected ?? []).toEqual([]);
  await server?.close();
  server = undefined;
});

const ran: string[] = [];
const tool = (name: string): AgentTool<{ path: string; content?: string }> => ({
  name,
  description: name,
  inputSchema: z.object({ path: z.string(), content: z.string().optional() }),
  run: async ({ path }) => {
    ran.push(`${name}:${path}`);
    return { content: `${name} ${path} ok` };
  },
});

async function client(responder: Responder) {
  ran.length = 0;
  server = await startFakeAnthropic({ responder });
  return createAnthropicClient({
    apiKey: 'sk-ant-thinking',
    baseURL: server.url,
    maxRetries: 0,
    timeoutMs: 10_000,
  });
}

const spec = (over: Partial<StructuredRunSpec<Findings>> = {}): StructuredRunSpec<Findings> => ({
  model: 'claude-sonnet-4-6',
  prefix: { rules: 'rules', catalog: 'catalog' },
  instructions: 'Review the change.',
  result: { name: RECORD_FINDINGS, description: 'result', schema: FindingsSchema },
  allTools: [tool('read_file') as AgentTool, tool('write_file') as AgentTool],
  enabledTools: ['read_file', 'write_file'],
  maxTurns: 4,
  maxCorrections: 2,
  maxCalls: 40,
  maxToolCalls: 150,
  maxTokens: 16_000,
  thinking: 'adaptive',
  ...over,
});

const bodies = () => server!.requests.filter((r) => r.path === '/v1/messages').map((r) => r.body);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const lastUser = (body: any) => body.messages.at(-1).content;

describe('agent turns think', () => {
  it('runs tool turns with tool_choice auto and thinking, and passes the thinking blocks back unchanged', async () => {
    const c = await client((_req, i) =>
      i === 0
        ? {
            thinking: 'First read the handler.',
            redactedThinking: true,
            toolUses: [{ name: 'read_file', input: { path: 'src/app.js' } }],
          }
        : toolReply(RECORD_FINDINGS, { summary: 'fine' }),
    );
    const out = await c.runStructured(spec());
    expect(out.value.summary).toBe('fine');
    const [first, second] = bodies();
    expect(first.tool_choice).toEqual({ type: 'auto' });
    expect(first.thinking).toEqual({ type: 'adaptive' });
    expect(second.tool_choice).toEqual({ type: 'auto' });
    expect(second.thinking).toEqual({ type: 'adaptive' });
    const assistant = second.messages[1].content;
    expect(assistant.map((b: { type: string }) => b.type)).toEqual([
      'thinking',
      'redacted_thinking',
      'tool_use',
    ]);
    expect(assistant[0]).toMatchObject({
      type: 'thinking',
      thinking: 'First read the handler.',
      signature: expect.any(String),
    });
    expect(assistant[1].data).toMatch(/^redacted_/);
  });

  it('uses a token budget on a model that only has budget thinking, below max_tokens', async () => {
    const c = await client(() => toolReply(RECORD_FINDINGS, { summary: 's' }));
    await c.runStructured(spec({ model: 'claude-haiku-4-5', thinking: 4096, maxTokens: 16_000 }));
    expect(bodies()[0]).toMatchObject({
      thinking: { type: 'enabled', budget_tokens: 4096 },
      max_tokens: 16_000,
      tool_choice: { type: 'auto' },
    });
  });

  it('forces the result on the last allowed turn without thinking, after a thinking tool loop', async () => {
    const c = await client((_req, i) =>
      i === 0 ? toolReply('read_file', { path: 'a' }) : toolReply(RECORD_FINDINGS, { summary: 's' }),
    );
    await c.runStructured(spec({ maxTurns: 1 }));
    const [first, forced] = bodies();
    expect(first).toMatchObject({ tool_choice: { type: 'auto' }, thinking: { type: 'adaptive' } });
    expect(forced.tool_choice).toEqual({ type: 'tool', name: RECORD_FINDINGS });
    expect(forced.thinking).toBeUndefined();
  });

  it('never sends thinking with a forced tool choice, whatever the model does', async () => {
    const c = await client((_req, i) =>
      i < 2
        ? textReply('Let me think aloud instead.')
        : i < 4
          ? toolReply(RECORD_FINDINGS, { summary: '' })
          : toolReply(RECORD_FINDINGS, { summary: 'ok' }),
    );
    await c.runStructured(spec({ maxCorrections: 4 }));
    for (const body of bodies()) {
      const forcedChoice = body.tool_choice.type === 'tool' || body.tool_choice.type === 'any';
      expect(forcedChoice && body.thinking !== undefined).toBe(false);
    }
    expect(bodies().map((b) => b.tool_choice.type)).toEqual(['auto', 'auto', 'tool', 'tool', 'tool']);
  });

  it('with thinking off, sends no thinking at all', async () => {
    const c = await client(() => toolReply(RECORD_FINDINGS, { summary: 's' }));
    await c.runStructured(spec({ thinking: 'off' }));
    expect(bodies()[0].thinking).toBeUndefined();
    expect(bodies()[0].tool_choice).toEqual({ type: 'auto' });
  });
});

describe('stop_reason is read', () => {
  it('max_tokens mid tool call: nothing runs, the model is told its output was cut and how to write in parts, the limit is raised once', async () => {
    const big = 'x'.repeat(400);
    const c = await client((_req, i) =>
      i === 0
        ? {
            toolUses: [{ name: 'write_file', input: { path: 'src/big.js', content: big } }],
            stopReason: 'max_tokens',
          }
        : toolReply(RECORD_FINDINGS, { summary: 'written in parts' }),
    );
    const out = await c.runStructured(spec({ maxCorrections: 0 }));
    expect(out.value.summary).toBe('written in parts');
    expect(ran).toEqual([]);
    const [first, second] = bodies();
    const [result] = lastUser(second);
    expect(result).toMatchObject({ type: 'tool_result', is_error: true });
    expect(result.content).toMatch(
      /reached max_tokens \(16000 tokens\) while you were writing this write_file call/,
    );
    expect(result.content).toMatch(/Write in parts/);
    expect(first.max_tokens).toBe(16_000);
    expect(second.max_tokens).toBe(32_000);
  });

  it('refusal ends the step with the reason, without another call', async () => {
    const c = await client(() => ({ text: 'I cannot help with this request.', stopReason: 'refusal' }));
    const err = await c.runStructured(spec()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepFailedError);
    expect((err as StepFailedError).exitCode).toBe(1);
    expect((err as Error).message).toMatch(
      /refused the step \(stop_reason: refusal\): I cannot help with this request\./,
    );
    expect(bodies()).toHaveLength(1);
  });

  it('pause_turn sends the conversation back so the model continues (no correction spent)', async () => {
    const c = await client((_req, i) =>
      i === 0
        ? { text: 'Still working on it.', stopReason: 'pause_turn' }
        : toolReply(RECORD_FINDINGS, { summary: 'continued' }),
    );
    const out = await c.runStructured(spec({ maxCorrections: 0 }));
    expect(out.value.summary).toBe('continued');
    const second = bodies()[1];
    expect(second.messages.at(-1)).toMatchObject({ role: 'assistant' });
    expect(JSON.stringify(second.messages.at(-1).content)).toContain('Still working on it.');
    expect(second.tool_choice).toEqual({ type: 'auto' });
  });
});

describe('contracts and refused calls', () => {
  it('a result without a field its prompt requires goes back naming the field, as a correction', async () => {
    const c = await client((_req, i) =>
      i === 0
        ? toolReply(RECORD_FINDINGS, { summary: 'looks fine' })
        : toolReply(RECORD_FINDINGS, { summary: 'ok', verdict: { passed: true, blocking_issues: [] } }),
    );
    const requires = ['verdict'];
    const out = await c.runStructured(
      spec({ result: { name: RECORD_FINDINGS, description: 'r', schema: FindingsSchema, requires } }),
    );
    expect(out.value.verdict).toEqual({ passed: true, blocking_issues: [] });
    const [result] = lastUser(bodies()[1]);
    expect(result).toMatchObject({ type: 'tool_result', is_error: true });
    expect(result.content).toMatch(
      /record_findings is missing `verdict`, which this prompt's result must contain/,
    );
    await server!.close();
    server = undefined;
    const strict = await client(() => toolReply(RECORD_FINDINGS, { summary: 'no verdict' }));
    const err = await strict
      .runStructured(
        spec({
          maxCorrections: 0,
          result: { name: RECORD_FINDINGS, description: 'r', schema: FindingsSchema, requires },
        }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepFailedError);
  });

  it('a call of a tool not enabled is answered with an error and the model goes on: not forced, no correction', async () => {
    const c = await client((_req, i) =>
      i === 0
        ? toolReply('write_file', { path: 'x.js', content: 'y' })
        : i === 1
          ? toolReply('read_file', { path: 'src/app.js' })
          : toolReply(RECORD_FINDINGS, { summary: 'read, not written' }),
    );
    const out = await c.runStructured(spec({ enabledTools: ['read_file'], maxCorrections: 0 }));
    expect(out.value.summary).toBe('read, not written');
    expect(ran).toEqual(['read_file:src/app.js']);
    const [, second, third] = bodies();
    expect(lastUser(second)[0]).toMatchObject({
      is_error: true,
      content: expect.stringMatching(
        /write_file is not available in this step; the tools you may call are: read_file, record_findings/,
      ),
    });
    expect(second.tool_choice).toEqual({ type: 'auto' });
    expect(second.thinking).toEqual({ type: 'adaptive' });
    expect(third.tool_choice).toEqual({ type: 'auto' });
  });
});
