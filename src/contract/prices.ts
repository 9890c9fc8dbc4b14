/** `claude-exec/prices@1`: the price table in use (USD per million tokens). */
import { z } from 'zod';
import { schemaId } from './common.js';

const rate = z.number().min(0).describe('USD per million tokens');
const rates = {
  input_mtok: rate,
  output_mtok: rate,
  cache_write_5m_mtok: rate,
  cache_write_1h_mtok: rate,
  cache_read_mtok: rate,
};

export const PricesOutputSchema = z.object({
  schema: schemaId('prices'),
  source: z.string(),
  source_version: z.string(),
  generated_at: z.string(),
  pricing_version: z.string().describe('recorded with each call'),
  notes: z.array(z.string()),
  models: z.array(
    z.object({
      model: z.string(),
      ...rates,
      long_context: z.object({ ...rates, threshold_input_tokens: z.number().int() }).nullable(),
      source: z.enum(['table', 'config']),
      aliases: z.array(z.string()),
    }),
  ),
});
export type PricesOutput = z.infer<typeof PricesOutputSchema>;
