/**
 * `claude-exec "task" --estimate`: the forecast of a chain for the task (src/app/forecast.ts)
 * without starting it — no chain file, no model call, no API key needed.
 */
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { loadPriceTable } from '../cost/prices.js';
import { UsageError } from '../errors.js';
import { loadLibrary } from '../library/load.js';
import { forecastFor, type Forecast } from './forecast.js';

/**
 * Forecasts `goal` in `workspace` from the chains in `contextsDir`; `model` (--model) replaces the
 * config's default tier. Throws UsageError for an empty task, ConfigError for a bad config.
 */
export async function estimateTask(goal: string, workspace: string, contextsDir: string, model?: string): Promise<{ goal: string; model: string; forecast: Forecast }> {
  if (!goal.trim()) throw new UsageError('the task is empty', 'Usage: claude-exec "Add JWT authentication to my Express app" --estimate');
  const { config } = loadConfig(workspace);
  const { catalog } = await loadLibrary({ workspace, extraDirs: config.prompt_dirs.map((d) => path.resolve(workspace, d)) });
  const chosen = model ?? config.model ?? config.models.default;
  return { goal: goal.trim(), model: chosen, forecast: await forecastFor(goal, [contextsDir], { catalog, model: chosen, prices: loadPriceTable(config.prices) }) };
}
