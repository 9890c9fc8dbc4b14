/**
 * A local Messages API on 127.0.0.1 that the real SDK talks to over HTTP (JSON and SSE streaming):
 * the model of `claude-exec demo` (./script.ts) and the fake server of the tests. It records every
 * request, refuses with 400 `invalid_request_error` what the real API refuses (./rules.ts) before
 * its Responder sees it, answers `POST /v1/messages` with the replies of a Responder (thinking,
 * tool_use, text, a stop reason, or an HTTP fault), computes usage deterministically with a
 * prefix-cache simulation (./cache.ts), and answers `POST /v1/messages/count_tokens`. With
 * thinking on it sends a signed thinking block first, as the API does. It listens on the loopback
 * address only.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Usage } from '../chain/schema.js';
import { randomBytes } from 'node:crypto';
import { countInputTokens, PrefixCache, tokensOf } from './cache.js';
import { requestProblem, signThinking, type Issued, type IssuedThinking } from './rules.js';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The parsed JSON body (null when there was none or it was not JSON). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface FakeFault {
  status: number;
  /** API error type, e.g. `overloaded_error`; derived from the status when absent. */
  type?: string;
  message?: string;
  headers?: Record<string, string>;
}

export type FakeReply =
  | {
      toolUses?: { name: string; input: unknown }[];
      text?: string;
      usage?: Partial<Usage>;
      /** Streamed replies only: send the headers and this many SSE events, then nothing more (the connection stays open); tests of stalled streams. */
      stallAfterEvents?: number;
      /**
       * The thinking text sent first when the request has thinking on (default: a line naming the
       * request); `false` sends none. Ignored when thinking is off.
       */
      thinking?: string | false;
      /** With thinking on, also send a `redacted_thinking` block after the thinking block. */
      redactedThinking?: boolean;
      /**
       * The stop reason (default `tool_use` with tool calls, else `end_turn`). `max_tokens` with tool
       * calls cuts the last call's input JSON in half, as an output limit reached mid-call does.
       */
      stopReason?:
        | 'end_turn'
        | 'max_tokens'
        | 'stop_sequence'
        | 'tool_use'
        | 'pause_turn'
        | 'refusal'
        | 'model_context_window_exceeded';
    }
  | { fault: FakeFault };

/** Called for each `POST /v1/messages`, `index` counting them from 0 (SDK retries included). */
export type Responder = (req: RecordedRequest, index: number) => FakeReply | Promise<FakeReply>;

export interface FakeServerOptions {
  responder: Responder;
  /** Simulate prefix caching (default true). */
  cache?: boolean;
  /** Offer `/v1/messages/count_tokens` (default true; else 404). */
  countTokens?: boolean;
  /** Shortest prefix that is cached, in tokens (default 1024, the documented minimum for most models). */
  minCacheableTokens?: number;
  /** Reply with this model name instead of the requested one. */
  model?: string;
  /** Refuse what the real API refuses (./rules.ts; default true). */
  strict?: boolean;
  /** The clock of the cache TTLs, in ms (default Date.now). */
  now?: () => number;
}

export interface FakeServer {
  /** Base URL for the SDK, e.g. `http://127.0.0.1:53211`. */
  url: string;
  requests: RecordedRequest[];
  /** Requests refused as the real API would refuse them (400 invalid_request_error), with the reason. */
  rejected: { request: RecordedRequest; message: string }[];
  /** The usage of each message sent, in order, exactly as sent. */
  sentUsage: Usage[];
  /**
   * Per request, in arrival order: when the server started handling it (its body read) and
   * when its reply was written, in `performance.now()` ms; for benchmarks that subtract the
   * server's own time (scripted latency included) from the client's wall time.
   */
  timings: { path: string; startMs: number; endMs: number }[];
  close(): Promise<void>;
}

/** A reply that calls one tool. */
export function toolReply(name: string, input: unknown, usage?: Partial<Usage>): FakeReply {
  return { toolUses: [{ name, input }], ...(usage ? { usage } : {}) };
}

/** A plain text reply (no tool call). */
export function textReply(text: string): FakeReply {
  return { text };
}

