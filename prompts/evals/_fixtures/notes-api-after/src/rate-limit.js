// Fixed-window rate limiter: at most `limit` requests per client in each window of `windowMs`.
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
