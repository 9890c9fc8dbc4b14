/**
 * The demo's task on its sample app (./sample-app, a notes API on node:http) and what its
 * scripted model writes: a failing test first (test/rate-limit.test.js), then the limiter
 * (src/rate-limit.js) and one edit of src/app.js that make the app's own `node --test` green.
 */

export const DEMO_GOAL = 'Add rate limiting to POST /notes so that one client cannot flood the API';

export const DEMO_QUESTIONS = [
  {
    question: 'How many notes may one client post per minute?',
    why: 'Sets the limit and the window the tests pin down.',
    default_answer: '5 per minute, counted per client IP address',
  },
  {
    question: 'What should a client over the limit get?',
    why: 'Decides the status code, the headers and the body of the refusal.',
    default_answer: '429 Too Many Requests with a Retry-After header; reading notes stays open',
  },
];

export const TEST_PATH = 'test/rate-limit.test.js';
export const MODULE_PATH = 'src/rate-limit.js';
export const APP_PATH = 'src/app.js';

export const SOLUTION = `## Plan: a fixed-window rate limit on POST /notes

- **src/rate-limit.js** (new): \`createRateLimiter({ limit, windowMs, now })\` returns \`check(key)\` →
  \`{ allowed, remaining, retryAfterSec }\`; one window per client, a new window once the old one has
  passed, expired windows pruned so memory stays bounded.
- **src/app.js**: \`createApp({ store, rateLimit })\` checks the client's address before a note is read;
  over the limit it answers **429** with \`Retry-After\` (seconds) and a JSON error. GET routes stay open.
- Limit and window are options; the default is the proposed answer: **5 notes per minute per client IP**.
- **Tests first**: test/rate-limit.test.js pins the limit, the window reset, per-client counting and the
  429 response; the existing suite must stay green. No new dependency.`;

export const RATE_LIMIT_TEST = `import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import { createApp } from '../src/app.js';
import { createRateLimiter } from '../src/rate-limit.js';

describe('createRateLimiter', () => {
  it('AC1: allows the limit within a window, then refuses with the seconds to wait', () => {
    let now = 0;
    const limiter = createRateLimiter({ limit: 2, windowMs: 60_000, now: () => now });
    assert.equal(limiter.check('a').allowed, true);
    assert.equal(limiter.check('a').allowed, true);
    const refused = limiter.check('a');
    assert.equal(refused.allowed, false);
    assert.equal(refused.retryAfterSec, 60);
    now = 30_000;
    assert.equal(limiter.check('a').retryAfterSec, 30);
  });

  it('AC1: starts a new window once the old one has passed', () => {
    let now = 0;
    const limiter = createRateLimiter({ limit: 1, windowMs: 1_000, now: () => now });
    assert.equal(limiter.check('a').allowed, true);
    assert.equal(limiter.check('a').allowed, false);
    now = 1_000;
    assert.equal(limiter.check('a').allowed, true);
  });

  it('AC1: counts each client separately', () => {
    const limiter = createRateLimiter({ limit: 1, windowMs: 60_000, now: () => 0 });
    assert.equal(limiter.check('a').allowed, true);
    assert.equal(limiter.check('b').allowed, true);
    assert.equal(limiter.check('a').allowed, false);
  });
});

describe('POST /notes under a rate limit', () => {
  it('AC1, AC2, AC3: posts within the limit are created, then 429 with Retry-After; reading stays open', async () => {
    const server = createServer(createApp({ rateLimit: { limit: 2, windowMs: 60_000 } }));
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = \`http://127.0.0.1:\${server.address().port}\`;
    const post = () => fetch(\`\${base}/notes\`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'hello' }) });
    try {
      assert.equal((await post()).status, 201);
      assert.equal((await post()).status, 201);
      const refused = await post();
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get('retry-after'), '60');
      assert.match((await refused.json()).error, /too many/);
      assert.equal((await fetch(\`\${base}/notes\`)).status, 200);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
`;

export const RATE_LIMIT_MODULE = `// Fixed-window rate limiter: at most \`limit\` requests per client in each window of \`windowMs\`.
const PRUNE_ABOVE = 10_000;

export function createRateLimiter({ limit = 5, windowMs = 60_000, now = Date.now } = {}) {
  const windows = new Map();

  function prune(t) {
    for (const [key, w] of windows) if (t >= w.start + windowMs) windows.delete(key);
  }

  return {
    check(key) {
      const t = now();
      let w = windows.get(key);
      if (!w || t >= w.start + windowMs) {
        if (windows.size >= PRUNE_ABOVE) prune(t);
        w = { start: t, count: 0 };
        windows.set(key, w);
      }
      if (w.count < limit) {
        w.count += 1;
        return { allowed: true, remaining: limit - w.count, retryAfterSec: 0 };
      }
      return { allowed: false, remaining: 0, retryAfterSec: Math.ceil((w.start + windowMs - t) / 1000) };
    },
  };
}
`;

/** One edit_file of src/app.js: import the limiter, build it in createApp, check it on POST /notes. */
export const APP_EDIT = {
  old_string: `export function createApp({ store = createNoteStore() } = {}) {
  return async function handle(req, res) {`,
  new_string: `export function createApp({ store = createNoteStore(), rateLimit = {} } = {}) {
  const limiter = createRateLimiter(rateLimit);
  return async function handle(req, res) {`,
};

export const APP_IMPORT_EDIT = {
  old_string: `import { createNoteStore } from './notes.js';`,
  new_string: `import { createNoteStore } from './notes.js';
import { createRateLimiter } from './rate-limit.js';`,
};

export const APP_POST_EDIT = {
  old_string: `    if (req.method === 'POST' && url.pathname === '/notes') {
      const body = await readJson(req);`,
  new_string: `    if (req.method === 'POST' && url.pathname === '/notes') {
      const verdict = limiter.check(req.socket.remoteAddress ?? 'unknown');
      if (!verdict.allowed) return send(res, 429, { error: 'too many notes; try again later' }, { 'retry-after': String(verdict.retryAfterSec) });
      const body = await readJson(req);`,
};
