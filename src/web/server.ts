/**
 * The local web view (`claude-exec serve`): a Hono app on 127.0.0.1 only, behind the access
 * policy of ./security.ts, serving
 *
 * - pages: `/` (chains), `/chains/ID` (one chain), `/costs` (cost over a window);
 * - documents: `/api/chains`, `/api/chains/ID`, `/api/cost-report?…` (./documents.ts: the CLI's
 *   `--json` documents);
 * - live: `/api/events?doc=/api/…[&doc=…]` — server-sent events: an `event: doc` with
 *   `{path, status, document}` for each path now, and again after every change of its document
 *   (./live.ts); `document` is what `GET path` returns (the error document when status ≠ 200);
 * - gates: `POST /api/chains/ID/answer` `{answers}` and `POST /api/chains/ID/approve`
 *   `{response, note}` (./drive.ts), 202 once the chain goes on; not with `readOnly`.
 *
 * A request body over MAX_BODY_BYTES (256 KB) is refused with 413 before it is read whole.
 */
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import { randomBytes } from 'node:crypto';
import { ClaudeExecError, UsageError } from '../errors.js';
import { errorJson, rounded } from '../contract/json.js';
import { assetFile, pageHtml } from './assets.js';
import { documentFor, type DocumentSource } from './documents.js';
import type { PageDriver } from './drive.js';
import { LiveDocuments } from './live.js';
import { securityMiddleware } from './security.js';

export interface WebServerOptions {
  /** Contexts directories (watched; chains are read from all of them). */
  dirs: string[];
  /** 0: a free port chosen by the system. */
  port: number;
  readOnly: boolean;
  /** Global options to repeat in the commands the pages show (e.g. `--cwd DIR`). */
  flags: string[];
  /** Lines for the server's stderr: warnings, and the progress of chains driven from a page. */
  log(line: string): void;
  /** The environment chains answered from a page are driven with (default the process's). */
  env?: NodeJS.ProcessEnv;
  /** Changes gathered this long before documents are rebuilt, ms (default 200). */
  liveIntervalMs?: number;
  /** Fixed access token (tests); default 32 random bytes. */
  token?: string;
}

export interface WebServer {
  /** `http://127.0.0.1:PORT/?token=…`: what the user opens. */
  url: string;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  port: number;
  token: string;
  /** Stops listening, ends the live streams and waits for chains driven from a page to stop. */
  close(): Promise<void>;
}

/** Largest request body accepted, bytes: a gate's answers or note fit in a few KB; more is 413. */
const MAX_BODY_BYTES = 256 * 1024;
/** Documents one event stream may follow (a page needs at most four). */
const MAX_DOCS_PER_STREAM = 8;
/** Time between keep-alive comments on an event stream, ms. */
const KEEP_ALIVE_MS = 15_000;

/**
 * The UTF-8 bytes of documents given again as the same object (src/web/documents.ts keeps the
 * chain list): encoded once, not on every request (the list of 10,000 chains is 6 MB).
 */
const bodies = new WeakMap<object, Uint8Array<ArrayBuffer>>();
const utf8 = new TextEncoder();
const bodyOf = (doc: unknown): string | Uint8Array<ArrayBuffer> => {
  if (typeof doc !== 'object' || doc === null) return JSON.stringify(doc, rounded);
  let body = bodies.get(doc);
  if (body === undefined) bodies.set(doc, (body = utf8.encode(JSON.stringify(doc, rounded))));
  return body;
};
const json = (c: Context, doc: unknown, status: number) =>
  c.body(bodyOf(doc), status as 200, { 'Content-Type': 'application/json; charset=utf-8' });

