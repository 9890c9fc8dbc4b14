import { describe, expect, it } from 'vitest';
import type { Usage } from '../../src/chain/schema.js';
import {
  buildPriceTable,
  costOfCall,
  loadPriceTable,
  priceFor,
  readBundledPrices,
} from '../../src/cost/prices.js';

const table = loadPriceTable();

function usage(input: number, output: number, w5m: number, w1h: number, read: number): Usage {
  return {
    input_tokens: input,
    output_tokens: output,
    cache_creation_input_tokens: w5m + w1h,
    cache_read_input_tokens: read,
    cache_creation: { ephemeral_5m_input_tokens: w5m, ephemeral_1h_input_tokens: w1h },
  };
}

describe('costOfCall: hand-computed figures, all five token kinds', () => {
  // USD per MTok from Anthropic's price list: input, output, 5m write, 1h write, read.
  it.each([
    // sonnet 4.5: 3, 15, 3.75, 6, 0.3 -> 1000*3 + 500*15 + 2000*3.75 + 1000*6 + 10000*0.3 = 27,000 micro-USD
    ['claude-sonnet-4-5', usage(1000, 500, 2000, 1000, 10_000), 0.027],
    // haiku 4.5: 1, 5, 1.25, 2, 0.1 -> 2000 + 5000 + 5000 + 1000 + 2000 = 15,000
    ['claude-haiku-4-5', usage(2000, 1000, 4000, 500, 20_000), 0.015],
    // opus 4.1: 15, 75, 18.75, 30, 1.5 -> 1500 + 15000 + 18750 + 60000 + 7500 = 102,750
    ['claude-opus-4-1', usage(100, 200, 1000, 2000, 5000), 0.10275],
    // a dated id resolves to its base entry
    ['claude-sonnet-4-5-20250929', usage(1000, 500, 2000, 1000, 10_000), 0.027],
    // an alias from the source's match rules: claude-3-5-haiku-20241022 -> claude-3-5-haiku-latest (0.8, 4, 1, 1.6, 0.08)
    // 1000*0.8 + 1000*4 + 1000*1 + 1000*1.6 + 1000*0.08 = 7,480
    ['claude-3-5-haiku-20241022', usage(1000, 1000, 1000, 1000, 1000), 0.00748],
  ])('%s', (model, u, expected) => {
    const { cost_usd, pricing_version } = costOfCall(u, model, table);
    expect(cost_usd).toBeCloseTo(expected, 12);
    expect(pricing_version).toBe(table.version);
  });

  it('prices all cache_creation_input_tokens at the 5-minute rate when the split is absent', () => {
    const u: Usage = {
      input_tokens: 0,
      output_tokens: 0,
      cache_creation_input_tokens: 4000,
      cache_read_input_tokens: null,
    };
    expect(costOfCall(u, 'claude-sonnet-4-5', table).cost_usd).toBeCloseTo((4000 * 3.75) / 1e6, 12);
  });

  it('uses long-context rates for the whole call only above the threshold (input + cache tokens)', () => {
    // 40,000 + 160,000 = 200,000: not above -> 40000*3 + 160000*0.3 + 1000*15 = 183,000
    expect(costOfCall(usage(40_000, 1000, 0, 0, 160_000), 'claude-sonnet-4-5', table).cost_usd).toBeCloseTo(
      0.183,
      12,
    );
    // 50,000 + 160,000 > 200,000 -> 50000*6 + 160000*0.6 + 1000*22.5 = 418,500
    expect(costOfCall(usage(50_000, 1000, 0, 0, 160_000), 'claude-sonnet-4-5', table).cost_usd).toBeCloseTo(
      0.4185,
      12,
    );
    // cache writes count toward the threshold: 1000 + 199,500 (5m) + 500 (1h) > 200,000
    // -> 1000*6 + 199500*7.5 + 500*12 = 1,508,250
    expect(costOfCall(usage(1000, 0, 199_500, 500, 0), 'claude-sonnet-4-5', table).cost_usd).toBeCloseTo(
      1.50825,
      12,
    );
  });

  it('an unknown model is unpriced (null), never $0', () => {
    expect(priceFor(table, 'llama3.1:8b')).toBeNull();
    expect(costOfCall(usage(10, 10, 0, 0, 0), 'llama3.1:8b', table).cost_usd).toBeNull();
    expect(priceFor(table, 'claude-sonnet-9-9-20300101')).toBeNull();
  });
});

describe('buildPriceTable with config overrides', () => {
  const data = readBundledPrices();

  it("adds a model, deriving missing cache rates by Anthropic's rule, and marks the version", () => {
    const t = buildPriceTable(data, { 'llama3.1:8b': { input_mtok: 1, output_mtok: 2 } });
    expect(priceFor(t, 'llama3.1:8b')).toMatchObject({
      cache_write_5m_mtok: 1.25,
      cache_write_1h_mtok: 2,
      cache_read_mtok: 0.1,
      source: 'config',
    });
    // 1e6*1 + 1e6*2 + 1e6*1.25 + 1e6*2 + 1e6*0.1 = 6.35
    const r = costOfCall(usage(1e6, 1e6, 1e6, 1e6, 1e6), 'llama3.1:8b', t);
    expect(r.cost_usd).toBeCloseTo(6.35, 10);
    expect(r.pricing_version).toMatch(/\+config$/);
  });

  it('replaces a table entry, dropping its long-context tier', () => {
    const t = buildPriceTable(data, {
      'claude-sonnet-4-5': { input_mtok: 10, output_mtok: 20, cache_read_mtok: 0 },
    });
    expect(costOfCall(usage(300_000, 0, 0, 0, 0), 'claude-sonnet-4-5-20250929', t).cost_usd).toBeCloseTo(
      3,
      10,
    );
  });

  it('records the source and its date', () => {
    expect(table.generatedAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(table.source).toContain('genai-prices');
    expect(table.version).toContain(table.generatedAt);
  });
});
