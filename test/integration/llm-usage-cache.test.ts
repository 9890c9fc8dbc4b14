/** Usage recorded exactly as sent, prompt caching across turns, resume after a gate, countTokens. */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAnthropicClient } from '../../src/llm/anthropic.js';
import type { LlmCallResult, StructuredRunSpec } from '../../src/llm/types.js';
import type { AgentTool } from '../../src/tools/types.js';
import { AwaitingInputError } from '../../src/errors.js';
import { FindingsSchema, RECORD_FINDINGS, type Findings } from '../../src/phases/protocol.js';
import { countInputTokens } from '../helpers/fake-cache.js';
import { startFakeAnthropic, toolReply, type FakeServer, type Responder } from '../helpers/fake-anthropic.js';

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const listFiles: AgentTool<{ dir: string }> = {
  name: 'list_files',
  description: 'List files',
  inputSchema: z.object({ dir: z.string() }),
  run: async ({ dir }) => ({ content: `${dir}/a.ts\n${dir}/b.ts` }),
};

const bigPrefix = {
  rules: '# Project rules\n' + 'Prefer small pure functions; test every branch. '.repeat(150),
  catalog: Array.from(
    { length: 60 },
    (_, i) => `prompt_${i}: purpose of prompt number ${i}; good for tracing flows`,
  ).join('\n'),
};

function spec(over: Partial<StructuredRunSpec<Findings>> = {}): StructuredRunSpec<Findings> {
  return {
    model: 'claude-test',
    prefix: bigPrefix,
    instructions: 'Map the auth module.',
    result: { name: RECORD_FINDINGS, description: 'result', schema: FindingsSchema },
    allTools: [listFiles as AgentTool],
    enabledTools: ['list_files'],
    maxTurns: 6,
    maxCorrections: 2,
    maxCalls: 40,
    maxToolCalls: 150,
    maxTokens: 1000,
    ...over,
  };
}

async function setup(responder: Responder, opts: { countTokens?: boolean } = {}) {
  server = await startFakeAnthropic({ responder, ...opts });
  return {
    server,
    client: createAnthropicClient({
      apiKey: 'sk-test',
      baseURL: server.url,
      maxRetries: 0,
      timeoutMs: 10_000,
    }),
  };
}

const threeTurns: Responder = (_r, i) =>
  i < 2 ? toolReply('list_files', { dir: `src/${i}` }) : toolReply(RECORD_FINDINGS, { summary: 'mapped' });

describe('usage and caching', () => {
  it('records usage exactly as the server sent it, call by call', async () => {
    const override = {
      cache_creation_input_tokens: 30,
      cache_creation: { ephemeral_5m_input_tokens: 10, ephemeral_1h_input_tokens: 20 },
    };
    const { server, client } = await setup((r, i) =>
      i === 1 ? { ...toolReply('list_files', { dir: 'x' }), usage: override } : threeTurns(r, i),
    );
    const recorded: LlmCallResult[] = [];
    const out = await client.runStructured(spec(), { onCall: (c) => void recorded.push(c) });
    expect(recorded.map((c) => c.usage)).toEqual(server.sentUsage);
    expect(out.calls).toEqual(recorded);
    expect(recorded[1]!.usage.cache_creation).toEqual(override.cache_creation);
    expect(
      recorded.every(
        (c) => c.model === 'claude-test' && c.latency_ms >= 0 && !Number.isNaN(Date.parse(c.started_at)),
      ),
    ).toBe(true);
  });

  it('reads at least 70% of input tokens from cache from the second call on', async () => {
    const { server, client } = await setup(threeTurns);
    await client.runStructured(spec());
    expect(server.sentUsage).toHaveLength(3);
    expect(server.sentUsage[0]!.cache_creation_input_tokens).toBeGreaterThan(1024);
    for (const u of server.sentUsage.slice(1)) {
      const total = u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
      expect((u.cache_read_input_tokens ?? 0) / total).toBeGreaterThanOrEqual(0.7);
    }
    const breakpoints = server.requests.map(
      (r) => (JSON.stringify(r.body).match(/"cache_control"/g) ?? []).length,
    );
    expect(breakpoints.every((n) => n <= 4)).toBe(true);
  });

  it('reads each earlier turn of the agent loop from cache (moving breakpoint)', async () => {
    const bigList: AgentTool<{ dir: string }> = {
      ...listFiles,
      run: async ({ dir }) => ({ content: `${dir}/file.ts\n`.repeat(600) }),
    };
    const { server, client } = await setup(threeTurns);
    await client.runStructured(spec({ allTools: [bigList as AgentTool] }));
    const totals = server.sentUsage.map(
      (u) => u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0),
    );
    expect(server.sentUsage.slice(1).map((u) => u.cache_read_input_tokens)).toEqual(totals.slice(0, -1));
  });

  it('shares the cached prefix between two steps with different instructions', async () => {
    const { server, client } = await setup(() => toolReply(RECORD_FINDINGS, { summary: 's' }));
    await client.runStructured(spec({ instructions: 'Step one.' }));
    await client.runStructured(spec({ instructions: 'Step two, quite different.' }));
    expect(server.sentUsage[1]!.cache_read_input_tokens).toBeGreaterThan(1024);
  });
});

