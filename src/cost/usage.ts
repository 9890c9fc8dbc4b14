/**
 * Token counts of one call's usage, split by kind. Pure.
 *
 * Anthropic's `usage.input_tokens` excludes cache tokens: the prompt of a call is
 * input + cache write + cache read tokens. `cache_creation` splits the write between the
 * 5-minute and the 1-hour cache; when it is absent (or accounts for less than
 * `cache_creation_input_tokens`) the rest is taken as 5-minute writes, the API's default TTL.
 */
import type { Usage } from '../chain/schema.js';

export interface TokenCounts {
  input: number;
  output: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
}

/** Splits `usage` into the five token kinds (all in tokens, never negative). */
export function tokenCounts(usage: Usage): TokenCounts {
  const split = usage.cache_creation;
  const cacheWrite1h = split?.ephemeral_1h_input_tokens ?? 0;
  let cacheWrite5m = split?.ephemeral_5m_input_tokens ?? 0;
  const rest = (usage.cache_creation_input_tokens ?? 0) - cacheWrite5m - cacheWrite1h;
  if (rest > 0) cacheWrite5m += rest;
  return {
    input: usage.input_tokens,
    output: usage.output_tokens,
    cacheWrite5m,
    cacheWrite1h,
    cacheRead: usage.cache_read_input_tokens ?? 0,
  };
}

/** Tokens of the prompt (input + cache write + cache read), the figure long-context tiers use. */
export function promptTokens(t: TokenCounts): number {
  return t.input + t.cacheWrite5m + t.cacheWrite1h + t.cacheRead;
}
