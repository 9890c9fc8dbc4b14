/**
 * Where a Claude Code step starts: a new session, or the continuation of an interrupted one
 * (a crash, Ctrl-C, a gate that paused the chain). The saved conversation (../transcript.ts)
 * ends with the last completed call's assistant message; as the API backend does, its tool calls
 * are run now (a gate answered since then takes effect here) and their results are what the
 * resumed session is sent, at the entry where that message ended. No completed call is made
 * again. Without a session (the step began on the API backend, or the session is gone) the step
 * restarts in a new session that is shown what the saved conversation already did.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { noResult, spentIn } from '../agent-loop.js';
import { handleTurn, toolUses } from '../tool-turn.js';
import { saveTranscript, splitTranscript, type SessionRef } from '../transcript.js';
import { ITERATION_PREFIX } from '../conversation.js';
import type { RunHooks, StructuredRunSpec } from '../types.js';

type MessageParam = Anthropic.Messages.MessageParam;
type Block = {
  type?: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: unknown;
  is_error?: boolean;
};

interface Spent {
  turns: number;
  corrections: number;
  /** Workspace tool calls already made in the step. */
  toolCalls: number;
}

export type StartPoint<T> =
  | { kind: 'fresh' }
  /** The saved conversation already ends with a valid result: no call is needed. */
  | { kind: 'done'; value: T; saved: unknown[] }
  /** Continue `session`, sending it the last of `messages` (tool results or a correction). */
  | ({ kind: 'resume'; session: SessionRef; messages: MessageParam[] } & Spent)
  /** A new session whose first message is `prompt`: the instructions and what was already done. */
  | ({ kind: 'replay'; prompt: string } & Spent);

const blocksOf = (m: MessageParam | undefined): Block[] =>
  !m ? [] : typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : (m.content as Block[]);
const textOf = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? (content as Block[]).map((b) => b.text ?? '').join('')
      : '';

/** Starts the part of a replay prompt that lists what the step already did. */
export const REPLAY_HEADING = '## Already done in this step';

/** Most characters of one tool result repeated in a replay prompt. */
const REPLAY_RESULT_CHARS = 4000;

/**
 * Pure: the first message of a new session that continues `messages`: their first user message
 * (the step's instructions) and every tool call made so far with its result.
 */
export function replayPrompt(
  spec: StructuredRunSpec<unknown>,
  messages: readonly MessageParam[],
  spentSoFar: Spent,
): Extract<StartPoint<never>, { kind: 'replay' }> {
  const instructions =
    blocksOf(messages[0])
      .map((b) => b.text ?? '')
      .join('') || spec.instructions;
  const uses = new Map<string, { block: Block; turn: number }>();
  const lines: string[] = [];
  let turn = 0;
  for (const m of messages) {
    if (m.role === 'assistant') turn++;
    for (const b of blocksOf(m)) {
      if (b.type === 'tool_use' && b.id) uses.set(b.id, { block: b, turn });
      if (b.type !== 'tool_result') continue;
      const use = uses.get(b.tool_use_id ?? '');
      const text = textOf(b.content);
      const shown =
        text.length > REPLAY_RESULT_CHARS
          ? `${text.slice(0, REPLAY_RESULT_CHARS)}\n[cut at ${REPLAY_RESULT_CHARS} characters]`
          : text;
      lines.push(
        `### Turn ${use?.turn ?? '?'}: ${use?.block.name ?? 'tool'} ${JSON.stringify(use?.block.input ?? {})}${b.is_error ? ' (error)' : ''}\n${shown}`,
      );
    }
  }
  const base = {
    kind: 'replay' as const,
    turns: spentSoFar.turns,
    corrections: spentSoFar.corrections,
    toolCalls: spentSoFar.toolCalls,
  };
  // A conversation continued with a new failure (../conversation.ts): the failures, in order, last.
  const failures = messages.flatMap((m) =>
    m.role === 'user'
      ? blocksOf(m)
          .filter((b) => b.type === 'text' && (b.text ?? '').startsWith(ITERATION_PREFIX))
          .map((b) => b.text!)
      : [],
  );
  const then = failures.length ? `\n\n${failures.join('\n\n')}` : '';
  if (lines.length === 0) return { ...base, prompt: instructions + then };
  const done =
    `\n\n${REPLAY_HEADING}\nThis step was interrupted and continues in a new session. ` +
    'These tool calls were made, turn by turn, and returned what follows; do not make them again:' +
    `\n\n${lines.join('\n\n')}\n\nContinue the step from here.`;
  return { ...base, prompt: instructions + done + then };
}

/**
 * Decides where `spec` starts. Runs the pending tool calls of a saved conversation (which may
 * throw what a tool throws, e.g. `AwaitingInputError` when a gate still waits) and throws
 * `StepFailedError` when that uses up the corrections.
 */
export async function planResume<T>(spec: StructuredRunSpec<T>, hooks: RunHooks): Promise<StartPoint<T>> {
  if (!spec.resumeMessages) return { kind: 'fresh' };
  const { session, messages: saved } = splitTranscript(spec.resumeMessages);
  const messages = structuredClone(saved);
  const { turns, corrections: before, toolCalls: made } = spentIn(messages, spec);
  let corrections = before;
  let toolCalls = made;
  const last = messages.at(-1);
  if (last?.role === 'assistant') {
    const uses = toolUses(blocksOf(last));
    if (uses.length === 0) {
      if (++corrections > spec.maxCorrections) throw noResult(spec, 'did not call any tool');
      messages.push({
        role: 'user',
        content: [{ type: 'text', text: `Call ${spec.result.name} now to finish this step.` }],
      });
    } else {
      const outcome = await handleTurn(uses, spec, hooks);
      if (outcome.kind === 'result')
        return { kind: 'done', value: outcome.value, saved: saveTranscript(messages, session) };
      toolCalls += outcome.toolCalls;
      if ((outcome.resultRejected || outcome.misdirected) && ++corrections > spec.maxCorrections)
        throw noResult(
          spec,
          outcome.resultRejected ? 'gave invalid input' : 'called tools that are not available in this step',
          outcome.resultRejected ?? undefined,
        );
      messages.push({ role: 'user', content: outcome.toolResults });
    }
  }
  if (session) return { kind: 'resume', session, messages, turns, corrections, toolCalls };
  return replayPrompt(spec, messages, { turns, corrections, toolCalls });
}
