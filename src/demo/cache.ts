/**
 * Deterministic token counting and a prefix-cache simulation for the local Messages API server
 * (./server.ts: the demo's scripted model, and the fake server of the tests), following
 * the documented prompt-caching rules: the prefix runs tools → system → messages; each
 * `cache_control` breakpoint caches the prefix up to and including its block; a lookup checks
 * the breakpoint and up to 20 blocks before it, and the longest previously written prefix is a
 * cache read; tokens from there to the last breakpoint are a cache write; the rest is input.
 * Entries are kept per model (the hash chain starts with it), live for their TTL (5 minutes by
 * default, 1 hour with `ttl: "1h"`) and are refreshed by each read; a prefix shorter than the
 * model's minimum (../llm/models.ts) is neither written nor read. A change of the thinking
 * configuration invalidates the message part of the prefix, not tools and system (prompt-caching
 * docs: "what invalidates the cache").
 */
import { createHash } from 'node:crypto';
import type { Usage } from '../chain/schema.js';
import { modelFacts } from '../llm/models.js';

/** How many block boundaries before a breakpoint the cache looks back (API docs: 20). */
const LOOKBACK_BLOCKS = 20;

interface Part {
  tokens: number;
  hash: string;
  breakpoint: null | '5m' | '1h';
}

/** Tokens of one value: ceil(UTF-8 bytes of its JSON / 4). */
export function tokensOf(value: unknown): number {
  return Math.ceil(Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8') / 4);
}

function stripCacheControl(block: unknown): { value: unknown; ttl: null | '5m' | '1h' } {
  if (block === null || typeof block !== 'object' || !('cache_control' in block))
    return { value: block, ttl: null };
  const { cache_control: cc, ...rest } = block as { cache_control?: { ttl?: string } | null };
  return { value: rest, ttl: cc ? (cc.ttl === '1h' ? '1h' : '5m') : null };
}

/** The request body split into prefix parts (tools, system blocks, message content blocks). */
function prefixParts(body: Record<string, unknown>): Part[] {
  const raw: { where: string; block: unknown }[] = [];
  for (const tool of (body.tools as unknown[] | undefined) ?? []) raw.push({ where: 'tools', block: tool });
  const system = body.system;
  const systemBlocks =
    typeof system === 'string' ? [{ type: 'text', text: system }] : ((system as unknown[] | undefined) ?? []);
  for (const block of systemBlocks) raw.push({ where: 'system', block });
  for (const m of (body.messages as { role: string; content: unknown }[] | undefined) ?? []) {
    const blocks =
      typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : (m.content as unknown[]);
    for (const block of blocks) raw.push({ where: m.role, block });
  }
  let hash = createHash('sha256').update(String(body.model)).digest('hex');
  const thinking = body.thinking as { type?: string; budget_tokens?: number } | undefined;
  const thinkingKey =
    !thinking || thinking.type === 'disabled' ? 'off' : `${thinking.type}:${thinking.budget_tokens ?? ''}`;
  let inMessages = false;
  return raw.map(({ where, block }) => {
    const { value, ttl } = stripCacheControl(block);
    if (!inMessages && where !== 'tools' && where !== 'system') {
      inMessages = true;
      hash = createHash('sha256').update(hash).update(`thinking=${thinkingKey}`).digest('hex');
    }
    hash = createHash('sha256')
      .update(hash)
      .update(JSON.stringify([where, value]))
      .digest('hex');
    return { tokens: tokensOf(value), hash, breakpoint: ttl };
  });
}

/** Total input tokens of a request, as count_tokens reports it. */
export function countInputTokens(body: Record<string, unknown>): number {
  return prefixParts(body).reduce((n, p) => n + p.tokens, 0);
}

const TTL_MS = { '5m': 5 * 60_000, '1h': 60 * 60_000 } as const;

/** Remembers written prefixes (by hash, with their expiry) and computes the input side of usage per request. */
export class PrefixCache {
  /** hash → expiry time (ms of `now()`) and TTL of the entry. */
  private readonly written = new Map<string, { expiry: number; ttlMs: number }>();
  /**
   * `minCacheableTokens`: shortest cached prefix; undefined = the model's documented minimum
   * (1,024 for a model we do not know). `now`: the clock of the TTLs, in ms.
   */
  constructor(
    private readonly enabled: boolean,
    private readonly minCacheableTokens?: number,
    private readonly now: () => number = Date.now,
  ) {}

  private live(hash: string, at: number): boolean {
    const entry = this.written.get(hash);
    return entry !== undefined && entry.expiry > at;
  }

  /** Input-side usage of `body`; records the prefixes it writes and refreshes those it reads. */
  usageFor(body: Record<string, unknown>): Omit<Usage, 'output_tokens'> {
    const at = this.now();
    const parts = prefixParts(body);
    const cum: number[] = [];
    parts.reduce((n, p, i) => (cum[i] = n + p.tokens), 0);
    const total = cum.at(-1) ?? 0;
    const breakpoints = parts.flatMap((p, i) => (p.breakpoint ? [i] : []));
    const minimum = this.minCacheableTokens ?? modelFacts(String(body.model))?.minCacheableTokens ?? 1024;
    const cacheable = (i: number) => (cum[i] ?? 0) >= minimum;

    let hit = -1;
    if (this.enabled) {
      for (const b of breakpoints) {
        for (let i = b; i >= Math.max(0, b - LOOKBACK_BLOCKS); i--) {
          if (i > hit && cacheable(i) && this.live(parts[i]!.hash, at)) hit = i;
        }
      }
    }
    if (hit >= 0) {
      // A read refreshes the entry for its own TTL.
      const entry = this.written.get(parts[hit]!.hash)!;
      entry.expiry = at + entry.ttlMs;
    }
    const read = hit >= 0 ? cum[hit]! : 0;
    const creation = { '5m': 0, '1h': 0 };
    let boundary = hit;
    if (this.enabled) {
      for (const b of breakpoints) {
        if (b <= boundary || !cacheable(b)) continue;
        creation[parts[b]!.breakpoint!] += cum[b]! - (boundary >= 0 ? cum[boundary]! : 0);
        boundary = b;
        const ttlMs = TTL_MS[parts[b]!.breakpoint!];
        this.written.set(parts[b]!.hash, { expiry: at + ttlMs, ttlMs });
      }
    }
    const written = creation['5m'] + creation['1h'];
    return {
      input_tokens: total - read - written,
      cache_creation_input_tokens: written,
      cache_read_input_tokens: read,
      cache_creation: {
        ephemeral_5m_input_tokens: creation['5m'],
        ephemeral_1h_input_tokens: creation['1h'],
      },
    };
  }
}
