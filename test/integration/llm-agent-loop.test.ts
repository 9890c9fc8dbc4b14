/** runStructured through the real SDK against the fake Messages API. */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAnthropicClient } from '../../src/llm/anthropic.js';
import type { LlmCallResult, StructuredRunSpec } from '../../src/llm/types.js';
import type { AgentTool } from '../../src/tools/types.js';
import { StepFailedError } from '../../src/errors.js';
import {
  CHOOSE_NEXT_PROMPTS,
  FindingsSchema,
  RECORD_FINDINGS,
  type Findings,
} from '../../src/phases/protocol.js';
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

const readCalls: string[] = [];
const readFile: AgentTool<{ path: string }> = {
  name: 'read_file',
  description: 'Read a workspace file',
  inputSchema: z.object({ path: z.string() }),
  run: async ({ path }) => {
    readCalls.push(path);
    return { content: `contents of ${path}` };
  },
};
const writeFile: AgentTool<{ path: string }> = {
  name: 'write_file',
  description: 'Write a workspace file',
  inputSchema: z.object({ path: z.string() }),
  run: async () => ({ content: 'written' }),
};

async function setup(responder: Responder) {
  server = await startFakeAnthropic({ responder });
  const client = createAnthropicClient({
    apiKey: 'sk-ant-secret-123',
    baseURL: server.url,
    maxRetries: 2,
    timeoutMs: 10_000,
  });
  return { server, client };
}

