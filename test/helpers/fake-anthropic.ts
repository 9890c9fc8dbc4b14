/**
 * The fake Messages API of the tests: the steps of the product's local server (src/demo/server.ts,
 * the demo's model), so it refuses what the real API refuses and counts usage as the demo does,
 * plus what only tests need: HTTP faults (`faultReply`), streams that stall after some events,
 * no count_tokens route, and per-request timings for the benchmarks. Each test starts its own on
 * 127.0.0.1 with its own scripted Responder.
 */
import type { ServerResponse } from 'node:http';
import type { Usage } from '../../src/chain/schema.js';
import {
  createMessagesApi,
  errorAnswer,
  listenLoopback,
  send,
  type Answer,
  type MessagesApiOptions,
  type RecordedRequest,
  type ScriptedReply,
} from '../../src/demo/server.js';

export { textReply, toolReply, type RecordedRequest } from '../../src/demo/server.js';

export interface FakeFault {
  status: number;
  /** API error type, e.g. `overloaded_error`; derived from the status when absent. */
  type?: string;
  message?: string;
  headers?: Record<string, string>;
}

export type FakeReply =
  | (ScriptedReply & {
      /**
       * Streamed replies only: send the headers and this many SSE events, then nothing more (the
       * connection stays open); tests of stalled streams.
       */
      stallAfterEvents?: number;
    })
  | { fault: FakeFault };

/** Called for each accepted `POST /v1/messages`, `index` counting them from 0 (SDK retries included). */
export type Responder = (req: RecordedRequest, index: number) => FakeReply | Promise<FakeReply>;

export interface FakeServerOptions extends MessagesApiOptions {
  responder: Responder;
  /** Offer `/v1/messages/count_tokens` (default true; else 404). */
  countTokens?: boolean;
  /**
   * Keep every request in `requests` (default true). A benchmark of thousands of calls in the
   * client's own process turns it off: the retained bodies (hundreds of MB) would make the
   * client's garbage collection grow with the chain.
   */
  keepRequests?: boolean;
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
   * server's own time (scripted latency included) from the client's wall time. `startCpuUs` and
   * `endCpuUs`: the process's CPU time (user + system, µs) at the same two moments, for clients
   * run in the server's process. `arrivedMs` / `arrivedCpuUs`: the same when the request arrived
   * (its headers parsed, before the server reads and parses its body), so that a benchmark can
   * leave the server's reading of a request out of the client's time.
   */
  timings: {
    path: string;
    arrivedMs: number;
    arrivedCpuUs: number;
    startMs: number;
    endMs: number;
    startCpuUs: number;
    endCpuUs: number;
  }[];
  close(): Promise<void>;
}

/** An HTTP fault, e.g. `faultReply(529)` or `faultReply(429, { 'retry-after-ms': '1' })`. */
export function faultReply(status: number, headers?: Record<string, string>, message?: string): FakeReply {
  return { fault: { status, ...(headers ? { headers } : {}), ...(message ? { message } : {}) } };
}

/** The API's error type of each status (Anthropic docs, "Errors"). */
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

function faultAnswer(fault: FakeFault, requestId: string): Answer {
  const type = fault.type ?? ERROR_TYPES[fault.status] ?? 'api_error';
  const message = fault.message ?? `fake fault ${fault.status}`;
  return errorAnswer(fault.status, type, message, requestId, fault.headers);
}

/** Sends the headers and the first `count` events of a streamed answer, and leaves the stream open. */
function sendStalled(res: ServerResponse, answer: Answer & { events: string[] }, count: number): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...answer.headers });
  res.flushHeaders();
  for (const event of answer.events.slice(0, count)) res.write(event);
}

/** The process's CPU time so far (user + system), µs. */
function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Starts the fake server on 127.0.0.1, on a free port. Close it with `close()`. */
export async function startFakeAnthropic(opts: FakeServerOptions): Promise<FakeServer> {
  const api = createMessagesApi(opts);
  const requests: RecordedRequest[] = [];
  const rejected: FakeServer['rejected'] = [];
  const sentUsage: Usage[] = [];
  const timings: FakeServer['timings'] = [];

  const { url, close } = await listenLoopback(async (req, res) => {
    const arrivedMs = performance.now();
    const arrivedCpuUs = cpuUs();
    const timing = {
      path: '',
      arrivedMs,
      arrivedCpuUs,
      startMs: arrivedMs,
      endMs: 0,
      startCpuUs: 0,
      endCpuUs: 0,
    };
    timings.push(timing);
    try {
      const request = await api.read(req);
      timing.path = request.path;
      timing.startMs = performance.now();
      timing.startCpuUs = cpuUs();
      if (opts.keepRequests !== false) requests.push(request);
      if (opts.countTokens === false && request.path === '/v1/messages/count_tokens')
        return send(res, errorAnswer(404, 'not_found_error', `no route ${request.path}`));
      const routed = api.route(request);
      if ('answer' in routed) {
        if (routed.refusal !== undefined) rejected.push({ request, message: routed.refusal });
        return send(res, routed.answer);
      }
      const reply = await opts.responder(request, routed.index);
      if ('fault' in reply) return send(res, faultAnswer(reply.fault, routed.requestId));
      const { answer, usage } = api.answer(request, routed.index, reply);
      sentUsage.push(usage);
      if (reply.stallAfterEvents !== undefined && 'events' in answer)
        return sendStalled(res, answer, reply.stallAfterEvents);
      send(res, answer);
    } finally {
      timing.endMs = performance.now();
      timing.endCpuUs = cpuUs();
    }
  });
  return { url, requests, rejected, sentUsage, timings, close };
}
