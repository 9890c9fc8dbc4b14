/** `claude-exec/estimate@1`: `claude-exec "task" --estimate` — the forecast, no chain started. */
import { z } from 'zod';
import { ForecastSchema } from '../chain/schema.js';
import { schemaId } from './common.js';

export const EstimateOutputSchema = z.object({
  schema: schemaId('estimate'),
  goal: z.string(),
  model: z.string().describe('the default-tier model the chain would use'),
  pattern: z
    .object({ name: z.string(), similarity: z.number().min(0).max(1) })
    .nullable()
    .describe('the saved pattern the task matches (or --pattern); its chains count as matching history'),
  forecast: ForecastSchema.describe(
    'median and 80% prediction interval of cost (USD), calls and model time (ms), and what they rest on',
  ),
});
