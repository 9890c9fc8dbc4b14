import { createNoteStore } from './notes.js';
import { createRateLimiter } from './rate-limit.js';

const MAX_TEXT = 500;

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function readJson(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  try {
    return raw ? JSON.parse(raw) : {};
  } catch {
    return null;
  }
}

export function createApp({ store = createNoteStore(), rateLimit = {} } = {}) {
  const limiter = createRateLimiter(rateLimit);
  return async function handle(req, res) {
    const url = new URL(req.url, 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/health') return send(res, 200, { ok: true });
    if (req.method === 'GET' && url.pathname === '/notes') return send(res, 200, { notes: store.list() });
    if (req.method === 'POST' && url.pathname === '/notes') {
      const verdict = limiter.check(req.socket.remoteAddress ?? 'unknown');
      if (!verdict.allowed) return send(res, 429, { error: 'too many notes; try again later' }, { 'retry-after': String(verdict.retryAfterSec) });
      const body = await readJson(req);
      const text = body?.text;
      if (typeof text !== 'string' || text.trim() === '' || text.length > MAX_TEXT) {
        return send(res, 400, { error: `text must be 1-${MAX_TEXT} characters` });
      }
      return send(res, 201, { note: store.add(text.trim()) });
    }
    return send(res, 404, { error: 'not found' });
  };
}
