/**
 * One conversation per implementation task (the pure rules; src/llm/conversation.ts builds the
 * messages). tdd_flow_controller's conversation is kept when its run completes and is continued
 * by its next run (after a red test run or a failed gate) with a user turn carrying the failure.
 * A new task — solution_designer or test_generator ran since (the solution was approved again) —
 * starts a new conversation. The conversation is kept in the context file
 * (`task_conversation`), so a resumed chain continues it as an uninterrupted one would.
 */
import type { ChainContext } from '../chain/schema.js';
import { clearOldToolResults, continueConversation, type ClearingPolicy } from '../llm/conversation.js';
import type Anthropic from '@anthropic-ai/sdk';

/** The prompts whose runs continue one conversation per task. */
export const CONTINUED_PROMPTS: ReadonlySet<string> = new Set(['tdd_flow_controller']);

/** Prompts that begin a new implementation task: a conversation older than their last run is not continued. */
const TASK_STARTS = new Set(['solution_designer', 'test_generator']);

/**
 * Pure: the conversation a new run of `prompt` continues (its saved messages), or null when it
 * starts afresh: another prompt, no completed run yet, or a new task since.
 */
export function conversationToContinue(
  ctx: Pick<ChainContext, 'task_conversation' | 'steps'>,
  prompt: string,
): unknown[] | null {
  const kept = ctx.task_conversation;
  if (!CONTINUED_PROMPTS.has(prompt) || !kept) return null;
  if (ctx.steps.some((s) => s.n > kept.step && TASK_STARTS.has(s.prompt))) return null;
  const last = kept.messages.at(-1) as { role?: string } | undefined;
  return last?.role === 'assistant' ? kept.messages : null;
}

/**
 * Pure: the messages of the continued run: `saved` (session references dropped: a continued run
 * is sent as messages) with old tool results cleared past `policy`, then the user turn with
 * `text` that answers the result call `resultTool` that ended the last run.
 */
export function continuedMessages(
  saved: readonly unknown[],
  resultTool: string,
  text: string,
  policy: ClearingPolicy,
): Anthropic.Messages.MessageParam[] {
  const messages = saved.filter(
    (m) => (m as { role?: string }).role === 'user' || (m as { role?: string }).role === 'assistant',
  ) as Anthropic.Messages.MessageParam[];
  return continueConversation(clearOldToolResults(messages, policy), resultTool, text);
}
