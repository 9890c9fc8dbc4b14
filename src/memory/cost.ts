/**
 * The chain's cost figures as prompts see them (pure): one line in every memory, and the full
 * table as the `{{cost}}` variable of the prompts about cost (cost_monitor, status_reporter, …).
 * Figures come from `cost_tracking`, which always equals the sum of `calls[]`.
 */
import type { ChainContext } from '../chain/schema.js';

const usd = (n: number) => `$${n.toFixed(4)}`;
const int = (n: number) => n.toLocaleString('en-US');

function top(map: Record<string, number>, n: number): string {
  const rows = Object.entries(map).sort((a, b) => b[1] - a[1]);
  const shown = rows.slice(0, n).map(([k, v]) => `${k} ${usd(v)}`);
  return rows.length > n ? `${shown.join(', ')}, and ${rows.length - n} more` : shown.join(', ') || '(none)';
}

/** One line: cost, calls, tokens by kind. */
export function costLine(ctx: Pick<ChainContext, 'cost_tracking' | 'calls'>): string {
  const t = ctx.cost_tracking;
  const unpriced = t.unpriced_calls ? ` (+${t.unpriced_calls} unpriced calls)` : '';
  return (
    `${usd(t.estimated_cost)}${unpriced} over ${ctx.calls.length} calls · ${int(t.tokens_used)} tokens ` +
    `(input ${int(t.input_tokens)}, output ${int(t.output_tokens)}, cache write ${int(t.cache_write_tokens)}, cache read ${int(t.cache_read_tokens)})`
  );
}

/**
 * The `{{cost}}` variable: totals, the budget and what is left of it, the cache-read share of
 * prompt tokens, and cost by phase, by prompt (most expensive 8) and by model.
 */
export function renderCost(
  ctx: Pick<ChainContext, 'cost_tracking' | 'calls' | 'max_cost_usd' | 'steps'>,
): string {
  const t = ctx.cost_tracking;
  const promptTokens = t.input_tokens + t.cache_write_tokens + t.cache_read_tokens;
  const lines = [`- total: ${costLine(ctx)}`];
  if (ctx.max_cost_usd !== null)
    lines.push(
      `- budget (--max-cost): ${usd(ctx.max_cost_usd)}; left: ${usd(Math.max(0, ctx.max_cost_usd - t.estimated_cost))}`,
    );
  else lines.push('- budget: none set (--max-cost)');
  if (promptTokens > 0)
    lines.push(`- cache reads: ${((t.cache_read_tokens / promptTokens) * 100).toFixed(1)}% of prompt tokens`);
  lines.push(
    `- steps: ${ctx.steps.length}; calls per step: ${ctx.steps.length ? (ctx.calls.length / ctx.steps.length).toFixed(1) : '0'}`,
  );
  lines.push(`- by phase: ${top(t.by_phase, 6)}`);
  lines.push(`- by prompt: ${top(t.by_prompt, 8)}`);
  lines.push(`- by model: ${top(t.by_model, 3)}`);
  return lines.join('\n');
}
