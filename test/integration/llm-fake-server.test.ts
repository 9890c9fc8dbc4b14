/** The fake Messages API itself, driven by the real SDK: JSON, SSE, faults, count_tokens, caching. */
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { faultReply, startFakeAnthropic, textReply, toolReply, type FakeServer, type Responder } from '../helpers/fake-anthropic.js';

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(responder: Responder, extra: { cache?: boolean; countTokens?: boolean; minCacheableTokens?: number } = {}) {
  server = await startFakeAnthropic({ responder, ...extra });
  return { server, sdk: new Anthropic({ apiKey: 'sk-test', baseURL: server.url, maxRetries: 2 }) };
}

const bigSystem = [{ type: 'text' as const, text: 'rule '.repeat(2000), cache_control: { type: 'ephemeral' as const } }];

describe('fake Messages API', () => {
  it('answers JSON requests with tool_use content, usage and a request id', async () => {
    const { server, sdk } = await start(() => toolReply('record_findings', { summary: 'ok' }));
    const { data, response } = await sdk.messages
      .create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(response.headers.get('request-id')).toBe('req_fake_0');
    expect(data.stop_reason).toBe('tool_use');
    expect(data.content).toEqual([{ type: 'tool_use', id: 'toolu_fake_0_0', name: 'record_findings', input: { summary: 'ok' } }]);
    expect(data.usage).toEqual(server.sentUsage[0]);
    expect(server.requests[0]).toMatchObject({ method: 'POST', path: '/v1/messages', body: { model: 'm', max_tokens: 10 } });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer sk-test');
  });

  it('streams SSE that the SDK accumulates into the same message and usage', async () => {
    const { server, sdk } = await start(() => ({ text: 'thinking about it', toolUses: [{ name: 'read_file', input: { path: 'src/app.ts', n: [1, 2, 3] } }] }));
    const stream = sdk.messages.stream({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    const texts: string[] = [];
    stream.on('text', (t) => texts.push(t));
    const message = await stream.finalMessage();
    expect(texts.length).toBeGreaterThan(1);
    expect(texts.join('')).toBe('thinking about it');
    expect(message.content[1]).toMatchObject({ type: 'tool_use', name: 'read_file', input: { path: 'src/app.ts', n: [1, 2, 3] } });
    expect(JSON.parse(JSON.stringify(message.usage))).toEqual(server.sentUsage[0]);
    expect(stream.request_id).toBe('req_fake_0');
  });

  it('returns scripted faults that the SDK maps to its error classes', async () => {
    const { sdk } = await start(() => faultReply(401, undefined, 'invalid x-api-key'));
    const err = await sdk.messages.create({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((err as InstanceType<typeof Anthropic.APIError>).requestID).toBe('req_fake_0');
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
    const req = (text: string) => sdk.messages.create({ model: 'm', max_tokens: 5, system: bigSystem, messages: [{ role: 'user', content: text }] });
    await req('first');
    await req('second');
    const [first, second] = server.sentUsage;
    expect(first?.cache_read_input_tokens).toBe(0);
    expect(first?.cache_creation_input_tokens).toBeGreaterThan(2000);
    expect(first?.cache_creation).toEqual({ ephemeral_5m_input_tokens: first?.cache_creation_input_tokens, ephemeral_1h_input_tokens: 0 });
    expect(second?.cache_read_input_tokens).toBe(first?.cache_creation_input_tokens);
    expect(second?.cache_creation_input_tokens).toBe(0);
    expect(second?.input_tokens).toBe(first?.input_tokens);
  });

  it('does not cache short prefixes, and caches nothing when caching is off', async () => {
    const short = await start(() => textReply('ok'));
    const small = [{ type: 'text' as const, text: 'short', cache_control: { type: 'ephemeral' as const } }];
    for (let i = 0; i < 2; i++) await short.sdk.messages.create({ model: 'm', max_tokens: 5, system: small, messages: [{ role: 'user', content: 'x' }] });
    expect(short.server.sentUsage.map((u) => u.cache_read_input_tokens! + u.cache_creation_input_tokens!)).toEqual([0, 0]);
    await server?.close();
    const off = await start(() => textReply('ok'), { cache: false });
    for (let i = 0; i < 2; i++) await off.sdk.messages.create({ model: 'm', max_tokens: 5, system: bigSystem, messages: [{ role: 'user', content: 'x' }] });
    expect(off.server.sentUsage.map((u) => u.cache_read_input_tokens)).toEqual([0, 0]);
  });
});
