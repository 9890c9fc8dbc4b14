/**
 * The fallback model (config fallback_model) against the fake Messages API with the real SDK:
 * after the SDK's retries fail with 529 or a 5xx, the call is made once more on the fallback,
 * the budget hook sees the fallback's model, the call records the switch; other failures and a
 * failing fallback are not retried further.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createAnthropicClient } from '../../src/llm/anthropic.js';
import { fallbackReason } from '../../src/llm/errors.js';
import type { LlmCallResult, StructuredRunSpec } from '../../src/llm/types.js';
import { LlmApiError } from '../../src/errors.js';
import { FindingsSchema, RECORD_FINDINGS, type Findings } from '../../src/phases/protocol.js';
import {
  faultReply,
  startFakeAnthropic,
  toolReply,
  type FakeServer,
  type Responder,
} from '../helpers/fake-anthropic.js';

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const PRIMARY = 'claude-opus-4-6';
const FALLBACK = 'claude-sonnet-4-6';
const spec: StructuredRunSpec<Findings> = {
  model: PRIMARY,
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
  fallbackModel: FALLBACK,
};

async function setup(responder: Responder) {
  server = await startFakeAnthropic({ responder });
  return {
    server,
    client: createAnthropicClient({
      apiKey: 'sk-ant-test-key-0123456789',
      baseURL: server.url,
      maxRetries: 1,
      timeoutMs: 10_000,
    }),
  };
}

const failing =
  (status: number): Responder =>
  (req) =>
    req.body?.model === PRIMARY
      ? faultReply(status, { 'retry-after-ms': '1' })
      : toolReply(RECORD_FINDINGS, { summary: 'ok' });
const models = (s: FakeServer) =>
  s.requests.filter((r) => r.path === '/v1/messages').map((r) => r.body.model);

describe('fallback model', () => {
  for (const [status, reason] of [
    [529, 'overloaded (529)'],
    [503, 'server error (503)'],
  ] as const) {
    it(`after the SDK's retries fail with ${status}, the call goes once to the fallback and records the switch`, async () => {
      const { server, client } = await setup(failing(status));
      const budgetModels: string[] = [];
      const calls: LlmCallResult[] = [];
      const switches: unknown[] = [];
      const out = await client.runStructured(spec, {
        beforeCall: ({ model }) => void budgetModels.push(model),
        onCall: (c) => void calls.push(c),
        onFallback: (info) => void switches.push(info),
      });
      expect(out.value.summary).toBe('ok');
      // One try and one SDK retry on the primary, then the fallback.
      expect(models(server)).toEqual([PRIMARY, PRIMARY, FALLBACK]);
      expect(budgetModels).toEqual([PRIMARY, FALLBACK]);
      expect(switches).toEqual([{ from: PRIMARY, to: FALLBACK, reason }]);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ model: FALLBACK, fallback: { from: PRIMARY, reason } });
      expect(calls[0]!.usage).toEqual(server.sentUsage.at(-1));
    });
  }

  it('a 400 or a 429 does not fall back; a failing fallback is not retried again', async () => {
    for (const status of [400, 429]) {
      const { server, client } = await setup(failing(status));
      const err = await client.runStructured(spec).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LlmApiError);
      expect((err as LlmApiError).status).toBe(status);
      expect(models(server).every((m) => m === PRIMARY)).toBe(true);
      await server.close();
    }
    const { server: both, client } = await setup(() => faultReply(529, { 'retry-after-ms': '1' }));
    server = both;
    const err = await client.runStructured(spec).catch((e: unknown) => e);
    expect((err as LlmApiError).status).toBe(529);
    expect(models(both)).toEqual([PRIMARY, PRIMARY, FALLBACK, FALLBACK]);
  });

  it("without a fallback model the 529 is the step's error, as before", async () => {
    const { server, client } = await setup(failing(529));
    const { fallbackModel: _none, ...plain } = spec;
    const err = await client.runStructured(plain).catch((e: unknown) => e);
    expect((err as LlmApiError).status).toBe(529);
    expect(models(server)).toEqual([PRIMARY, PRIMARY]);
  });

  it('fallbackReason: overload and 5xx only', () => {
    expect(fallbackReason(new LlmApiError('x', { status: 529 }))).toBe('overloaded (529)');
    expect(fallbackReason(new LlmApiError('x', { status: 500 }))).toBe('server error (500)');
    expect(fallbackReason(new LlmApiError('x', { status: 401 }))).toBeNull();
    expect(fallbackReason(new Error('boom'))).toBeNull();
  });
});
