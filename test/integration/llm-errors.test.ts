/** SDK errors surfaced as LlmApiError: the SDK retries, we map once, keys never leak. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createAnthropicClient } from '../../src/llm/anthropic.js';
import type { LlmCallResult, StructuredRunSpec } from '../../src/llm/types.js';
import { ConfigError, LlmApiError } from '../../src/errors.js';
import { FindingsSchema, RECORD_FINDINGS, type Findings } from '../../src/phases/protocol.js';
import {
  faultReply,
  startFakeAnthropic,
  toolReply,
  type FakeServer,
  type Responder,
} from '../helpers/fake-anthropic.js';

const KEY = 'sk-ant-api03-very-secret-key-0123456789';
let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const spec: StructuredRunSpec<Findings> = {
  model: 'claude-test',
  prefix: { rules: 'rules', catalog: 'catalog' },
  instructions: 'Do it.',
  result: { name: RECORD_FINDINGS, description: 'result', schema: FindingsSchema },
  allTools: [],
  enabledTools: [],
  maxTurns: 0,
  maxCorrections: 2,
  maxCalls: 40,
  maxToolCalls: 150,
  maxTokens: 100,
};

async function setup(responder: Responder, maxRetries = 2) {
  server = await startFakeAnthropic({ responder });
  return {
    server,
    client: createAnthropicClient({ apiKey: KEY, baseURL: server.url, maxRetries, timeoutMs: 10_000 }),
  };
}

async function failure(p: Promise<unknown>): Promise<LlmApiError> {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(LlmApiError);
  return err as LlmApiError;
}

function text(err: LlmApiError): string {
  return `${err.message}\n${err.hint ?? ''}`;
}

describe('API errors', () => {
  it('lets the SDK retry a 529 and records one call with the final usage', async () => {
    const { server, client } = await setup((_r, i) =>
      i === 0 ? faultReply(529, { 'retry-after-ms': '1' }) : toolReply(RECORD_FINDINGS, { summary: 'ok' }),
    );
    const calls: LlmCallResult[] = [];
    const out = await client.runStructured(spec, { onCall: (c) => void calls.push(c) });
    expect(server.requests).toHaveLength(2);
    expect(out.calls).toHaveLength(1);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.usage).toEqual(server.sentUsage[0]);
    expect(calls[0]!.request_id).toBe('req_fake_1');
  });

  it('maps 401 to exit 5 without the key, even when the server echoes it', async () => {
    const { server, client } = await setup(() => faultReply(401, undefined, `invalid x-api-key ${KEY}`));
    const err = await failure(client.runStructured(spec));
    expect(err.exitCode).toBe(5);
    expect(err.status).toBe(401);
    expect(err.message).toBe('the Messages API rejected the credentials (401)');
    expect(err.hint).toMatch(/ANTHROPIC_API_KEY/);
    expect(text(err)).not.toContain(KEY);
    expect(server.requests).toHaveLength(1);
  });

  it('redacts the key from error details the server sends back', async () => {
    const { client } = await setup(() => faultReply(400, undefined, `bad request for key ${KEY}`));
    const err = await failure(client.runStructured(spec));
    expect(err.message).toMatch(
      /^the Messages API rejected the request \(400\): bad request for key \[redacted\]$/,
    );
    expect(text(err)).not.toContain(KEY);
  });

  it.each([
    [429, /rate limited by the Messages API \(429, after 1 retry\)/],
    [529, /overloaded \(529, after 1 retry\)/],
    [500, /the Messages API failed \(500, after 1 retry\)/],
    [404, /not found \(404\): fake fault 404/],
    [403, /denied access \(403\)/],
  ])('maps status %i after the SDK retries', async (status, pattern) => {
    const { server, client } = await setup(() => faultReply(status, { 'retry-after-ms': '1' }), 1);
    const err = await failure(client.runStructured(spec));
    expect(err.message).toMatch(pattern);
    expect(err.requestId).toMatch(/^req_fake_/);
    expect(server.requests).toHaveLength(status >= 429 ? 2 : 1);
  });

  it('maps an unreachable base URL to "could not reach"', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((r) => probe.close(() => r()));
    const client = createAnthropicClient({
      apiKey: KEY,
      baseURL: `http://127.0.0.1:${port}`,
      maxRetries: 0,
      timeoutMs: 5_000,
    });
    const err = await failure(client.runStructured(spec));
    expect(err.message).toBe(`could not reach http://127.0.0.1:${port} (after 0 retries)`);
    expect(err.hint).toMatch(/ANTHROPIC_BASE_URL/);
    expect(err.exitCode).toBe(5);
  });

  it('requires a key, a token or a base URL; a base URL alone sends a dummy key', async () => {
    expect(() => createAnthropicClient({ maxRetries: 0, timeoutMs: 1000 })).toThrow(ConfigError);
    expect(() => createAnthropicClient({ maxRetries: 0, timeoutMs: 1000 })).toThrow(
      /no API key: set ANTHROPIC_API_KEY/,
    );
    server = await startFakeAnthropic({ responder: () => toolReply(RECORD_FINDINGS, { summary: 'ok' }) });
    const local = createAnthropicClient({ baseURL: server.url, maxRetries: 0, timeoutMs: 5000 });
    await local.runStructured(spec);
    const token = createAnthropicClient({
      authToken: 'tok-abc-123',
      baseURL: server.url,
      maxRetries: 0,
      timeoutMs: 5000,
    });
    await token.runStructured(spec);
    expect(server.requests[0]!.headers.authorization).toMatch(/^Bearer \S+/);
    expect(server.requests[1]!.headers.authorization).toBe('Bearer tok-abc-123');
  });
});