function app(
  opts: WebServerOptions,
  port: () => number,
  token: string,
  live: LiveDocuments,
  driver: () => Promise<PageDriver>,
  src: DocumentSource,
): Hono {
  const web = new Hono();
  web.use('*', async (c, next) =>
    securityMiddleware({ token, port: port(), readOnly: opts.readOnly })(c, next),
  );
  web.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        json(c, errorJson(2, `the request body is larger than ${MAX_BODY_BYTES / 1024} KB`, null), 413),
    }),
  );
  web.get('/', (c) => c.html(pageHtml('chains', opts)));
  web.get('/costs', (c) => c.html(pageHtml('costs', opts)));
  web.get('/chains/:id', (c) => c.html(pageHtml('chain', opts)));
  web.get('/favicon.ico', (c) => c.body(null, 204));
  web.get('/static/*', (c) => asset(c));
  web.get('/vendor/*', (c) => asset(c));
  web.get('/api/events', (c) => {
    const targets = c.req.queries('doc') ?? [];
    if (
      targets.length === 0 ||
      targets.length > MAX_DOCS_PER_STREAM ||
      !targets.every((t) => /^\/api\/(?!events)[\w/-]*(\?.*)?$/.test(t))
    ) {
      return json(
        c,
        errorJson(2, `doc must be 1 to ${MAX_DOCS_PER_STREAM} API paths, e.g. ?doc=/api/chains`, null),
        400,
      );
    }
    return streamSSE(c, async (stream) => {
      const offs = targets.map((path) =>
        live.subscribe(new URL(path, 'http://127.0.0.1'), (result, text) =>
          stream.writeSSE({
            event: 'doc',
            data: `{"path":${JSON.stringify(path)},"status":${result.status},"document":${text}}`,
          }),
        ),
      );
      const keepAlive = setInterval(
        () => void stream.write(': keep-alive\n\n').catch(() => undefined),
        KEEP_ALIVE_MS,
      );
      await new Promise<void>((resolve) => stream.onAbort(resolve));
      clearInterval(keepAlive);
      for (const off of offs) off();
    });
  });
  web.get('/api/*', async (c) => {
    const r = await documentFor(new URL(c.req.url), src);
    return json(c, r.doc, r.status);
  });
  const gate = (kind: 'answer' | 'approve') => async (c: Context) => {
    const id = c.req.param('id') ?? '';
    try {
      const body = await c.req.json().catch(() => {
        throw new UsageError('the body is not JSON');
      });
      const d = await driver();
      await (kind === 'answer' ? d.answer(id, body) : d.approve(id, body));
      return json(c, { chain_id: id, accepted: kind }, 202);
    } catch (err) {
      if (!(err instanceof ClaudeExecError)) throw err;
      const status = /^no chain |is not a chain id/.test(err.message)
        ? 404
        : err instanceof UsageError && /body|must be|needs|no answers/.test(err.message)
          ? 400
          : 409;
      return json(c, errorJson(err.exitCode, err.message, err.hint ?? null), status);
    }
  };
  web.post('/api/chains/:id/answer', gate('answer'));
  web.post('/api/chains/:id/approve', gate('approve'));
  web.notFound((c) =>
    c.req.path.startsWith('/api/')
      ? json(c, errorJson(2, `no such document: ${c.req.path}`, null), 404)
      : c.text('not found\n', 404),
  );
  web.onError((err, c) => {
    opts.log(`web: ${err.stack ?? err.message}`);
    return json(c, errorJson(1, `unexpected error: ${err.message}`, null), 500);
  });
  return web;
}

async function asset(c: Context) {
  const file = await assetFile(c.req.path);
  if (!file) return c.text('not found\n', 404);
  return c.body(new Uint8Array(file.body), 200, { 'Content-Type': file.type });
}

/**
 * Starts the web view. Throws UsageError (exit 2) when the port is taken or cannot be bound.
 */
export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(32).toString('base64url');
  const src: DocumentSource = {
    dirs: opts.dirs,
    flags: opts.flags,
    onWarning: (m) => opts.log(`warning: ${m}`),
  };
  const live = new LiveDocuments(src, { intervalMs: opts.liveIntervalMs });
  // The gate driver brings the engine (the SDK, the tools, the run loop): about 30 MB that a
  // server only showing chains never needs, so it is loaded on the first gate answered.
  let driver: Promise<PageDriver> | null = null;
  const driverOf = () =>
    (driver ??= import('./drive.js').then(
      ({ PageDriver }) => new PageDriver({ dirs: opts.dirs, env: opts.env, log: opts.log }),
    ));
  let bound = 0;
  const server = createAdaptorServer({
    fetch: app(opts, () => bound, token, live, driverOf, src).fetch,
    hostname: '127.0.0.1',
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new UsageError(
              `port ${opts.port} is in use`,
              'Give another with --port N, or --port 0 for a free one.',
            )
          : new UsageError(`cannot listen on 127.0.0.1:${opts.port} (${err.message})`),
      ),
    );
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  bound = (server.address() as AddressInfo).port;
  await live.start();
  const origin = `http://127.0.0.1:${bound}`;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port: bound,
    token,
    async close() {
      await live.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      if (driver) await (await driver).idle();
    },
  };
}
