/**
 * The `LlmClient` over `@anthropic-ai/sdk`: streaming calls (for progress), the SDK's own
 * retries and backoff, prompt-cache layout (./layout.ts), SDK errors mapped to `LlmApiError`.
 * The only module that constructs an SDK client.
 *
 * Timeouts: the SDK's `timeout` covers a request until its response headers; a stream that
 * stalls after them would hang until the socket gives up (minutes). So while a stream runs, an
 * idle timer of the same length (limits.request_timeout_ms) aborts it when no event arrives, and
 * the call is sent again — the one failure the SDK cannot retry itself — at most `maxRetries`
 * times, with the SDK's backoff (0.5 s doubling to 8 s, up to 25% jitter).
 */
import Anthropic from '@anthropic-ai/sdk';
import { ConfigError, LlmApiError } from '../errors.js';
import type { Usage } from '../chain/schema.js';
import type { LlmClient, RunHooks } from './types.js';
import { runAgentLoop, type SentCall } from './agent-loop.js';
import type { CassetteRecorder } from './cassette.js';
import { displayUrl, toLlmApiError, type ErrorContext } from './errors.js';
import { agentToolDefinitions, buildRequest, buildTools, type LaidOutRequest } from './layout.js';

type ContentBlock = Anthropic.Messages.ContentBlock;
type ContentBlockParam = Anthropic.Messages.ContentBlockParam;

export interface AnthropicClientOptions {
  apiKey?: string;
  authToken?: string;
  baseURL?: string;
  /** SDK retries for 408/409/429/5xx and connection errors. */
  maxRetries: number;
  /** Per request until its headers, and the longest silence allowed inside a stream, in ms. */
  timeoutMs: number;
  /** Records the chain's exchanges once opened (`--record`; ./cassette.ts). */
  recorder?: CassetteRecorder;
}

/** Thrown inside `send` when a stream was aborted for silence; retried, then made an LlmApiError. */
class StreamStalled extends Error {}

/** The SDK's retry delay (client.js calculateDefaultRetryTimeoutMillis): 0.5 s × 2^n, at most 8 s, minus up to 25%. */
function retryDelayMs(retry: number): number {
  return Math.min(500 * 2 ** retry, 8000) * (1 - Math.random() * 0.25);
}

/** Sent as the key when only a base URL is configured: local servers (e.g. Ollama) accept any key. */
const LOCAL_DUMMY_KEY = 'local-server-no-key';
const DEFAULT_BASE_URL = 'https://api.anthropic.com';

/** An assistant content block as a request param: only the fields the API accepts back. */
function toParam(block: ContentBlock): ContentBlockParam {
  if (block.type === 'text') return { type: 'text', text: block.text };
  if (block.type === 'tool_use')
    return { type: 'tool_use', id: block.id, name: block.name, input: block.input };
  // Thinking blocks go back exactly as received (the API checks their signature).
  if (block.type === 'thinking')
    return { type: 'thinking', thinking: block.thinking, signature: block.signature };
  if (block.type === 'redacted_thinking') return { type: 'redacted_thinking', data: block.data };
  return block as unknown as ContentBlockParam;
}

/**
 * Creates the adapter. Credentials come from `opts` only (the app reads ANTHROPIC_API_KEY,
 * ANTHROPIC_AUTH_TOKEN and ANTHROPIC_BASE_URL); with only a base URL a dummy key is sent.
 * Throws `ConfigError` when there is neither a key, a token nor a base URL, or when a key or
 * token holds a character outside printable ASCII.
 */
