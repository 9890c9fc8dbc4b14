/**
 * The web view's access policy: the pure decision for a table of requests, then the same rules on
 * a real server on 127.0.0.1 (raw HTTP, so any Host, Origin or cookie can be sent). No browser.
 * A refusal carries one plain line and no data: no goal, no chain id, no JSON.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPriceTable } from '../../src/cost/prices.js';
import { cookieName, decide, type RequestFacts } from '../../src/web/security.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { fakeChain } from '../helpers/chains.js';
import { request } from '../helpers/web.js';

const TOKEN = 'test-token-0123456789abcdefghijklmnopqrstuv';
const PORT = 4321;
const policy = { token: TOKEN, port: PORT, readOnly: false };
const facts = (over: Partial<RequestFacts>): RequestFacts => ({
  method: 'GET',
  host: `127.0.0.1:${PORT}`,
  url: '/api/chains',
  cookieToken: TOKEN,
  authorization: undefined,
  origin: undefined,
  secFetchSite: undefined,
  secFetchMode: undefined,
  contentType: undefined,
  ...over,
});
const post = (over: Partial<RequestFacts>) =>
  facts({
    method: 'POST',
    url: '/api/chains/001/approve',
    origin: `http://127.0.0.1:${PORT}`,
    secFetchSite: 'same-origin',
    contentType: 'application/json',
    ...over,
  });

describe('decide', () => {
  it.each([
    ['the cookie, on 127.0.0.1', facts({}), 'allow'],
    ['the cookie, on localhost', facts({ host: `localhost:${PORT}` }), 'allow'],
    [
      'a Bearer header instead of the cookie',
      facts({ cookieToken: undefined, authorization: `Bearer ${TOKEN}` }),
      'allow',
    ],
    ['no token', facts({ cookieToken: undefined }), 401],
    ['a wrong cookie', facts({ cookieToken: `${TOKEN}x` }), 401],
    ['a wrong Bearer over a right cookie', facts({ authorization: 'Bearer nope' }), 401],
    ['a rebinding host name', facts({ host: `evil.example:${PORT}` }), 403],
    ['another port', facts({ host: '127.0.0.1:80' }), 403],
    ['no Host', facts({ host: undefined }), 403],
    [
      'the right URL token',
      facts({ cookieToken: undefined, url: `/chains/001?token=${TOKEN}&x=1` }),
      'login',
    ],
    ['a wrong URL token', facts({ cookieToken: undefined, url: '/?token=guess' }), 401],
    ['a URL token on a POST', post({ url: `/api/chains/001/approve?token=${TOKEN}` }), 401],
    [
      'a fetch from another site (same host, other port)',
      facts({ secFetchSite: 'same-site', secFetchMode: 'cors' }),
      403,
    ],
    [
      'a navigation from another site',
      facts({ secFetchSite: 'cross-site', secFetchMode: 'navigate' }),
      'allow',
    ],
    ['a same-origin POST', post({}), 'allow'],
    ['a POST from another origin', post({ origin: 'http://127.0.0.1:9999', secFetchSite: 'same-site' }), 403],
    ['a POST with Origin null', post({ origin: 'null', secFetchSite: 'cross-site' }), 403],
    [
      'a POST with the cookie but no Origin and no Fetch metadata',
      post({ origin: undefined, secFetchSite: undefined }),
      403,
    ],
    [
      'a script POST with the Bearer header',
      post({
        origin: undefined,
        secFetchSite: undefined,
        cookieToken: undefined,
        authorization: `Bearer ${TOKEN}`,
      }),
      'allow',
    ],
    [
      'a same-origin POST that is not JSON (a form)',
      post({ contentType: 'application/x-www-form-urlencoded' }),
      415,
    ],
  ])('%s', (_name, r, expected) => {
    const d = decide(r, policy);
    expect(d.kind === 'refuse' ? d.status : d.kind).toBe(expected);
  });

  it('login keeps the path and the other parameters, and drops the token', () => {
    expect(decide(facts({ url: `/costs?days=30&token=${TOKEN}` }), policy)).toEqual({
      kind: 'login',
      location: '/costs?days=30',
    });
  });

  it('--read-only refuses a same-origin POST', () => {
    expect(decide(post({}), { ...policy, readOnly: true })).toMatchObject({
      kind: 'refuse',
      status: 403,
      message: expect.stringContaining('--read-only'),
    });
  });
});

describe('the server', () => {
  let root: string;
  let server: WebServer;
  let cookie: string;
  const GOAL_WORDS = 'jwt auth in the Express app';

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'ce-web-sec-'));
    const dir = path.join(root, 'contexts');
    await mkdir(dir);
    const { file, ctx } = fakeChain({ n: 1, startedAt: new Date(), calls: 4, table: loadPriceTable() });
    ctx.status = 'awaiting-input';
    ctx.pending = { kind: 'approval', presented: 'The plan' };
    await writeFile(path.join(dir, file), JSON.stringify(ctx));
    server = await startWebServer({
      dirs: [dir],
      port: 0,
      readOnly: false,
      flags: [],
      log: () => undefined,
      token: TOKEN,
    });
    cookie = `${cookieName(server.port)}=${TOKEN}`;
  });
  afterAll(async () => {
    await server?.close();
    await rm(root, { recursive: true, force: true });
  });

  /** A refusal: the status, one plain line, nothing of the chains. */
  const refused = (r: { status: number; body: string; headers: Record<string, unknown> }, status: number) => {
    expect(r.status).toBe(status);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    expect(r.body.trim().split('\n')).toHaveLength(1);
    expect(r.body).not.toContain('001');
    expect(r.body).not.toContain(GOAL_WORDS);
  };

  it('prints a URL on 127.0.0.1 with the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${TOKEN}`);
  });

  it.each([
    '/',
    '/chains/001',
    '/costs',
    '/api/chains',
    '/api/chains/001',
    '/api/cost-report',
    '/api/events?doc=/api/chains',
    '/static/app.css',
    '/static/common.js',
    '/vendor/chart.umd.min.js',
  ])('%s without the token: 401, no data', async (p) => {
    refused(await request(server.port, { path: p }), 401);
  });

  it('the URL token sets an HttpOnly SameSite=Strict cookie and redirects to the clean URL; the cookie then opens everything', async () => {
    const login = await request(server.port, { path: `/chains/001?token=${TOKEN}` });
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/chains/001');
    const set = String(login.headers['set-cookie']);
    expect(set).toContain(`${cookieName(server.port)}=${TOKEN}`);
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Strict/i);
    const page = await request(server.port, { path: '/chains/001', headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script type="module" src="/static/chain.js">');
    const doc = await request(server.port, { path: '/api/chains/001', headers: { cookie } });
    expect(JSON.parse(doc.body)).toMatchObject({
      schema: 'claude-exec/chain@1',
      chain_id: '001',
      pending: { kind: 'approval' },
    });
    const lib = await request(server.port, { path: '/vendor/purify.min.js', headers: { cookie } });
    expect(lib.status).toBe(200);
    expect(lib.headers['content-type']).toMatch(/javascript/);
  });

  it('every response forbids framing, inline script and caching', async () => {
    const r = await request(server.port, { path: '/', headers: { cookie } });
    expect(r.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(r.headers['content-security-policy']).toContain("script-src 'self'");
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.headers['cache-control']).toBe('no-store');
  });

  it('a wrong Host is refused even with the token (DNS rebinding)', async () => {
    refused(
      await request(server.port, { path: '/api/chains', headers: { cookie, host: 'evil.example' } }),
      403,
    );
    refused(
      await request(server.port, {
        path: '/api/chains',
        headers: { authorization: `Bearer ${TOKEN}`, host: `evil.example:${server.port}` },
      }),
      403,
    );
    refused(await request(server.port, { path: `/?token=${TOKEN}`, headers: { host: 'evil.example' } }), 403);
  });

  it('a fetch from another origin is refused; an approval from another origin changes nothing', async () => {
    refused(
      await request(server.port, {
        path: '/api/chains/001',
        headers: { cookie, 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'cors' },
      }),
      403,
    );
    const body = JSON.stringify({ response: 'approved' });
    const evil = {
      cookie,
      origin: 'http://127.0.0.1:1',
      'sec-fetch-site': 'same-site',
      'content-type': 'application/json',
    };
    refused(
      await request(server.port, { path: '/api/chains/001/approve', method: 'POST', headers: evil, body }),
      403,
    );
    refused(
      await request(server.port, {
        path: '/api/chains/001/approve',
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body,
      }),
      403,
    );
    refused(
      await request(server.port, {
        path: '/api/chains/001/approve',
        method: 'POST',
        headers: { cookie, origin: server.origin, 'content-type': 'text/plain' },
        body,
      }),
      415,
    );
    const after = JSON.parse(
      (await request(server.port, { path: '/api/chains/001', headers: { cookie } })).body,
    );
    expect(after).toMatchObject({ status: 'awaiting-input', pending: { kind: 'approval' }, approvals: [] });
  });

  it("a same-origin approval passes the policy and reaches the gate's own checks: a rejection without a reason is refused as the CLI words it", async () => {
    const r = await request(server.port, {
      path: '/api/chains/001/approve',
      method: 'POST',
      headers: {
        cookie,
        origin: server.origin,
        'sec-fetch-site': 'same-origin',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ response: 'rejected' }),
    });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toEqual({
      schema: 'claude-exec/error@1',
      error: { exit_code: 2, message: 'a rejection needs a reason (what should change)', hint: null },
    });
  });

  it('--read-only: the pages say so and every POST is refused', async () => {
    const ro = await startWebServer({
      dirs: [path.join(root, 'contexts')],
      port: 0,
      readOnly: true,
      flags: [],
      log: () => undefined,
      token: TOKEN,
    });
    try {
      const c = `${cookieName(ro.port)}=${TOKEN}`;
      expect((await request(ro.port, { path: '/chains/001', headers: { cookie: c } })).body).toContain(
        'data-read-only="true"',
      );
      refused(
        await request(ro.port, {
          path: '/api/chains/001/approve',
          method: 'POST',
          headers: { cookie: c, origin: ro.origin, 'content-type': 'application/json' },
          body: '{"response":"approved"}',
        }),
        403,
      );
    } finally {
      await ro.close();
    }
  });

  it('a taken port is a usage error naming it', async () => {
    await expect(
      startWebServer({ dirs: [root], port: server.port, readOnly: false, flags: [], log: () => undefined }),
    ).rejects.toThrow(`port ${server.port} is in use`);
  });
});
