/**
 * `prices`: the price table in use (bundled table + config overrides), with its source and date.
 * `--json` shape: PriceListing.
 */
import { loadStoredConfig } from '../../config/load.js';
import { loadPriceTable, type ModelPrice } from '../../cost/prices.js';

export interface PriceListing {
  version: 1;
  source: string;
  source_version: string;
  generated_at: string;
  /** Recorded with each call as `pricing_version`. */
  pricing_version: string;
  notes: string[];
  /** Sorted by id; rates in USD per million tokens. */
  models: (ModelPrice & { aliases: string[] })[];
}

/** The table for `workspace` (its config's `prices` overrides applied). Throws ConfigError for a bad config. */
export function listPrices(workspace: string): PriceListing {
  const table = loadPriceTable(loadStoredConfig(workspace).config.prices);
  const aliases = new Map<string, string[]>();
  for (const [alias, id] of Object.entries(table.aliases))
    aliases.set(id, [...(aliases.get(id) ?? []), alias]);
  return {
    version: 1,
    source: table.source,
    source_version: table.sourceVersion,
    generated_at: table.generatedAt,
    pricing_version: table.version,
    notes: table.notes,
    models: Object.values(table.models)
      .map((m) => ({ ...m, aliases: (aliases.get(m.model) ?? []).sort() }))
      .sort((a, b) => a.model.localeCompare(b.model)),
  };
}