export function createAnthropicClient(opts: AnthropicClientOptions): LlmClient {
  const baseURL = opts.baseURL || undefined;
  if (!opts.apiKey && !opts.authToken && !baseURL) {
    throw new ConfigError(
      'no API key: set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN, or ANTHROPIC_BASE_URL for a local server)',
    );
  }
  // A pasted placeholder ("sk-ant-…") or a curly quote would fail inside fetch as "Cannot convert argument to a ByteString".
  for (const [name, value] of [
    ['ANTHROPIC_API_KEY', opts.apiKey],
    ['ANTHROPIC_AUTH_TOKEN', opts.authToken],
  ] as const) {
    if (value && /[^\x20-\x7e]/.test(value))
      throw new ConfigError(
        `${name} contains non-ASCII characters — paste the real key`,
        'Keys are plain ASCII (sk-ant-…); check for a placeholder or curly quotes in the environment or .env.',
      );
  }
  // The SDK accepts exactly one credential; a key wins over a token, as in the SDK's own env lookup.
  const credential = opts.apiKey
    ? { apiKey: opts.apiKey }
    : opts.authToken
      ? { authToken: opts.authToken }
      : { apiKey: LOCAL_DUMMY_KEY };
  const sdk = new Anthropic({
    ...credential,
    baseURL: baseURL ?? DEFAULT_BASE_URL,
    maxRetries: opts.maxRetries,
    timeout: opts.timeoutMs,
    ...(opts.recorder ? { fetch: opts.recorder.fetch } : {}),
  });
  const ctx: ErrorContext = {
    baseURL: baseURL ?? DEFAULT_BASE_URL,
    secrets: [opts.apiKey, opts.authToken].filter((s): s is string => !!s),
    maxRetries: opts.maxRetries,
    timeoutMs: opts.timeoutMs,
  };

  /** One streamed call; throws `StreamStalled` when no event arrives for `timeoutMs` after the headers. */
  async function sendOnce(request: LaidOutRequest, hooks: RunHooks): Promise<SentCall> {
    const started = Date.now();
    const startedAt = new Date(started).toISOString();
    const t0 = performance.now();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let stalled = false;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        stalled = true;
        controller.abort();
      }, opts.timeoutMs);
    };
    try {
      const stream = sdk.messages.stream(request, { signal: controller.signal });
      stream.on('connect', arm);
      stream.on('streamEvent', arm);
      if (hooks.onProgress) stream.on('text', (text) => hooks.onProgress?.({ type: 'text', text }));
      const message = await stream.finalMessage();
      const latency = performance.now() - t0;
      return {
        content: message.content.map(toParam),
        stopReason: message.stop_reason ?? null,
        call: {
          model: request.model,
          request_id: stream.request_id ?? null,
          started_at: startedAt,
          latency_ms: Math.round(latency * 1000) / 1000,
          usage: JSON.parse(JSON.stringify(message.usage)) as Usage,
        },
      };
    } catch (err) {
      if (stalled) throw new StreamStalled();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async function send(request: LaidOutRequest, hooks: RunHooks): Promise<SentCall> {
    for (let retry = 0; ; retry++) {
      try {
        return await sendOnce(request, hooks);
      } catch (err) {
        if (!(err instanceof StreamStalled)) throw toLlmApiError(err, ctx);
        if (retry >= opts.maxRetries) throw stalledError(ctx);
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs(retry)));
      }
    }
  }

  return {
    ...(opts.recorder ? { recorder: opts.recorder } : {}),
    runStructured: (spec, hooks) => runAgentLoop(send, spec, hooks),

    async countTokens(req) {
      const full = buildRequest({
        model: req.model,
        prefix: req.prefix,
        tools: buildTools(agentToolDefinitions(req.tools)),
        messages: req.messages as Anthropic.Messages.MessageParam[],
        maxTokens: 1,
      });
      const { max_tokens: _unused, ...body } = full;
      try {
        const counted = await sdk.messages.countTokens(body);
        return counted.input_tokens;
      } catch (err) {
        if (err instanceof Anthropic.APIConnectionError) return null;
        if (err instanceof Anthropic.APIError && [404, 405, 501].includes(err.status ?? 0)) return null;
        throw toLlmApiError(err, ctx);
      }
    },
  };
}

function stalledError(ctx: ErrorContext): LlmApiError {
  const retries = `${ctx.maxRetries} ${ctx.maxRetries === 1 ? 'retry' : 'retries'}`;
  return new LlmApiError(
    `the response stream from ${displayUrl(ctx.baseURL)} stalled: no data for ${ctx.timeoutMs} ms after the response began (after ${retries})`,
    {
      hint: 'The server stopped sending mid-response. Raise limits.request_timeout_ms if it is just slow; `claude-exec resume ID` continues the chain.',
    },
  );
}
