/**
 * What the Messages API documents per model family, for the requests we build and for the local
 * server that checks them (src/demo/rules.ts). Pure data and lookups.
 *
 * Sources (Anthropic docs, models overview, extended and adaptive thinking, prompt caching):
 * - max output: Opus 4.6 and Sonnet 4.6 128K; Opus 4.5, Sonnet 4.5, Haiku 4.5, Sonnet 4 and
 *   Sonnet 3.7 64K; Opus 4 and 4.1 32K; Haiku 3.5 8,192; Haiku 3 4,096.
 * - thinking: `{type: "adaptive"}` on Opus 4.6, Sonnet 4.6 and Opus 4.7 (on 4.7 the only mode);
 *   `{type: "enabled", budget_tokens}` on the Claude 4 family and Sonnet 3.7 (deprecated on 4.6).
 * - shortest cacheable prefix: 4,096 tokens on Opus 4.5/4.6 and Haiku 4.5; 2,048 on Sonnet 4.6,
 *   Haiku 3.5 and Haiku 3; 1,024 on the others.
 * A model id is matched by family prefix (`claude-sonnet-4-6-20260101` is Sonnet 4.6). Unknown
 * models (a gateway's alias, a local model) get no limit and no thinking.
 */

export interface ModelFacts {
  /** Largest `max_tokens` the API accepts, in tokens. */
  maxOutputTokens: number;
  /** Thinking modes the API accepts for the model. */
  thinking: { adaptive: boolean; budget: boolean };
  /** Shortest prefix that is cached, in tokens. */
  minCacheableTokens: number;
}

const K = 1024;
const FAMILIES: [string, ModelFacts][] = [
  [
    'claude-opus-4-7',
    { maxOutputTokens: 128_000, thinking: { adaptive: true, budget: false }, minCacheableTokens: 2 * K },
  ],
  [
    'claude-opus-4-6',
    { maxOutputTokens: 128_000, thinking: { adaptive: true, budget: true }, minCacheableTokens: 4 * K },
  ],
  [
    'claude-sonnet-4-6',
    { maxOutputTokens: 128_000, thinking: { adaptive: true, budget: true }, minCacheableTokens: 2 * K },
  ],
  [
    'claude-opus-4-5',
    { maxOutputTokens: 64_000, thinking: { adaptive: false, budget: true }, minCacheableTokens: 4 * K },
  ],
  [
    'claude-sonnet-4-5',
    { maxOutputTokens: 64_000, thinking: { adaptive: false, budget: true }, minCacheableTokens: K },
  ],
  [
    'claude-haiku-4-5',
    { maxOutputTokens: 64_000, thinking: { adaptive: false, budget: true }, minCacheableTokens: 4 * K },
  ],
  [
    'claude-opus-4-1',
    { maxOutputTokens: 32_000, thinking: { adaptive: false, budget: true }, minCacheableTokens: K },
  ],
  [
    'claude-opus-4',
    { maxOutputTokens: 32_000, thinking: { adaptive: false, budget: true }, minCacheableTokens: K },
  ],
  [
    'claude-sonnet-4',
    { maxOutputTokens: 64_000, thinking: { adaptive: false, budget: true }, minCacheableTokens: K },
  ],
  [
    'claude-3-7-sonnet',
    { maxOutputTokens: 64_000, thinking: { adaptive: false, budget: true }, minCacheableTokens: K },
  ],
  [
    'claude-3-5-haiku',
    { maxOutputTokens: 8192, thinking: { adaptive: false, budget: false }, minCacheableTokens: 2 * K },
  ],
  [
    'claude-3-haiku',
    { maxOutputTokens: 4096, thinking: { adaptive: false, budget: false }, minCacheableTokens: 2 * K },
  ],
];

/** The documented facts of `model` (by family prefix, longest first), or null for an unknown model. */
export function modelFacts(model: string): ModelFacts | null {
  for (const [family, facts] of FAMILIES) {
    if (model === family || model.startsWith(`${family}-`)) return facts;
  }
  return null;
}

/** Smallest `budget_tokens` the API accepts (extended thinking docs). */
export const MIN_THINKING_BUDGET = 1024;
