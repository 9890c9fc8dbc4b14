/**
 * `claude-exec "task" --estimate`: the forecast of a chain for the task (src/features/learning/forecast.ts)
 * without starting it — no chain file, no model call, no API key needed.
 */
import path from 'node:path';
import { loadConfig } from '../../config/load.js';
import { isTrusted } from '../../config/trustStore.js';
import { loadPriceTable } from '../../cost/prices.js';
import { UsageError } from '../../errors.js';
import { loadLibrary } from '../../library/load.js';
import { matchPatterns } from '../../patterns/apply.js';
import { loadPatterns } from '../../patterns/file.js';
import { findPattern } from '../../patterns/manage.js';
import { forecastFor, forecastWorkflow, type Forecast } from './forecast.js';
import { workflowForChain } from '../library/workflows.js';

/**
 * Forecasts `goal` in `workspace` from the chains in `contextsDir`; `model` (--model) replaces the
 * config's default tier; `patternFlag` is --pattern NAME / --no-pattern (default: the best match);
 * `workflow` is --workflow NAME (default: feature). Throws UsageError for an empty task, an unknown
 * pattern or workflow, ConfigError for a bad config.
 */
export async function estimateTask(
  goal: string,
  workspace: string,
  contextsDir: string,
  model?: string,
  patternFlag?: string | false,
  workflow?: string,
): Promise<{
  goal: string;
  model: string;
  pattern: { name: string; similarity: number } | null;
  forecast: Forecast;
}> {
  if (!goal.trim())
    throw new UsageError(
      'the task is empty',
      'Usage: claude-exec "Add JWT authentication to my Express app" --estimate',
    );
  // No call is made: the workspace's own files count only when already trusted (never asks).
  const trusted = isTrusted(workspace);
  const { config } = loadConfig(workspace, process.env, { trusted });
  const { catalog } = await loadLibrary({
    workspace,
    extraDirs: config.prompt_dirs.map((d) => path.resolve(workspace, d)),
    workspaceLayer: trusted,
  });
  const chosen = model ?? config.model ?? config.models.default;
  // The pattern the chain would match (or the one named with --pattern; none with --no-pattern).
  let pattern: { name: string; source_uid: string; similarity: number } | undefined;
  if (patternFlag !== false) {
    const { patterns } = await loadPatterns(workspace, { workspaceLayer: trusted });
    const doc =
      typeof patternFlag === 'string'
        ? findPattern(patterns, patternFlag)
        : matchPatterns(goal, patterns)[0]?.pattern;
    if (doc)
      pattern = {
        name: doc.name,
        source_uid: doc.source.chain_uid,
        similarity: matchPatterns(goal, [doc], 0)[0]?.similarity ?? 0,
      };
  }
  const run = await workflowForChain(workspace, catalog, workflow, trusted);
  const forecast = await forecastFor(goal, [contextsDir], {
    catalog,
    model: chosen,
    prices: loadPriceTable(config.prices),
    pattern,
    workflow: forecastWorkflow(run),
    secondOpinion: config.quality_gates.second_opinion !== null,
  });
  return {
    goal: goal.trim(),
    model: chosen,
    pattern: pattern ? { name: pattern.name, similarity: pattern.similarity } : null,
    forecast,
  };
}
