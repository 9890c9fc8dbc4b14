import assert from 'node:assert/strict';
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
    const base = `http://127.0.0.1:${server.address().port}`;
    const post = () => fetch(`${base}/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'hello' }) });
    try {
      assert.equal((await post()).status, 201);
      assert.equal((await post()).status, 201);
      const refused = await post();
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get('retry-after'), '60');
      assert.match((await refused.json()).error, /too many/);
      assert.equal((await fetch(`${base}/notes`)).status, 200);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