describe('resume after a gate', () => {
  it('propagates AwaitingInputError after onCall saved the assistant message, then resumes without repeating the call', async () => {
    let answered = false;
    const gate: AgentTool<{ change: string }> = {
      name: 'propose_change',
      description: 'Propose a file change for approval',
      inputSchema: z.object({ change: z.string() }),
      run: async ({ change }) => {
        if (!answered) throw new AwaitingInputError('approval pending');
        return { content: `approved: ${change}` };
      },
    };
    const { server, client } = await setup((_r, i) =>
      i === 0
        ? toolReply('propose_change', { change: 'add jwt' })
        : toolReply(RECORD_FINDINGS, { summary: 'applied' }),
    );
    const gated = spec({ allTools: [gate as AgentTool], enabledTools: ['propose_change'] });
    let saved: unknown[] = [];
    const err = await client
      .runStructured(gated, { onCall: (_c, messages) => void (saved = messages) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwaitingInputError);
    expect(saved.at(-1)).toMatchObject({
      role: 'assistant',
      content: [{ type: 'tool_use', name: 'propose_change', input: { change: 'add jwt' } }],
    });
    expect(server.requests).toHaveLength(1);

    answered = true;
    const calls: LlmCallResult[] = [];
    const out = await client.runStructured(
      { ...gated, resumeMessages: saved },
      { onCall: (c) => void calls.push(c) },
    );
    expect(out.value.summary).toBe('applied');
    expect(server.requests).toHaveLength(2);
    expect(calls).toHaveLength(1);
    const sent = server.requests[1]!.body.messages;
    expect(sent).toHaveLength(3);
    expect(sent[1]).toEqual(saved[1]);
    expect(sent[2].content[0]).toMatchObject({
      type: 'tool_result',
      tool_use_id: 'toolu_fake_0_0',
      content: 'approved: add jwt',
    });
  });
});

describe('countTokens', () => {
  const req = {
    model: 'claude-test',
    prefix: bigPrefix,
    tools: [listFiles as AgentTool],
    messages: [{ role: 'user', content: 'hello' }],
  };

  it('returns the server count for the same layout as a call', async () => {
    const { server, client } = await setup(threeTurns);
    const n = await client.countTokens!(req);
    expect(n).toBe(countInputTokens(server.requests[0]!.body));
    expect(server.requests[0]!.path).toBe('/v1/messages/count_tokens');
    expect(server.requests[0]!.body.tools.map((t: { name: string }) => t.name)).toEqual([
      'list_files',
      'record_findings',
      'choose_next_prompts',
    ]);
    expect(n).toBeGreaterThan(1024);
  });

  it('returns null when the server does not offer counting or cannot be reached', async () => {
    const { client } = await setup(threeTurns, { countTokens: false });
    expect(await client.countTokens!(req)).toBeNull();
    const gone = createAnthropicClient({
      apiKey: 'k',
      baseURL: 'http://127.0.0.1:1',
      maxRetries: 0,
      timeoutMs: 2000,
    });
    expect(await gone.countTokens!(req)).toBeNull();
  });
});
