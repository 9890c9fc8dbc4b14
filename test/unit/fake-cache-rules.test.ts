/** The fake's prompt cache follows the documented rules: TTLs, per-model minimum, per model, thinking changes (src/demo/cache.ts). */
import { describe, expect, it } from 'vitest';
import { PrefixCache } from '../../src/demo/cache.js';

const big = 'x'.repeat(20_000); // ~5,000 tokens: above every model's minimum
const body = (over: Record<string, unknown> = {}) => ({
  model: 'claude-sonnet-4-6',
  system: [{ type: 'text', text: big, cache_control: { type: 'ephemeral' } }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: `${big}-msg`, cache_control: { type: 'ephemeral' } }] },
  ],
  ...over,
});

describe('the fake prompt cache', () => {
  it('reads what an earlier request wrote until its 5-minute TTL passes; a read refreshes it', () => {
    let now = 0;
    const cache = new PrefixCache(true, undefined, () => now);
    expect(cache.usageFor(body()).cache_read_input_tokens).toBe(0);
    now = 4 * 60_000;
    const hit = cache.usageFor(body());
    expect(hit.cache_read_input_tokens).toBeGreaterThan(10_000);
    now += 4 * 60_000; // 8 minutes after the write, 4 after the read
    expect(cache.usageFor(body()).cache_read_input_tokens).toBe(hit.cache_read_input_tokens);
    now += 6 * 60_000;
    const expired = cache.usageFor(body());
    expect(expired.cache_read_input_tokens).toBe(0);
    expect(expired.cache_creation_input_tokens).toBeGreaterThan(10_000);
  });

  it('keeps a 1-hour entry past 5 minutes and reports it as a 1h write', () => {
    let now = 0;
    const cache = new PrefixCache(true, undefined, () => now);
    const oneHour = body({
      system: [{ type: 'text', text: big, cache_control: { type: 'ephemeral', ttl: '1h' } }],
      messages: [{ role: 'user', content: 'q' }],
    });
    expect(cache.usageFor(oneHour).cache_creation).toMatchObject({
      ephemeral_5m_input_tokens: 0,
      ephemeral_1h_input_tokens: expect.any(Number),
    });
    expect(cache.usageFor(oneHour).cache_read_input_tokens).toBeGreaterThan(4000);
    now = 30 * 60_000;
    expect(cache.usageFor(oneHour).cache_read_input_tokens).toBeGreaterThan(4000);
  });

  it('does not cache a prefix under the model minimum, and keeps caches per model', () => {
    const small = body({
      model: 'claude-haiku-4-5',
      system: [{ type: 'text', text: 'y'.repeat(12_000), cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'q' }],
    });
    const cache = new PrefixCache(true);
    cache.usageFor(small);
    // ~3,000 tokens: under Haiku 4.5's 4,096, so nothing is written or read.
    expect(cache.usageFor(small)).toMatchObject({
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    });
    const sonnet = { ...small, model: 'claude-sonnet-4-6' };
    expect(cache.usageFor(sonnet).cache_creation_input_tokens).toBeGreaterThan(2048);
    expect(cache.usageFor({ ...sonnet, model: 'claude-opus-4-6' }).cache_read_input_tokens).toBe(0);
  });

  it('a change of the thinking settings invalidates the messages part, not tools and system', () => {
    const cache = new PrefixCache(true);
    cache.usageFor(body({ thinking: { type: 'adaptive' } }));
    const same = cache.usageFor(body({ thinking: { type: 'adaptive' } }));
    const off = cache.usageFor(body());
    expect(off.cache_read_input_tokens).toBeGreaterThan(4000);
    expect(off.cache_read_input_tokens).toBeLessThan(same.cache_read_input_tokens as number);
  });
});
