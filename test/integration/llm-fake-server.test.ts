/** The fake Messages API itself, driven by the real SDK: JSON, SSE, faults, count_tokens, caching. */
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import {
  faultReply,
  startFakeAnthropic,
  textReply,
  toolReply,
  type FakeServer,
  type Responder,
} from '../helpers/fake-anthropic.js';
import { startMessagesServer } from '../../src/demo/server.js';

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(
  responder: Responder,
  extra: { cache?: boolean; countTokens?: boolean; minCacheableTokens?: number } = {},
) {
  server = await startFakeAnthropic({ responder, ...extra });
  return { server, sdk: new Anthropic({ apiKey: 'sk-test', baseURL: server.url, maxRetries: 2 }) };
}

const bigSystem = [
  { type: 'text' as const, text: 'rule '.repeat(2000), cache_control: { type: 'ephemeral' as const } },
];

describe('fake Messages API', () => {
  it('answers JSON requests with tool_use content, usage and a request id', async () => {
    const { server, sdk } = await start(() => toolReply('record_findings', { summary: 'ok' }));
    const { data, response } = await sdk.messages
      .create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(response.headers.get('request-id')).toBe('req_fake_0');
    expect(data.stop_reason).toBe('tool_use');
    expect(data.content).toEqual([
      { type: 'tool_use', id: 'toolu_fake_0_0', name: 'record_findings', input: { summary: 'ok' } },
    ]);
    expect(data.usage).toEqual(server.sentUsage[0]);
    expect(server.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/messages',
      body: { model: 'm', max_tokens: 10 },
    });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer sk-test');
  });

  it('streams SSE that the SDK accumulates into the same message and usage', async () => {
    const { server, sdk } = await start(() => ({
      text: 'thinking about it',
      toolUses: [{ name: 'read_file', input: { path: 'src/app.ts', n: [1, 2, 3] } }],
    }));
    const stream = sdk.messages.stream({
      model: 'm',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const texts: string[] = [];
    stream.on('text', (t) => texts.push(t));
    const message = await stream.finalMessage();
    expect(texts.length).toBeGreaterThan(1);
    expect(texts.join('')).toBe('thinking about it');
    expect(message.content[1]).toMatchObject({
      type: 'tool_use',
      name: 'read_file',
      input: { path: 'src/app.ts', n: [1, 2, 3] },
    });
    expect(JSON.parse(JSON.stringify(message.usage))).toEqual(server.sentUsage[0]);
    expect(stream.request_id).toBe('req_fake_0');
  });

  it('returns scripted faults that the SDK maps to its error classes', async () => {
    const { sdk } = await start(() => faultReply(401, undefined, 'invalid x-api-key'));
    const err = await sdk.messages
      .create({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((err as InstanceType<typeof Anthropic.APIError>).requestID).toBe('req_fake_0');
  });

  it('refuses a request the API refuses with 400 invalid_request_error, before its responder sees it', async () => {
    let asked = 0;
    const { sdk } = await start(() => {
      asked++;
      return textReply('x');
    });
    const err = await sdk.messages
      .create({
        model: 'claude-sonnet-4-6',
        max_tokens: 4096,
        thinking: { type: 'enabled', budget_tokens: 2048 },
        tool_choice: { type: 'any' },
        tools: [{ name: 't', input_schema: { type: 'object' } }],
        messages: [{ role: 'user', content: 'x' }],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: 'Thinking may not be enabled when tool_choice forces tool use.',
      },
    });
    expect(asked).toBe(0);
    expect(server!.rejected.map((r) => r.message)).toEqual([
      'Thinking may not be enabled when tool_choice forces tool use.',
    ]);
    // The same request without thinking is answered.
    await sdk.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 4096,
      tool_choice: { type: 'any' },
      tools: [{ name: 't', input_schema: { type: 'object' } }],
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(asked).toBe(1);
  });

  it('sends a signed thinking block first when thinking is on, and checks it when it comes back', async () => {
    const { sdk } = await start((_req, i) =>
      i === 0 ? { thinking: 'plan the call', toolUses: [{ name: 't', input: {} }] } : textReply('done'),
    );
    const base = {
      model: 'claude-sonnet-4-6',
      max_tokens: 4096,
      thinking: { type: 'adaptive' as const },
      tools: [{ name: 't', input_schema: { type: 'object' as const } }],
    };
    const first = await sdk.messages.create({ ...base, messages: [{ role: 'user', content: 'x' }] });
    expect(first.content.map((b) => b.type)).toEqual(['thinking', 'tool_use']);
    const [thinking, use] = first.content as [
      Anthropic.Messages.ThinkingBlock,
      Anthropic.Messages.ToolUseBlock,
    ];
    const loop = (assistant: Anthropic.Messages.ContentBlockParam[]) => [
      { role: 'user' as const, content: 'x' },
      { role: 'assistant' as const, content: assistant },
      {
        role: 'user' as const,
        content: [{ type: 'tool_result' as const, tool_use_id: use.id, content: 'ok' }],
      },
    ];
    const altered = await sdk.messages
      .create({ ...base, messages: loop([{ ...thinking, thinking: 'plan the call, edited' }, use]) })
      .catch((e: unknown) => e);
    expect(altered).toBeInstanceOf(Anthropic.BadRequestError);
    const dropped = await sdk.messages.create({ ...base, messages: loop([use]) }).catch((e: unknown) => e);
    expect(String(dropped)).toMatch(/Expected `thinking` or `redacted_thinking`, but found `tool_use`/);
    const ok = await sdk.messages.create({ ...base, messages: loop([thinking, use]) });
    expect(ok.content.at(-1)).toMatchObject({ type: 'text', text: 'done' });
  });

  it('counts tokens deterministically, or answers 404 when counting is off', async () => {
    const { sdk } = await start(() => textReply('x'));
    const body = { model: 'm', messages: [{ role: 'user' as const, content: 'hello world' }] };
    const a = await sdk.messages.countTokens(body);
    const b = await sdk.messages.countTokens(body);
    expect(a.input_tokens).toBeGreaterThan(0);
    expect(b.input_tokens).toBe(a.input_tokens);
    await server?.close();
    const off = await start(() => textReply('x'), { countTokens: false });
    await expect(off.sdk.messages.countTokens(body)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  });

  it('simulates prefix caching: write on the first request, read on the second', async () => {
    const { server, sdk } = await start(() => textReply('ok'));
    const req = (text: string) =>
      sdk.messages.create({
        model: 'm',
        max_tokens: 5,
        system: bigSystem,
        messages: [{ role: 'user', content: text }],
      });
    await req('first');
    await req('second');
    const [first, second] = server.sentUsage;
    expect(first?.cache_read_input_tokens).toBe(0);
    expect(first?.cache_creation_input_tokens).toBeGreaterThan(2000);
    expect(first?.cache_creation).toEqual({
      ephemeral_5m_input_tokens: first?.cache_creation_input_tokens,
      ephemeral_1h_input_tokens: 0,
    });
    expect(second?.cache_read_input_tokens).toBe(first?.cache_creation_input_tokens);
    expect(second?.cache_creation_input_tokens).toBe(0);
    expect(second?.input_tokens).toBe(first?.input_tokens);
  });

  it('does not cache short prefixes, and caches nothing when caching is off', async () => {
    const short = await start(() => textReply('ok'));
    const small = [{ type: 'text' as const, text: 'short', cache_control: { type: 'ephemeral' as const } }];
    for (let i = 0; i < 2; i++)
      await short.sdk.messages.create({
        model: 'm',
        max_tokens: 5,
        system: small,
        messages: [{ role: 'user', content: 'x' }],
      });
    expect(
      short.server.sentUsage.map((u) => u.cache_read_input_tokens! + u.cache_creation_input_tokens!),
    ).toEqual([0, 0]);
    await server?.close();
    const off = await start(() => textReply('ok'), { cache: false });
    for (let i = 0; i < 2; i++)
      await off.sdk.messages.create({
        model: 'm',
        max_tokens: 5,
        system: bigSystem,
        messages: [{ role: 'user', content: 'x' }],
      });
    expect(off.server.sentUsage.map((u) => u.cache_read_input_tokens)).toEqual([0, 0]);
  });

  it("the demo's own server refuses what the API refuses before its model sees it, and answers the rest", async () => {
    const seen: number[] = [];
    const demo = await startMessagesServer({
      responder: (_req, index) => {
        seen.push(index);
        return textReply('ok');
      },
      model: 'demo-model',
    });
    try {
      const sdk = new Anthropic({ apiKey: 'sk-test', baseURL: demo.url, maxRetries: 0 });
      const refused = await sdk.messages
        .create({ model: 'm', max_tokens: 0, messages: [{ role: 'user', content: 'hi' }] })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(Anthropic.BadRequestError);
      const ok = await sdk.messages.create({
        model: 'm',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(ok.model).toBe('demo-model');
      expect(ok.content).toEqual([{ type: 'text', text: 'ok', citations: null }]);
      expect(seen).toEqual([0]);
      expect(demo.requests.map((r) => r.body?.max_tokens)).toEqual([0, 5]);
    } finally {
      await demo.close();
    }
  });
});
