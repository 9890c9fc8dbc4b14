/**
 * One conversation per implementation task (pure). A red test run or a failed quality gate does
 * not start tdd_flow_controller over: the conversation of its last run goes on with a new user
 * turn carrying the failure, so what the model read, tried and why it failed stays in view.
 *
 * The new turn answers the result-tool call that ended the last run (a tool_use must be answered
 * by a tool_result in the next message) and then carries the failure as text. Earlier assistant
 * messages, their thinking blocks included, come back exactly as they were received.
 *
 * Growth is bounded by clearing old tool results (as the API's context editing
 * `clear_tool_uses` does, here in the request itself so every backend and the fake see the same):
 * past `triggerTokens`, the content of every tool_result but the last `keep` is replaced by a
 * short placeholder; the tool_use / tool_result pairs stay, so the conversation stays valid.
 */
import type Anthropic from '@anthropic-ai/sdk';

type MessageParam = Anthropic.Messages.MessageParam;
type ContentBlockParam = Anthropic.Messages.ContentBlockParam;
type ToolResultBlockParam = Anthropic.Messages.ToolResultBlockParam;

/** Starts the user turn that continues a conversation with a new failure (recognized on resume). */
export const ITERATION_PREFIX = 'Next iteration:';

/** What a cleared tool result says instead of its content. */
export const CLEARED_RESULT =
  '[cleared to keep the conversation short: call the tool again if you still need this]';

const blocksOf = (m: MessageParam | undefined): readonly ContentBlockParam[] =>
  !m || typeof m.content === 'string' ? [] : m.content;

function isIterationTurn(m: MessageParam): boolean {
  if (m.role !== 'user') return false;
  return blocksOf(m).some((b) => b.type === 'text' && b.text.startsWith(ITERATION_PREFIX));
}

/**
 * Index of the first message of the current run in `messages`: just after the newest user turn
 * that continued the conversation (so that run's turns, corrections and tool calls are counted
 * from there), or 0 for a conversation that was never continued.
 */
export function currentRunStart(messages: readonly MessageParam[]): number {
  for (let i = messages.length - 1; i >= 0; i--) if (isIterationTurn(messages[i]!)) return i;
  return 0;
}

/**
 * `messages` (a finished run: its last message is the assistant's result-tool call) continued by
 * one user turn: a tool_result for each tool_use of that last message (`Recorded.` for the result
 * tool `resultTool`, "not run" for any other), then `text` prefixed with ITERATION_PREFIX. Returns
 * a new list; `messages` is not changed. Throws `Error` when the last message is not the
 * assistant's (the run did not finish).
 */
export function continueConversation(
  messages: readonly MessageParam[],
  resultTool: string,
  text: string,
): MessageParam[] {
  const last = messages.at(-1);
  if (!last || last.role !== 'assistant')
    throw new Error('a conversation continues only after the assistant message that ended its run');
  const answers: ToolResultBlockParam[] = blocksOf(last).flatMap((b) =>
    b.type === 'tool_use'
      ? [
          {
            type: 'tool_result' as const,
            tool_use_id: b.id,
            content: b.name === resultTool ? 'Recorded.' : 'Not run: the run ended with its result.',
          },
        ]
      : [],
  );
  return [
    ...structuredClone(messages as MessageParam[]),
    { role: 'user', content: [...answers, { type: 'text', text: `${ITERATION_PREFIX} ${text}` }] },
  ];
}

/** Estimated tokens of messages: UTF-16 length of their JSON / 4, rounded up (the rule of ../llm/layout.ts). */
function estimateMessageTokens(messages: readonly MessageParam[]): number {
  return Math.ceil(JSON.stringify(messages).length / 4);
}

export interface ClearingPolicy {
  /** Clear once the messages pass this many estimated tokens. */
  triggerTokens: number;
  /** The newest tool results kept whole. */
  keep: number;
}

/**
 * Pure: `messages` with the content of old tool results replaced by CLEARED_RESULT once they
 * pass `policy.triggerTokens` estimated tokens: every tool_result but the newest `policy.keep`,
 * all at once (one cache rewrite rather than one per turn). Results already cleared or shorter
 * than the placeholder stay. Returns `messages` itself when nothing is cleared.
 */
export function clearOldToolResults(
  messages: readonly MessageParam[],
  policy: ClearingPolicy,
): readonly MessageParam[] {
  if (estimateMessageTokens(messages) <= policy.triggerTokens) return messages;
  const positions: [number, number][] = [];
  messages.forEach((m, i) =>
    blocksOf(m).forEach((b, j) => b.type === 'tool_result' && positions.push([i, j])),
  );
  const clear = positions.slice(0, Math.max(0, positions.length - policy.keep)).filter(([i, j]) => {
    const b = blocksOf(messages[i])[j] as ToolResultBlockParam;
    return JSON.stringify(b.content ?? '').length > CLEARED_RESULT.length + 2;
  });
  if (clear.length === 0) return messages;
  const out = messages.map((m) =>
    typeof m.content === 'string' ? m : ({ ...m, content: [...m.content] } as MessageParam),
  );
  for (const [i, j] of clear) {
    const blocks = out[i]!.content as ContentBlockParam[];
    blocks[j] = { ...(blocks[j] as ToolResultBlockParam), content: CLEARED_RESULT };
  }
  return out;
}