function spec(over: Partial<StructuredRunSpec<Findings>> = {}): StructuredRunSpec<Findings> {
  return {
    model: 'claude-test',
    prefix: { rules: 'rules', catalog: 'catalog' },
    instructions: 'Trace the login flow.',
    result: { name: RECORD_FINDINGS, description: 'result', schema: FindingsSchema },
    allTools: [readFile as AgentTool, writeFile as AgentTool],
    enabledTools: ['read_file'],
    maxTurns: 4,
    maxCorrections: 2,
    maxCalls: 40,
    maxToolCalls: 150,
    maxTokens: 1000,
    ...over,
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const lastUserBlocks = (body: any) =>
  body.messages.at(-1).content as { type: string; content?: string; is_error?: boolean }[];

describe('runStructured', () => {
  it('runs a workspace tool, then accepts the result tool; records one call per request', async () => {
    readCalls.length = 0;
    const { server, client } = await setup((_req, i) =>
      i === 0
        ? { text: 'Reading the app entry.', toolUses: [{ name: 'read_file', input: { path: 'src/app.ts' } }] }
        : toolReply(RECORD_FINDINGS, { summary: 'Login uses sessions.' }),
    );
    const progress: string[] = [];
    const texts: string[] = [];
    const seen: { call: LlmCallResult; n: number }[] = [];
    const estimates: number[] = [];
    const out = await client.runStructured(spec(), {
      onProgress: (e) => (e.type === 'tool' ? progress.push(`tool:${e.name}`) : texts.push(e.text)),
      onCall: (call, messages) => void seen.push({ call, n: messages.length }),
      beforeCall: ({ estimatedInputTokens }) => void estimates.push(estimatedInputTokens),
    });
    expect(out.value).toEqual({ summary: 'Login uses sessions.' });
    expect(readCalls).toEqual(['src/app.ts']);
    expect(progress).toEqual(['tool:read_file']);
    expect(texts.join('')).toBe('Reading the app entry.');
    expect(out.messages[1]).toMatchObject({
      role: 'assistant',
      content: [
        { type: 'text', text: 'Reading the app entry.' },
        { type: 'tool_use', name: 'read_file' },
      ],
    });
    expect(out.calls.map((c) => c.request_id)).toEqual(['req_fake_0', 'req_fake_1']);
    expect(seen.map((s) => s.n)).toEqual([2, 4]);
    expect(estimates).toHaveLength(2);
    expect(estimates[1]!).toBeGreaterThan(estimates[0]!);
    expect(lastUserBlocks(server.requests[1]!.body)[0]).toMatchObject({
      type: 'tool_result',
      content: 'contents of src/app.ts',
    });
    expect(server.requests.map((r) => r.body.tool_choice)).toEqual([{ type: 'auto' }, { type: 'auto' }]);
    expect(server.requests.every((r) => r.body.stream === true)).toBe(true);
  });

  it('sends the same tool list on every call: agent tools then both result tools', async () => {
    const { server, client } = await setup((_req, i) =>
      i === 0
        ? toolReply('read_file', { path: 'a' })
        : toolReply(CHOOSE_NEXT_PROMPTS, {
            prompts: [],
            ready_for_analysis: true,
            need_new_prompt: false,
            rationale: 'r',
          }),
    );
    const decision = z.object({ ready_for_analysis: z.boolean() }).loose();
    await client.runStructured({
      ...spec(),
      result: { name: CHOOSE_NEXT_PROMPTS, description: 'd', schema: decision },
    });
    const tools = server.requests.map((r) => JSON.stringify(r.body.tools));
    expect(tools[0]).toBe(tools[1]);
    expect(server.requests[0]!.body.tools.map((t: { name: string }) => t.name)).toEqual([
      'read_file',
      'write_file',
      RECORD_FINDINGS,
      CHOOSE_NEXT_PROMPTS,
    ]);
  });

  it('refuses disabled tools, the other result tool and invalid tool input with error tool_results', async () => {
    const { server, client } = await setup((_req, i) =>
      i === 0
        ? {
            toolUses: [
              { name: 'write_file', input: { path: 'x' } },
              { name: CHOOSE_NEXT_PROMPTS, input: {} },
              { name: 'read_file', input: { file: 1 } },
              { name: 'nope', input: {} },
            ],
          }
        : toolReply(RECORD_FINDINGS, { summary: 'done' }),
    );
    await client.runStructured(spec());
    const results = lastUserBlocks(server.requests[1]!.body);
    expect(results.map((r) => r.is_error)).toEqual([true, true, true, true]);
    expect(results[0]!.content).toMatch(/write_file is not available in this step/);
    expect(results[1]!.content).toMatch(/not the result of this step; finish with record_findings/);
    expect(results[2]!.content).toMatch(/invalid input for read_file:\npath: /);
    expect(results[3]!.content).toMatch(/nope is not available/);
  });

  it('forces the result tool when maxTurns is 0 and on the turn after the last allowed one', async () => {
    const first = await setup(() => toolReply(RECORD_FINDINGS, { summary: 's' }));
    await first.client.runStructured(spec({ maxTurns: 0 }));
    expect(first.server.requests[0]!.body.tool_choice).toEqual({ type: 'tool', name: RECORD_FINDINGS });
    await server?.close();
    const second = await setup((_req, i) =>
      i < 2 ? toolReply('read_file', { path: `f${i}` }) : toolReply(RECORD_FINDINGS, { summary: 's' }),
    );
    await second.client.runStructured(spec({ maxTurns: 2 }));
    expect(second.server.requests.map((r) => r.body.tool_choice.type)).toEqual(['auto', 'auto', 'tool']);
  });

  it('sends zod issues back and accepts a corrected result', async () => {
    const { server, client } = await setup((_req, i) =>
      i === 0
        ? toolReply(RECORD_FINDINGS, { summary: '', confidence: { overall: 3 } })
        : toolReply(RECORD_FINDINGS, { summary: 'fixed' }),
    );
    const out = await client.runStructured(spec());
    expect(out.value.summary).toBe('fixed');
    const [result] = lastUserBlocks(server.requests[1]!.body);
    expect(result!.is_error).toBe(true);
    expect(result!.content).toMatch(/^summary: /m);
    expect(result!.content).toMatch(/^confidence\.overall: /m);
    // A rejected result is a correction, not a reason to force: the model may still read first.
    expect(server.requests[1]!.body.tool_choice).toEqual({ type: 'auto' });
  });

  it('fails the step after maxCorrections invalid results', async () => {
    const { server, client } = await setup(() => toolReply(RECORD_FINDINGS, { summary: 42 }));
    const err = await client.runStructured(spec()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepFailedError);
    expect((err as StepFailedError).exitCode).toBe(1);
    expect(server.requests).toHaveLength(3);
  });

  it('answers a turn that ends in text with one reminder, then forces the result, then fails the step', async () => {
    const { server, client } = await setup(() => textReply('I think we are done.'));
    await expect(client.runStructured(spec({ maxCorrections: 2 }))).rejects.toBeInstanceOf(StepFailedError);
    expect(server.requests).toHaveLength(3);
    expect(server.requests.map((r) => r.body.tool_choice)).toEqual([
      { type: 'auto' },
      { type: 'auto' },
      { type: 'tool', name: RECORD_FINDINGS },
    ]);
    expect(lastUserBlocks(server.requests[1]!.body)[0]).toMatchObject({ type: 'text' });
    expect(JSON.stringify(lastUserBlocks(server.requests[1]!.body))).toMatch(/Reminder: .*record_findings/);
  });

  it('propagates an error thrown by beforeCall without calling the API', async () => {
    const { server, client } = await setup(() => toolReply(RECORD_FINDINGS, { summary: 's' }));
    const stop = new Error('budget');
    await expect(
      client.runStructured(spec(), {
        beforeCall: () => {
          throw stop;
        },
      }),
    ).rejects.toBe(stop);
    expect(server.requests).toHaveLength(0);
  });
});
