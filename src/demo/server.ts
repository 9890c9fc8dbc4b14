/**
 * A local Messages API on 127.0.0.1 that the real SDK talks to over HTTP (JSON and SSE streaming):
 * the model of `claude-exec demo` (./script.ts). It records every request, refuses with 400
 * `invalid_request_error` what the real API refuses (./rules.ts) before its Responder sees it,
 * answers `POST /v1/messages` with the replies of a Responder (thinking, tool_use, text and a stop
 * reason), computes usage deterministically with a prefix-cache simulation (./cache.ts), and
 * answers `POST /v1/messages/count_tokens`. With thinking on it sends a signed thinking block
 * first, as the API does. It listens on the loopback address only.
 *
 * The steps (`createMessagesApi`: read, route, answer; `send`; `listenLoopback`) are exported so
 * that the tests' fake server (test/helpers/fake-anthropic.ts) composes the same ones, with the
 * HTTP faults and stalled streams only tests need in between.
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

/** One scripted reply of the model: what it sends for one `POST /v1/messages`. */
export interface ScriptedReply {
  toolUses?: { name: string; input: unknown }[];
  text?: string;
  usage?: Partial<Usage>;
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

/** Called for each accepted `POST /v1/messages`, `index` counting them from 0 (SDK retries included). */
export type Responder = (req: RecordedRequest, index: number) => ScriptedReply | Promise<ScriptedReply>;

/** What the server sends for one request: a JSON body, or (a streamed reply) SSE events. */
export type Answer =
  | { status: number; headers: Record<string, string>; json: unknown }
  | { status: 200; headers: Record<string, string>; events: string[] };

export interface MessagesApiOptions {
  /** Simulate prefix caching (default true). */
  cache?: boolean;
  /** Shortest prefix that is cached, in tokens (default 1024, the documented minimum for most models). */
  minCacheableTokens?: number;
  /** Reply with this model name instead of the requested one. */
  model?: string;
  /** The clock of the cache TTLs, in ms (default Date.now). */
  now?: () => number;
}

/** The Messages API without its socket: the steps of answering one HTTP request. */
export interface MessagesApi {
  /** Reads one HTTP request (its JSON body parsed) as recorded. */
  read(req: IncomingMessage): Promise<RecordedRequest>;
  /**
   * Routes a request. Answered here: `POST /v1/messages/count_tokens`, any other route (404), and
   * a message request the real API refuses (400 `invalid_request_error`; `refusal` is the reason).
   * Else the message request is accepted: it gets the next `index` (from 0) and its request id.
   */
  route(
    request: RecordedRequest,
  ): { answer: Answer; refusal?: string } | { index: number; requestId: string };
  /** The answer to accepted message request `index` with `reply`, and the usage it reports. */
  answer(request: RecordedRequest, index: number, reply: ScriptedReply): { answer: Answer; usage: Usage };
}

export interface MessagesServer {
  /** Base URL for the SDK, e.g. `http://127.0.0.1:53211`. */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** A reply that calls one tool. */
export function toolReply(name: string, input: unknown, usage?: Partial<Usage>): ScriptedReply {
  return { toolUses: [{ name, input }], ...(usage ? { usage } : {}) };
}

/** A plain text reply (no tool call). */
export function textReply(text: string): ScriptedReply {
  return { text };
}

/** The API's error body with `status`, `type` and `message`, and its `request-id` header when given. */
export function errorAnswer(
  status: number,
  type: string,
  message: string,
  requestId?: string,
  headers: Record<string, string> = {},
): Answer {
  const error = { type: 'error', error: { type, message }, ...(requestId ? { request_id: requestId } : {}) };
  return { status, headers: { ...(requestId ? { 'request-id': requestId } : {}), ...headers }, json: error };
}

/** Writes `answer` whole and ends the response. */
export function send(res: ServerResponse, answer: Answer): void {
  if ('events' in answer) {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      ...answer.headers,
    });
    res.flushHeaders();
    for (const event of answer.events) res.write(event);
    res.end();
    return;
  }
  res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
  res.end(JSON.stringify(answer.json));
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
function contentOf(reply: ScriptedReply, index: number, thinkingOn: boolean, issued: Issued): ReplyBlock[] {
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

/** The SSE events of a streamed reply, each one `event: …\ndata: …\n\n` string, in order. */
function sseEvents(message: Record<string, unknown>, content: readonly ReplyBlock[], usage: Usage): string[] {
  const events: string[] = [];
  const event = (type: string, data: unknown) => {
    events.push(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
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
  return events;
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

/** The Messages API's steps, with their own cache, thinking key and message count. */
export function createMessagesApi(opts: MessagesApiOptions = {}): MessagesApi {
  const cache = new PrefixCache(opts.cache ?? true, opts.minCacheableTokens, opts.now);
  const issued: Issued = {
    thinkingByToolUse: new Map(),
    redacted: new Set(),
    key: randomBytes(16).toString('hex'),
  };
  let messageIndex = 0;
  let refusals = 0;

  return {
    async read(req) {
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
      );
      return {
        method: req.method ?? '',
        path: (req.url ?? '').split('?')[0] ?? '',
        headers,
        body: await readBody(req),
      };
    },

    route(request) {
      if (request.method === 'POST' && request.path === '/v1/messages/count_tokens')
        return {
          answer: { status: 200, headers: {}, json: { input_tokens: countInputTokens(request.body ?? {}) } },
        };
      if (request.method !== 'POST' || request.path !== '/v1/messages')
        return { answer: errorAnswer(404, 'not_found_error', `no route ${request.path}`) };
      const problem = requestProblem(request.body, issued);
      if (problem) {
        const id = `req_fake_rejected_${++refusals}`;
        return { answer: errorAnswer(400, 'invalid_request_error', problem, id), refusal: problem };
      }
      const index = messageIndex++;
      return { index, requestId: `req_fake_${index}` };
    },

    answer(request, index, reply) {
      const requestId = `req_fake_${index}`;
      const thinkingOn = !!request.body?.thinking && request.body.thinking.type !== 'disabled';
      const content = contentOf(reply, index, thinkingOn, issued);
      const usage = {
        ...cache.usageFor(request.body ?? {}),
        output_tokens: Math.max(1, tokensOf(content)),
        service_tier: 'standard',
        ...reply.usage,
      } as Usage;
      const message = {
        id: `msg_fake_${index}`,
        type: 'message',
        role: 'assistant',
        model: opts.model ?? request.body?.model ?? 'unknown',
        stop_reason: reply.stopReason ?? (reply.toolUses?.length ? 'tool_use' : 'end_turn'),
        stop_sequence: null,
        stop_details: null,
        container: null,
      };
      const headers = { 'request-id': requestId };
      if (request.body?.stream)
        return { answer: { status: 200, headers, events: sseEvents(message, content, usage) }, usage };
      const json = { ...message, content: publicContent(content), usage };
      return { answer: { status: 200, headers, json }, usage };
    },
  };
}

/**
 * Listens on 127.0.0.1, on a free port, handling each request with `handle` (a thrown error is
 * answered 500 `api_error`, or the connection is dropped when the headers went out already).
 */
export async function listenLoopback(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, errorAnswer(500, 'api_error', String(err)));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * Starts the server on 127.0.0.1, on a free port, answering message requests with `responder`
 * (model name `model` when given, else the requested one). Close it with `close()`.
 */
export async function startMessagesServer(opts: {
  responder: Responder;
  model?: string;
}): Promise<MessagesServer> {
  const api = createMessagesApi(opts.model === undefined ? {} : { model: opts.model });
  const requests: RecordedRequest[] = [];
  const { url, close } = await listenLoopback(async (req, res) => {
    const request = await api.read(req);
    requests.push(request);
    const routed = api.route(request);
    if ('answer' in routed) return send(res, routed.answer);
    const reply = await opts.responder(request, routed.index);
    send(res, api.answer(request, routed.index, reply).answer);
  });
  return { url, requests, close };
}
