/**
 * The cache-aware tier choice (config `tier_policy`). Pure: estimates in, a model out.
 *
 * A prompt declared on a cheaper tier than the chain's (`fast` while most calls run on `default`)
 * saves on its own tokens, but its model has its own prompt cache: when that cache holds nothing
 * yet, the step's first call writes the whole prefix (tools and system, about 8,000 tokens with the
 * built-in library) at the cache-write rate, where the chain's model would have read it at a tenth
 * of the input rate. The step moves to the chain's model when that write costs more than the
 * cheaper tier saves on the step's expected calls; otherwise it runs where it was declared.
 * Rates come from the price table (config `prices`); tokens are the caller's estimates.
 */
import { priceFor, type PriceTable } from './prices.js';

/** What a step is expected to send and receive, and where the cache stands. Tokens are estimates. */
export interface StepEstimate {
  /** Tokens of the cached prefix (tools and system). */
  prefixTokens: number;
  /** Tokens of the step's first message (its instructions and the chain's memory). */
  messageTokens: number;
  /** Calls the step is expected to make (1 for a step without tools). */
  calls: number;
  /** Output tokens expected per call (thinking included). */
  outputPerCall: number;
  /** TTL the prefix is written with: `1h` costs 2× base input, `5m` 1.25×. */
  prefixTtl: '5m' | '1h';
}

export interface TierChoice {
  model: string;
  /** Why, in one sentence (for the chain's log). */
  reason: string;
  /** Estimated USD of the step on each model (null when one of them has no price). */
  declaredUsd: number | null;
  chainUsd: number | null;
}

/**
 * Estimated USD of a step on `model`: the prefix written once (`warm` false) or read (`warm`
 * true) on its first call and read on every later one; the first message written once and read
 * on later calls; the output. Null when the model has no price.
 */
export function stepCostUsd(
  model: string,
  warm: boolean,
  e: StepEstimate,
  prices: PriceTable,
): number | null {
  const p = priceFor(prices, model);
  if (!p) return null;
  const write = e.prefixTtl === '1h' ? p.cache_write_1h_mtok : p.cache_write_5m_mtok;
  const later = Math.max(0, e.calls - 1);
  const prefix =
    (warm ? p.cache_read_mtok : write) * e.prefixTokens + later * p.cache_read_mtok * e.prefixTokens;
  const message = p.cache_write_5m_mtok * e.messageTokens + later * p.cache_read_mtok * e.messageTokens;
  const output = e.calls * e.outputPerCall * p.output_mtok;
  return (prefix + message + output) / 1e6;
}

/**
 * The model a step runs on: `declared` (its tier's model) unless that is another model than the
 * chain's, its cache is cold (`declaredWarm` false) and the step is estimated to cost more there
 * than on `chain` (warm) — then `chain`. A declared model that is dearer than the chain's (the
 * smart tier, chosen for quality) always stays. Unpriced models stay as declared.
 */
export function chooseStepModel(
  declared: string,
  chain: string,
  declaredWarm: boolean,
  e: StepEstimate,
  prices: PriceTable,
): TierChoice {
  if (declared === chain)
    return { model: declared, reason: 'declared tier is the chain tier', declaredUsd: null, chainUsd: null };
  const declaredUsd = stepCostUsd(declared, declaredWarm, e, prices);
  const chainUsd = stepCostUsd(chain, true, e, prices);
  const dp = priceFor(prices, declared);
  const cp = priceFor(prices, chain);
  if (declaredUsd === null || chainUsd === null || !dp || !cp)
    return { model: declared, reason: 'a model has no price', declaredUsd, chainUsd };
  if (dp.output_mtok >= cp.output_mtok)
    return { model: declared, reason: 'declared tier is not the cheaper one', declaredUsd, chainUsd };
  if (declaredWarm)
    return { model: declared, reason: `${declared} has the prefix cached`, declaredUsd, chainUsd };
  return chainUsd < declaredUsd
    ? {
        model: chain,
        reason: `writing the prefix to ${declared}'s empty cache costs more than the cheaper tier saves on this step`,
        declaredUsd,
        chainUsd,
      }
    : { model: declared, reason: 'the cheaper tier pays for its prefix write', declaredUsd, chainUsd };
}