/** An HTTP fault, e.g. `faultReply(529)` or `faultReply(429, { 'retry-after-ms': '1' })`. */
export function faultReply(status: number, headers?: Record<string, string>, message?: string): FakeReply {
  return { fault: { status, ...(headers ? { headers } : {}), ...(message ? { message } : {}) } };
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function chunks(text: string, n = 3): string[] {
  const size = Math.max(1, Math.ceil(text.length / n));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length ? out : [''];
}

type ReplyBlock =
  | IssuedThinking
  | { type: 'text'; text: string; citations: null }
  | { type: 'tool_use'; id: string; name: string; input: unknown; cutJson?: string };

/**
 * Content blocks of a scripted reply (ids deterministic per message index). `thinkingOn`: the
 * request has thinking on; then a signed thinking block (and a redacted one if asked) comes first.
 */
function contentOf(
  reply: Exclude<FakeReply, { fault: FakeFault }>,
  index: number,
  thinkingOn: boolean,
  issued: Issued,
): ReplyBlock[] {
  const content: ReplyBlock[] = [];
  if (thinkingOn && reply.thinking !== false) {
    const thinking = reply.thinking ?? `Thinking about request ${index}: what the step needs next.`;
    content.push({ type: 'thinking', thinking, signature: signThinking(issued.key, thinking) });
    if (reply.redactedThinking) {
      const data = `redacted_${randomBytes(12).toString('base64url')}`;
      issued.redacted.add(data);
      content.push({ type: 'redacted_thinking', data });
    }
  }
  const thinking = content.filter(
    (b): b is IssuedThinking => b.type === 'thinking' || b.type === 'redacted_thinking',
  );
  if (reply.text !== undefined) content.push({ type: 'text', text: reply.text, citations: null });
  const uses = reply.toolUses ?? [];
  uses.forEach((t, i) => {
    const id = `toolu_fake_${index}_${i}`;
    issued.thinkingByToolUse.set(id, thinking);
    const cut = reply.stopReason === 'max_tokens' && i === uses.length - 1;
    const json = JSON.stringify(t.input) ?? '{}';
    content.push({
      type: 'tool_use',
      id,
      name: t.name,
      input: cut ? {} : t.input,
      ...(cut ? { cutJson: json.slice(0, Math.floor(json.length / 2)) } : {}),
    });
  });
  return content;
}

/** The blocks as the JSON (non-streamed) reply carries them. */
function publicContent(content: readonly ReplyBlock[]): unknown[] {
  return content.map((b) => {
    if (b.type !== 'tool_use' || b.cutJson === undefined) return b;
    const { cutJson: _cut, ...rest } = b;
    return rest;
  });
}

function writeSse(
  res: ServerResponse,
  headers: Record<string, string>,
  message: Record<string, unknown>,
  content: readonly ReplyBlock[],
  usage: Usage,
  stallAfterEvents?: number,
): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers });
  res.flushHeaders();
  let sent = 0;
  const stalled = () => stallAfterEvents !== undefined && sent >= stallAfterEvents;
  const event = (type: string, data: unknown) => {
    if (stalled()) return;
    sent++;
    res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  event('message_start', {
    type: 'message_start',
    message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } },
  });
  event('ping', { type: 'ping' });
  content.forEach((block, index) => {
    if (block.type === 'text') {
      event('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'text', text: '', citations: null },
      });
      for (const text of chunks(block.text))
        event('content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'text_delta', text },
        });
    } else if (block.type === 'thinking') {
      event('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'thinking', thinking: '', signature: '' },
      });
      for (const thinking of chunks(block.thinking))
        event('content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'thinking_delta', thinking },
        });
      event('content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'signature_delta', signature: block.signature },
      });
    } else if (block.type === 'redacted_thinking') {
      event('content_block_start', { type: 'content_block_start', index, content_block: block });
    } else {
      const { cutJson, ...use } = block;
      event('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { ...use, input: {} },
      });
      for (const partial_json of chunks(cutJson ?? JSON.stringify(block.input))) {
        event('content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'input_json_delta', partial_json },
        });
      }
    }
    event('content_block_stop', { type: 'content_block_stop', index });
  });
  const { input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens } = usage;
  event('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: message.stop_reason, stop_sequence: null },
    usage: { input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens },
  });
  event('message_stop', { type: 'message_stop' });
  if (!stalled()) res.end();
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  const text = Buffer.concat(parts).toString('utf8');
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** Starts the server on 127.0.0.1, on a free port. Close it with `close()`. */
export async function startMessagesServer(opts: FakeServerOptions): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const sentUsage: Usage[] = [];
  const timings: FakeServer['timings'] = [];
  const cache = new PrefixCache(opts.cache ?? true, opts.minCacheableTokens, opts.now);
  const rejected: FakeServer['rejected'] = [];
  const issued: Issued = {
    thinkingByToolUse: new Map(),
    redacted: new Set(),
    key: randomBytes(16).toString('hex'),
  };
  let messageIndex = 0;

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    timing: FakeServer['timings'][number],
  ): Promise<void> {
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
    );
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      path: (req.url ?? '').split('?')[0] ?? '',
      headers,
      body: await readBody(req),
    };
    timing.path = recorded.path;
    timing.startMs = performance.now();
    requests.push(recorded);
    const notFound = () =>
      sendJson(res, 404, {
        type: 'error',
        error: { type: 'not_found_error', message: `no route ${recorded.path}` },
      });

    if (recorded.method === 'POST' && recorded.path === '/v1/messages/count_tokens') {
      if (opts.countTokens === false) return notFound();
      return sendJson(res, 200, { input_tokens: countInputTokens(recorded.body ?? {}) });
    }
    if (recorded.method !== 'POST' || recorded.path !== '/v1/messages') return notFound();

    if (opts.strict !== false) {
      const problem = requestProblem(recorded.body, issued);
      if (problem) {
        rejected.push({ request: recorded, message: problem });
        const id = `req_fake_rejected_${rejected.length}`;
        return sendJson(
          res,
          400,
          { type: 'error', error: { type: 'invalid_request_error', message: problem }, request_id: id },
          { 'request-id': id },
        );
      }
    }
    const index = messageIndex++;
    const requestId = `req_fake_${index}`;
    const reply = await opts.responder(recorded, index);
    if ('fault' in reply) {
      const { status, type, message, headers: extra } = reply.fault;
      const error = {
        type: type ?? ERROR_TYPES[status] ?? 'api_error',
        message: message ?? `fake fault ${status}`,
      };
      return sendJson(
        res,
        status,
        { type: 'error', error, request_id: requestId },
        { 'request-id': requestId, ...extra },
      );
    }

    const thinkingOn = !!recorded.body?.thinking && recorded.body.thinking.type !== 'disabled';
    const content = contentOf(reply, index, thinkingOn, issued);
    const usage = {
      ...cache.usageFor(recorded.body ?? {}),
      output_tokens: Math.max(1, tokensOf(content)),
      service_tier: 'standard',
      ...reply.usage,
    } as Usage;
    sentUsage.push(usage);
    const message = {
      id: `msg_fake_${index}`,
      type: 'message',
      role: 'assistant',
      model: opts.model ?? recorded.body?.model ?? 'unknown',
      stop_reason: reply.stopReason ?? (reply.toolUses?.length ? 'tool_use' : 'end_turn'),
      stop_sequence: null,
      stop_details: null,
      container: null,
    };
    if (recorded.body?.stream)
      return writeSse(res, { 'request-id': requestId }, message, content, usage, reply.stallAfterEvents);
    return sendJson(
      res,
      200,
      { ...message, content: publicContent(content), usage },
      { 'request-id': requestId },
    );
  }

  async function timed(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const timing = { path: '', startMs: performance.now(), endMs: 0 };
    timings.push(timing);
    try {
      await handle(req, res, timing);
    } finally {
      timing.endMs = performance.now();
    }
  }

  const server = createServer((req, res) => {
    timed(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, { type: 'error', error: { type: 'api_error', message: String(err) } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    rejected,
    sentUsage,
    timings,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
