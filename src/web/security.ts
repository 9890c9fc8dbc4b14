/**
 * Who may use the web view: only this machine's browser that opened the printed URL.
 *
 * - `Host` must be `127.0.0.1:PORT` or `localhost:PORT` (a DNS-rebinding page has its own host name).
 * - Every request needs the access token: the URL's `?token=` sets an HttpOnly, SameSite=Strict
 *   cookie (named after the port, so two servers do not overwrite each other's) and redirects to
 *   the clean URL; scripts may send `Authorization: Bearer TOKEN` instead.
 * - A subresource or fetch from another origin (the browser's `Sec-Fetch-Site`) is refused, and
 *   the pages cannot be framed (CSP `frame-ancestors 'none'`).
 * - A state-changing request (answer, approve) also needs a same-origin `Origin` (or
 *   `Sec-Fetch-Site: same-origin`), or else the Bearer header (a script, not a browser), and a JSON body.
 *
 * Refusals are 401/403 with one plain line and no data. `decide` is pure; `securityMiddleware`
 * applies it to Hono requests.
 */
import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';

export interface AccessPolicy {
  token: string;
  /** The port the server listens on (the allowed Host headers carry it). */
  port: number;
  /** --read-only: no state-changing request is accepted. */
  readOnly: boolean;
}

/** The facts of one request that decide whether it may go on. */
export interface RequestFacts {
  method: string;
  host: string | undefined;
  /** The path and query as received, e.g. `/chains/001?token=…`. */
  url: string;
  cookieToken: string | undefined;
  authorization: string | undefined;
  origin: string | undefined;
  secFetchSite: string | undefined;
  secFetchMode: string | undefined;
  contentType: string | undefined;
}

export type Decision =
  | { kind: 'allow'; bearer: boolean }
  | { kind: 'refuse'; status: 401 | 403 | 415; message: string }
  /** The token was in the URL: set the cookie and send the browser to `location`. */
  | { kind: 'login'; location: string };

export const cookieName = (port: number) => `claude_exec_token_${port}`;

/** Constant-time comparison of a presented token with the real one. */
function sameToken(presented: string | undefined, token: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

const refuse = (status: 401 | 403 | 415, message: string): Decision => ({ kind: 'refuse', status, message });
const SAFE = new Set(['GET', 'HEAD']);

/** Whether the request may go on, and how (pure). */
export function decide(r: RequestFacts, p: AccessPolicy): Decision {
  const hosts = [`127.0.0.1:${p.port}`, `localhost:${p.port}`];
  const host = r.host?.toLowerCase();
  if (host === undefined || !hosts.includes(host))
    return refuse(403, `forbidden: the Host must be ${hosts.join(' or ')}`);
  const url = new URL(r.url, `http://${host}`);
  const urlToken = url.searchParams.get('token');
  if (urlToken !== null) {
    if (!SAFE.has(r.method) || !sameToken(urlToken, p.token))
      return refuse(401, 'unauthorized: wrong access token; open the URL that `claude-exec serve` printed');
    url.searchParams.delete('token');
    return { kind: 'login', location: `${url.pathname}${url.search}` };
  }
  const bearer = /^Bearer (.+)$/i.exec(r.authorization ?? '')?.[1];
  if (!sameToken(bearer ?? r.cookieToken, p.token))
    return refuse(
      401,
      'unauthorized: open the URL that `claude-exec serve` printed (it carries the access token)',
    );
  const site = r.secFetchSite;
  if (site !== undefined && site !== 'same-origin' && site !== 'none' && r.secFetchMode !== 'navigate')
    return refuse(403, 'forbidden: a request from another site');
  if (SAFE.has(r.method)) return { kind: 'allow', bearer: bearer !== undefined };
  if (p.readOnly) return refuse(403, 'forbidden: the server runs with --read-only');
  const sameOrigin =
    r.origin !== undefined
      ? r.origin === `http://${host}`
      : site !== undefined
        ? site === 'same-origin'
        : bearer !== undefined;
  if (!sameOrigin)
    return refuse(403, 'forbidden: a state-changing request must come from the page itself (same origin)');
  if (!/^application\/json\b/i.test(r.contentType ?? ''))
    return refuse(415, 'unsupported: send a JSON body (Content-Type: application/json)');
  return { kind: 'allow', bearer: bearer !== undefined };
}

/**
 * Headers of every response: no framing, scripts and styles only from this server, nothing
 * cached, no referrer (the token never travels on).
 */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Applies `decide` to every request; refusals carry one plain line and no data. */
export function securityMiddleware(p: AccessPolicy): MiddlewareHandler {
  const name = cookieName(p.port);
  return async (c, next) => {
    const h = (k: string) => c.req.header(k);
    const url = new URL(c.req.url);
    const d = decide(
      {
        method: c.req.method,
        host: h('host'),
        url: `${url.pathname}${url.search}`,
        cookieToken: getCookie(c, name),
        authorization: h('authorization'),
        origin: h('origin'),
        secFetchSite: h('sec-fetch-site'),
        secFetchMode: h('sec-fetch-mode'),
        contentType: h('content-type'),
      },
      p,
    );
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.header(k, v);
    if (d.kind === 'refuse') return c.text(`${d.message}\n`, d.status);
    if (d.kind === 'login') {
      setCookie(c, name, p.token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      return c.redirect(d.location, 303);
    }
    await next();
  };
}
