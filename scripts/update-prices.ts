/**
 * Regenerates src/cost/prices.json from @pydantic/genai-prices (run by hand: `npx tsx scripts/update-prices.ts`).
 * The runtime never imports that package (800 KB, start-up matters); it reads the JSON written here.
 *
 * genai-prices keys (USD per million tokens): input_mtok, output_mtok, cache_write_mtok (the 5-minute
 * write), cache_write_1h_mtok, cache_read_mtok; a value is a number or { base, tiers: [{ start, price }] },
 * where a tier applies to the whole request once its total input (genai-prices counts cache tokens as
 * input) exceeds `start`. A model's `prices` may be a list of dated variants; we take the one in force today.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { findProvider, type MatchLogic, type ModelInfo, type ModelPrice } from '@pydantic/genai-prices';

type Rate = number | { base: number; tiers: { start: number; price: number }[] } | undefined;

const KEYS = {
  input_mtok: 'input_mtok',
  output_mtok: 'output_mtok',
  cache_write_5m_mtok: 'cache_write_mtok',
  cache_write_1h_mtok: 'cache_write_1h_mtok',
  cache_read_mtok: 'cache_read_mtok',
} as const;
type OurKey = keyof typeof KEYS;

/** Anthropic's documented multipliers of the base input price (prompt-caching#pricing). */
const RULE: Partial<Record<OurKey, number>> = {
  cache_write_5m_mtok: 1.25,
  cache_write_1h_mtok: 2,
  cache_read_mtok: 0.1,
};

const round = (n: number) => Math.round(n * 1e6) / 1e6;

function pricesInForce(model: ModelInfo, now: Date): ModelPrice {
  if (!Array.isArray(model.prices)) return model.prices;
  for (let i = model.prices.length - 1; i >= 0; i--) {
    const variant = model.prices[i]!;
    const c = variant.constraint;
    if (!c || (c.type === 'start_date' && now >= new Date(c.start_date))) return variant.prices;
  }
  return model.prices[0]!.prices;
}

function aliasesOf(match: MatchLogic, id: string, out = new Set<string>()): Set<string> {
  if ('or' in match) match.or.forEach((m) => aliasesOf(m, id, out));
  else if ('equals' in match) out.add(match.equals);
  else if ('starts_with' in match && /^claude-[a-z0-9-]+[a-z0-9]$/.test(match.starts_with))
    out.add(match.starts_with);
  out.delete(id);
  return out;
}

const now = new Date();
const provider = findProvider({ providerId: 'anthropic' });
if (!provider) throw new Error('genai-prices has no anthropic provider');
const pkgUrl = new URL('../node_modules/@pydantic/genai-prices/package.json', import.meta.url);
const pkg = JSON.parse(readFileSync(pkgUrl, 'utf8')) as { version: string };

const derived: string[] = [];
const models: Record<string, unknown> = {};
for (const model of provider.models) {
  const raw = pricesInForce(model, now) as Record<string, Rate>;
  const base: Record<string, number> = {};
  const long: Record<string, number> = {};
  let threshold: number | undefined;
  for (const [ours, theirs] of Object.entries(KEYS) as [OurKey, string][]) {
    const rate = raw[theirs];
    if (typeof rate === 'number') base[ours] = rate;
    else if (rate) {
      base[ours] = rate.base;
      const tier = rate.tiers[rate.tiers.length - 1];
      if (tier) {
        threshold = tier.start;
        long[ours] = tier.price;
      }
    }
  }
  if (base.input_mtok === undefined || base.output_mtok === undefined) continue;
  for (const [key, factor] of Object.entries(RULE) as [OurKey, number][]) {
    if (base[key] === undefined) {
      base[key] = round(base.input_mtok * factor);
      derived.push(`${model.id}.${key}`);
    }
    if (threshold !== undefined && long[key] === undefined && long.input_mtok !== undefined) {
      long[key] = round(long.input_mtok * factor);
      derived.push(`${model.id}.long_context.${key}`);
    }
  }
  const aliases = [...aliasesOf(model.match, model.id)].sort();
  models[model.id] = {
    ...base,
    ...(threshold !== undefined ? { long_context: { threshold_input_tokens: threshold, ...long } } : {}),
    ...(aliases.length ? { aliases } : {}),
  };
}

const table = {
  source: `@pydantic/genai-prices (provider "anthropic"; ${provider.pricing_urls?.join(', ') ?? ''})`,
  source_version: pkg.version,
  generated_at: now.toISOString().slice(0, 10),
  notes: [
    "USD per million tokens. cache_write_5m_mtok is genai-prices' cache_write_mtok (the 5-minute cache write).",
    'long_context applies to the whole call when input + cache write + cache read tokens exceed threshold_input_tokens.',
    'Dated price variants: the variant in force on generated_at was taken.',
    `Derived by Anthropic's rule (5m write = 1.25x input, 1h write = 2x input, read = 0.1x input) where the source has no price: ${derived.length ? derived.join(', ') : 'none'}.`,
    "Aliases come from the source's exact and prefix match rules; ids with a -YYYYMMDD suffix resolve to their base entry at runtime.",
  ],
  models,
};
const out = new URL('../src/cost/prices.json', import.meta.url);
writeFileSync(out, `${JSON.stringify(table, null, 2)}\n`);
console.log(`wrote ${Object.keys(models).length} models to ${out.pathname}`);
