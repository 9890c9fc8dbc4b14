/**
 * Helpers for the web view's tests: raw HTTP requests (node:http, so any Host or Origin header can
 * be sent), a server-sent-events reader, the built binary's `serve --json`, and Debian's chromium
 * through playwright-core when it is installed.
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import { spawnCli } from './e2e.js';

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request to 127.0.0.1:`port`, headers exactly as given (Host included). */
export function request(
  port: number,
  opts: { path: string; method?: string; headers?: Record<string, string>; body?: string },
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: opts.path,
        method: opts.method ?? 'GET',
        headers: { host: `127.0.0.1:${port}`, ...opts.headers },
        setHost: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

export interface LiveEvent {
  path: string;
  status: number;
  document: Record<string, unknown>;
}

/** Reads `event: doc` messages of /api/events until `stop()`; `events` grows as they come. */
export function readEvents(
  port: number,
  docPath: string,
  token: string,
): {
  events: LiveEvent[];
  next(pred: (e: LiveEvent) => boolean, timeoutMs?: number): Promise<LiveEvent>;
  stop(): void;
} {
  const events: LiveEvent[] = [];
  const waiters: { pred: (e: LiveEvent) => boolean; resolve: (e: LiveEvent) => void }[] = [];
  const req = http.get(
    {
      host: '127.0.0.1',
      port,
      path: `/api/events?doc=${encodeURIComponent(docPath)}`,
      headers: { authorization: `Bearer ${token}` },
    },
    (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trimStart())
            .join('\n');
          if (!/^event: doc$/m.test(block) || !data) continue;
          const e = JSON.parse(data) as LiveEvent;
          events.push(e);
          for (const w of [...waiters]) {
            if (!w.pred(e)) continue;
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(e);
          }
        }
      });
    },
  );
  req.on('error', () => undefined);
  return {
    events,
    next(pred, timeoutMs = 120_000) {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`no matching event in ${timeoutMs} ms (${events.length} seen)`)),
          timeoutMs,
        );
        waiters.push({ pred, resolve: (e) => (clearTimeout(t), resolve(e)) });
      });
    },
    stop: () => req.destroy(),
  };
}

export interface ServeProcess {
  doc: {
    url: string;
    origin: string;
    port: number;
    token: string;
    contexts: string[];
    read_only: boolean;
    schema: string;
  };
  stderr(): string;
  /** SIGINT, then the exit code. */
  stop(): Promise<number>;
}

/** Spawns the built `claude-exec … serve --json` and resolves once it printed its document. */
export async function startServe(
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<ServeProcess> {
  const child = spawnCli([...args, 'serve', '--json'], cwd, env);
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const doc = await new Promise<ServeProcess['doc']>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      try {
        resolve(JSON.parse(out) as ServeProcess['doc']);
      } catch {
        // Not the whole document yet.
      }
    });
    void child.then((r) => reject(new Error(`serve exited ${r.exitCode} before listening: ${err}`)));
  });
  return {
    doc,
    stderr: () => err,
    async stop() {
      child.kill('SIGINT');
      return (await child).exitCode ?? -1;
    },
  };
}

const CHROMIUM = '/usr/bin/chromium';

/** Why the browser tests cannot run here, or null when they can. */
export function browserUnavailable(): string | null {
  return existsSync(CHROMIUM)
    ? null
    : `${CHROMIUM} is not installed (apt-get install chromium; .ci/run does): the browser tests are skipped, the HTTP-level ones still run`;
}

/**
 * Debian's chromium, headless, nothing that reaches the network; each `newContext()` is a fresh
 * profile (playwright gives the browser a new empty user-data-dir of its own).
 */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
