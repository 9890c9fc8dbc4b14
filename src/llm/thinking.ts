/**
 * How a step's calls think and how much they may write (pure). Thinking is set per model tier in
 * config (`thinking.fast|default|smart`): `off`, `adaptive`, or a token budget. What the request
 * carries depends on what the model offers (./models.ts): `{type: "adaptive"}` where the model has
 * it, else `{type: "enabled", budget_tokens}` where it has budget thinking, else nothing (an
 * unknown model: a gateway's alias or a local server). A forced tool choice never carries thinking
 * (the API refuses extended thinking with `tool_choice` `any` / `tool`).
 */
import type Anthropic from '@anthropic-ai/sdk';
import { MIN_THINKING_BUDGET, modelFacts } from './models.js';

/** A tier's thinking setting: off, adaptive (the model decides), or a budget in tokens (≥ 1,024). */
export type ThinkingSetting = 'off' | 'adaptive' | number;

export type ThinkingParam = { type: 'adaptive' } | { type: 'enabled'; budget_tokens: number };

/** The budget used for `adaptive` on a model that only has budget thinking: half the output limit, at most 16,000 tokens. */
function defaultBudget(maxTokens: number): number {
  return Math.min(16_000, Math.floor(maxTokens / 2));
}

/**
 * The `thinking` parameter for `model` under `setting` with `maxTokens` of output, or null (no
 * thinking). A budget is kept below `maxTokens` (the API requires `budget_tokens < max_tokens`);
 * when that leaves less than 1,024 tokens there is no thinking.
 */
export function thinkingParam(
  model: string,
  setting: ThinkingSetting,
  maxTokens: number,
): ThinkingParam | null {
  if (setting === 'off') return null;
  const facts = modelFacts(model);
  if (!facts) return null;
  const budget = (wanted: number): ThinkingParam | null => {
    const b = Math.min(wanted, maxTokens - 1024);
    return b >= MIN_THINKING_BUDGET ? { type: 'enabled', budget_tokens: b } : null;
  };
  if (setting === 'adaptive') {
    if (facts.thinking.adaptive) return { type: 'adaptive' };
    return facts.thinking.budget ? budget(defaultBudget(maxTokens)) : null;
  }
  if (facts.thinking.budget) return budget(setting);
  return facts.thinking.adaptive ? { type: 'adaptive' } : null;
}

/** What a step's calls write: `answer` (a result, maybe after reading) or `code` (files and tests). */
export type OutputWork = 'answer' | 'code';

/** Output tokens a call gets for its work before the model's limit and the config cap: room for thinking plus the answer or the code. */
const WORK_MAX_TOKENS: Record<OutputWork, number> = { answer: 16_000, code: 32_000 };

/**
 * `max_tokens` of a step's calls: the work's figure, at most the model's output limit (known
 * models) and at most `cap` (config limits.max_tokens_per_call; null = no cap).
 */
export function maxTokensFor(model: string, work: OutputWork, cap: number | null): number {
  const limit = modelFacts(model)?.maxOutputTokens ?? Infinity;
  return Math.min(WORK_MAX_TOKENS[work], limit, cap ?? Infinity);
}

/** The larger limit for one retry after an output cut at `maxTokens`: twice as much, within the model's limit. */
export function raisedMaxTokens(model: string, maxTokens: number): number {
  return Math.min(maxTokens * 2, modelFacts(model)?.maxOutputTokens ?? maxTokens * 2);
}

type MessageParam = Anthropic.Messages.MessageParam;

/**
 * Pure: may the next request turn thinking on? Not when the conversation is inside a tool loop
 * whose last assistant message carries tool_use without leading thinking blocks (made with thinking
 * off, e.g. a forced call): the API requires that message to start with a thinking block.
 */
export function thinkingAllowed(messages: readonly MessageParam[]): boolean {
  const last = messages.at(-1);
  const prev = messages.at(-2);
  if (!last || last.role !== 'user' || !prev || prev.role !== 'assistant' || typeof prev.content === 'string')
    return true;
  const blocks = prev.content;
  if (!blocks.some((b) => b.type === 'tool_use')) return true;
  const first = blocks[0]?.type;
  return first === 'thinking' || first === 'redacted_thinking';
}
