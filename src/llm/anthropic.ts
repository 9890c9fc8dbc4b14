/**
 * The `LlmClient` over `@anthropic-ai/sdk`: streaming calls (for progress), the SDK's own
 * retries and backoff, prompt-cache layout (./layout.ts), SDK errors mapped to `LlmApiError`.
 * The only module that constructs an SDK client.
 */
import Anthropic from '@anthropic-ai/sdk';
import { ConfigError } from '../errors.js';
import type { Usage } from '../chain/schema.js';
import type { LlmClient, RunHooks } from './types.js';
import { runAgentLoop, type SentCall } from './agent-loop.js';
import { toLlmApiError, type ErrorContext } from './errors.js';
import { agentToolDefinitions, buildRequest, buildTools, type LaidOutRequest } from './layout.js';

type ContentBlock = Anthropic.Messages.ContentBlock;
type ContentBlockParam = Anthropic.Messages.ContentBlockParam;

export interface AnthropicClientOptions {
  apiKey?: string;
  authToken?: string;
  baseURL?: string;
  /** SDK retries for 408/409/429/5xx and connection errors. */
  maxRetries: number;
  /** Per request, in ms. */
  timeoutMs: number;
}

/** Sent as the key when only a base URL is configured: local servers (e.g. Ollama) accept any key. */
const LOCAL_DUMMY_KEY = 'local-server-no-key';
const DEFAULT_BASE_URL = 'https://api.anthropic.com';

/** An assistant content block as a request param: only the fields the API accepts back. */
function toParam(block: ContentBlock): ContentBlockParam {
  if (block.type === 'text') return { type: 'text', text: block.text };
  if (block.type === 'tool_use') return { type: 'tool_use', id: block.id, name: block.name, input: block.input };
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
    throw new ConfigError('no API key: set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN, or ANTHROPIC_BASE_URL for a local server)');
  }
  // A pasted placeholder ("sk-ant-…") or a curly quote would fail inside fetch as "Cannot convert argument to a ByteString".
  for (const [name, value] of [['ANTHROPIC_API_KEY', opts.apiKey], ['ANTHROPIC_AUTH_TOKEN', opts.authToken]] as const) {
    if (value && /[^\x20-\x7e]/.test(value)) throw new ConfigError(`${name} contains non-ASCII characters — paste the real key`, 'Keys are plain ASCII (sk-ant-…); check for a placeholder or curly quotes in the environment or .env.');
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
  });
  const ctx: ErrorContext = {
    baseURL: baseURL ?? DEFAULT_BASE_URL,
    secrets: [opts.apiKey, opts.authToken].filter((s): s is string => !!s),
    maxRetries: opts.maxRetries,
    timeoutMs: opts.timeoutMs,
  };

  async function send(request: LaidOutRequest, hooks: RunHooks): Promise<SentCall> {
    const started = Date.now();
    const startedAt = new Date(started).toISOString();
    const t0 = performance.now();
    try {
      const stream = sdk.messages.stream(request);
      if (hooks.onProgress) stream.on('text', (text) => hooks.onProgress?.({ type: 'text', text }));
      const message = await stream.finalMessage();
      const latency = performance.now() - t0;
      return {
        content: message.content.map(toParam),
        call: {
          model: request.model,
          request_id: stream.request_id ?? null,
          started_at: startedAt,
          latency_ms: Math.round(latency * 1000) / 1000,
          usage: JSON.parse(JSON.stringify(message.usage)) as Usage,
        },
      };
    } catch (err) {
      throw toLlmApiError(err, ctx);
    }
  }

  return {
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
