/**
 * What the scripted model of ./scenario.ts writes into the Express fixture: a failing test first
 * (test/token.test.js, node:test), then the module that makes it pass (src/token.js: HMAC-SHA256
 * signed access tokens with expiry, and rotating refresh tokens, on node:crypto only).
 */

export const TOKEN_TEST_PATH = 'test/token.test.js';
export const TOKEN_MODULE_PATH = 'src/token.js';

export const TOKEN_TEST = `import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRefreshStore, signToken, verifyToken } from '../src/token.js';

const SECRET = 'test-signing-secret';

describe('access tokens', () => {
  it('verifies a token signed with the same secret', () => {
    const token = signToken({ sub: 1, username: 'alice' }, SECRET, { expiresInSec: 60 });
    const claims = verifyToken(token, SECRET);
    assert.equal(claims.sub, 1);
    assert.equal(claims.username, 'alice');
  });

  it('refuses a tampered payload', () => {
    const [header, , signature] = signToken({ sub: 1 }, SECRET).split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 2, exp: 9999999999 })).toString('base64url');
    assert.equal(verifyToken(\`\${header}.\${forged}.\${signature}\`, SECRET), null);
  });

  it('refuses a token signed with another secret', () => {
    assert.equal(verifyToken(signToken({ sub: 1 }, 'other-secret'), SECRET), null);
  });

  it('refuses an expired token', () => {
    const issuedAt = Date.now() - 120_000;
    const token = signToken({ sub: 1 }, SECRET, { expiresInSec: 60, now: issuedAt });
    assert.equal(verifyToken(token, SECRET), null);
  });

  it('refuses garbage', () => {
    assert.equal(verifyToken('not-a-token', SECRET), null);
  });
});

describe('refresh tokens', () => {
  it('rotates: the old refresh token stops working', () => {
    const store = createRefreshStore();
    const first = store.issue(1);
    const next = store.rotate(first);
    assert.equal(next.userId, 1);
    assert.notEqual(next.token, first);
    assert.equal(store.rotate(first), null);
  });

  it('refuses an expired refresh token', () => {
    const store = createRefreshStore();
    const token = store.issue(1, { ttlSec: 1, now: Date.now() - 5_000 });
    assert.equal(store.rotate(token), null);
  });

  it('revokes', () => {
    const store = createRefreshStore();
    const token = store.issue(1);
    assert.equal(store.revoke(token), true);
    assert.equal(store.rotate(token), null);
  });
});
`;

export const TOKEN_MODULE = `// Signed access tokens (JWT layout, HS256 via node:crypto) with expiry, and rotating refresh tokens.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const HEADER = encode({ alg: 'HS256', typ: 'JWT' });

function sign(data, secret) {
  return createHmac('sha256', secret).update(data).digest();
}

export function signToken(payload, secret, { expiresInSec = 900, now = Date.now() } = {}) {
  const iat = Math.floor(now / 1000);
  const body = encode({ ...payload, iat, exp: iat + expiresInSec });
  return \`\${HEADER}.\${body}.\${sign(\`\${HEADER}.\${body}\`, secret).toString('base64url')}\`;
}

export function verifyToken(token, secret, { now = Date.now() } = {}) {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3) return null;
  const [header, body, signature] = parts;
  const expected = sign(\`\${header}.\${body}\`, secret);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let claims;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now) return null;
  return claims;
}

export function createRefreshStore() {
  const active = new Map();

  function issue(userId, { ttlSec = 7 * 24 * 3600, now = Date.now() } = {}) {
    const token = randomBytes(32).toString('base64url');
    active.set(token, { userId, expiresAt: now + ttlSec * 1000 });
    return token;
  }

  function rotate(token, { now = Date.now() } = {}) {
    const entry = active.get(token);
    if (!entry) return null;
    active.delete(token);
    if (entry.expiresAt <= now) return null;
    return { userId: entry.userId, token: issue(entry.userId, { now }) };
  }

  return { issue, rotate, revoke: (token) => active.delete(token) };
}
`;

export const SOLUTION = `## Plan: JWT access tokens with rotating refresh tokens

- **src/token.js** (new): \`signToken\` / \`verifyToken\` — HS256 over \`header.payload\` with node:crypto,
  15-minute expiry, constant-time signature check; \`createRefreshStore\` — opaque 256-bit refresh
  tokens, 7-day lifetime, rotated on every use (the old token is revoked).
- **Tests first**: test/token.test.js pins signing, tampering, wrong secret, expiry, rotation and revocation.
- Session login in src/app.js stays as it is; the token routes build on the same user store.
- Signing secret from \`JWT_SECRET\`; no new dependency.`;
