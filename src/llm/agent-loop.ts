/**
 * The bounded agent loop behind `LlmClient.runStructured`, independent of the transport: `send`
 * makes one Messages API call. Ends when the model calls the step's result tool with valid input.
 *
 * Tool choice: `auto` with the step's thinking on every call while agent turns remain, so the
 * model can reason before it acts; thinking blocks stay in the conversation unchanged. A turn
 * that ends in text gets one reminder; a second one, or the last allowed turn, forces the result
 * tool, and a forced call never thinks (the API refuses thinking with a forced tool).
 *
 * `stop_reason`: `tool_use` / `end_turn` as above; `max_tokens` with an unfinished tool call
 * runs nothing of that turn, tells the model its output was cut and how to write in parts, and
 * raises `max_tokens` once; `refusal` ends the step (StepFailedError naming it); `pause_turn`
 * sends the conversation back as it is so the model continues.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { StepFailedError } from '../errors.js';
import type { LlmCallResult, RunHooks, StructuredRunResult, StructuredRunSpec } from './types.js';
import {
  agentToolDefinitions,
  buildRequest,
  buildTools,
  estimateInputTokens,
  RESULT_TOOLS,
  type LaidOutRequest,
} from './layout.js';
import { classifyUses, handleTurn, toolUses, type ToolUseBlock } from './tool-turn.js';
import { splitTranscript } from './transcript.js';
import { currentRunStart } from './conversation.js';
import { raisedMaxTokens, thinkingAllowed, thinkingParam } from './thinking.js';
import { fallbackReason } from './errors.js';
import { modelFacts } from './models.js';

type MessageParam = Anthropic.Messages.MessageParam;
type ContentBlockParam = Anthropic.Messages.ContentBlockParam;
type ToolResultBlockParam = Anthropic.Messages.ToolResultBlockParam;

/** One completed call: the assistant message's content blocks (as params), its stop reason and its record. */
export interface SentCall {
  content: ContentBlockParam[];
  /** The API's `stop_reason` (null when the transport does not report one). */
  stopReason?: string | null;
  call: LlmCallResult;
}

export type Send = (request: LaidOutRequest, hooks: RunHooks) => Promise<SentCall>;

/** Starts the user message that reminds the model to finish (recognized again on resume). */
const REMINDER_PREFIX = 'Reminder:';

function isAssistant(m: MessageParam | undefined): m is MessageParam & { role: 'assistant' } {
  return m?.role === 'assistant';
}

function blocksOf(m: MessageParam): readonly unknown[] {
  return typeof m.content === 'string' ? [] : m.content;
}

function isReminder(m: MessageParam | undefined): boolean {
  if (!m || m.role !== 'user') return false;
  const first =
    typeof m.content === 'string' ? m.content : m.content[0]?.type === 'text' ? m.content[0].text : '';
  return first.startsWith(REMINDER_PREFIX);
}

/**
 * Pure: calls, corrections, reminders and workspace tool calls already spent in `messages` (a
 * resumed step), counted from the start of the current run (a conversation continued with a new
 * failure, ./conversation.ts, gives each run its own allowance). Every assistant message is a call; one that did not end the run counts as a
 * correction when it called no tool or called the result tool (then rejected). A call of a tool
 * not enabled in the step is no correction. The last message is left to the loop, which handles
 * it as it would a fresh reply.
 */
export function spentIn(
  all: readonly MessageParam[],
  spec: Pick<StructuredRunSpec<unknown>, 'result' | 'enabledTools'>,
): { turns: number; corrections: number; toolCalls: number; reminded: boolean } {
  const messages = all.slice(currentRunStart(all));
  const assistants = messages.filter(isAssistant);
  const last = messages.at(-1);
  let corrections = 0;
  let toolCalls = 0;
  for (const m of assistants) {
    if (m === last) continue;
    const uses = toolUses(blocksOf(m));
    const c = classifyUses(uses, spec);
    toolCalls += c.workspaceCalls;
    if (uses.length === 0 || c.callsResult) corrections++;
  }
  return { turns: assistants.length, corrections, toolCalls, reminded: messages.some(isReminder) };
}

/** The tool_result blocks for a turn cut at `max_tokens`: nothing of it ran. */
function cutResults(uses: readonly ToolUseBlock[], maxTokens: number): ToolResultBlockParam[] {
  return uses.map((u, i) => ({
    type: 'tool_result',
    tool_use_id: u.id,
    is_error: true,
    content:
      i === uses.length - 1
        ? `Your output reached max_tokens (${maxTokens} tokens) while you were writing this ${u.name} call, so its input is incomplete and nothing of this turn was run. ` +
          'Write in parts: create a large file with its first part (write_file), then add the rest with edit_file calls of a few hundred lines each; keep each tool input well under the limit.'
        : 'Not run: the turn was cut at max_tokens before it was complete.',
  }));
}

/**
 * Pure: the content of a step's first user message: `spec.instructions` as one text block, or two
 * when it starts with the prompt's fixed instructions (those first, then the step's own text).
 */
export function firstMessage(spec: Pick<StructuredRunSpec<unknown>, 'instructions' | 'fixedInstructions'>): {
  type: 'text';
  text: string;
}[] {
  const fixed = spec.fixedInstructions;
  if (!fixed || !spec.instructions.startsWith(fixed) || spec.instructions.length === fixed.length)
    return [{ type: 'text', text: spec.instructions }];
  return [
    { type: 'text', text: fixed },
    { type: 'text', text: spec.instructions.slice(fixed.length).replace(/^\n+/, '') },
  ];
}

/**
 * Runs the loop (see `LlmClient.runStructured` and this module's header). Throws
 * `StepFailedError` after `spec.maxCorrections` corrections, on a refusal, or when the step
 * would pass `spec.maxCalls` calls or `spec.maxToolCalls` tool calls; rethrows whatever `send`,
 * a hook or a tool throws.
 */
export async function runAgentLoop<T>(
  send: Send,
  spec: StructuredRunSpec<T>,
  hooks: RunHooks = {},
): Promise<StructuredRunResult<T>> {
  const extra = RESULT_TOOLS.some((t) => t.name === spec.result.name)
    ? undefined
    : { name: spec.result.name, description: spec.result.description, inputSchema: spec.result.schema };
  const tools = buildTools(agentToolDefinitions(spec.allTools), extra);
  const messages: MessageParam[] = spec.resumeMessages
    ? structuredClone(splitTranscript(spec.resumeMessages).messages)
    : [{ role: 'user', content: firstMessage(spec) }];
  const calls: LlmCallResult[] = [];
  let { turns, corrections, toolCalls, reminded } = spentIn(messages, spec);
  let forceResult = false;
  let lastForced = false;
  let lastStop: string | null | undefined;
  let maxTokens = spec.maxTokens;
  let raised = false;
  // The step's model, until a call fails over to spec.fallbackModel (then the rest of the step stays there).
  let model = spec.model;
  let switched: { from: string; reason: string } | null = null;
  const correct = (what: string, issues?: string) => {
    corrections++;
    if (corrections > spec.maxCorrections) throw noResult(spec, what, issues);
  };

  for (;;) {
    const last = messages.at(-1);
    if (isAssistant(last) && lastStop === 'refusal') throw refused(spec, last);
    if (isAssistant(last) && lastStop === 'model_context_window_exceeded') {
      throw new StepFailedError(
        `the step's conversation filled ${model}'s context window before ${spec.result.name}`,
        'Lower limits.context_tokens or caps.implementation_agent_turns, or choose a model with a larger window, then `claude-exec resume ID`.',
      );
    }
    if (isAssistant(last) && lastStop !== 'pause_turn') {
      const uses = toolUses(blocksOf(last));
      if (lastStop === 'max_tokens' && uses.length > 0) {
        messages.push({ role: 'user', content: cutResults(uses, maxTokens) });
        if (!raised) maxTokens = raisedMaxTokens(model, maxTokens);
        raised = true;
      } else if (uses.length === 0) {
        correct('did not call any tool');
        if (reminded || lastForced) forceResult = true;
        reminded = true;
        messages.push({
          role: 'user',
          content: [
            {
              type: 'text',
              text: `${REMINDER_PREFIX} this step ends only when you call ${spec.result.name}. Call it now with your result, or call the tools you still need first.`,
            },
          ],
        });
      } else {
        const planned = classifyUses(uses, spec).workspaceCalls;
        if (toolCalls + planned > spec.maxToolCalls)
          throw capReached(spec, `${spec.maxToolCalls} tool calls`, 'caps.step_tool_calls');
        const outcome = await handleTurn(uses, spec, hooks);
        if (outcome.kind === 'result') return { value: outcome.value, calls, messages };
        toolCalls += outcome.toolCalls;
        if (outcome.resultRejected) correct('gave invalid input', outcome.resultRejected);
        else if (lastForced)
          correct(
            outcome.misdirected
              ? 'called tools that are not available in this step'
              : `did not call ${spec.result.name} when asked to`,
          );
        messages.push({ role: 'user', content: outcome.toolResults });
      }
    }

    if (turns >= spec.maxCalls)
      throw capReached(
        spec,
        `${spec.maxCalls} calls`,
        'caps.step_calls (or caps.chain_calls for the whole chain)',
      );
    const forced = forceResult || turns >= spec.maxTurns;
    const requestFor = (m: string) =>
      buildRequest({
        model: m,
        prefix: spec.prefix,
        tools,
        messages,
        maxTokens: Math.min(maxTokens, modelFacts(m)?.maxOutputTokens ?? maxTokens),
        toolChoice: forced ? { type: 'tool', name: spec.result.name } : { type: 'auto' },
        thinking:
          forced || !thinkingAllowed(messages)
            ? null
            : thinkingParam(
                m,
                spec.thinking ?? 'off',
                Math.min(maxTokens, modelFacts(m)?.maxOutputTokens ?? maxTokens),
              ),
        // A forced result call ends the run, and a step without tools has one call: nothing reads
        // their message prefix later, unless a later run continues the conversation.
        cacheMessages: spec.keepConversation === true || !(forced || spec.enabledTools.length === 0),
        // A later run of the prompt reads its fixed instructions; a forced call thinks otherwise
        // (another message prefix), so what it would write there is never read.
        fixedBlock: !forced && spec.fixedInstructions !== undefined,
        ...(spec.prefixTtl ? { prefixTtl: spec.prefixTtl } : {}),
      });
    let request = requestFor(model);
    await hooks.beforeCall?.(callInfo(model, request, messages));
    let sent: SentCall;
    try {
      sent = await send(request, hooks);
    } catch (err) {
      const reason = spec.fallbackModel && spec.fallbackModel !== model ? fallbackReason(err) : null;
      if (!reason) throw err;
      // Once, on the fallback: budgets are checked again at its prices (beforeCall), and the switch is recorded.
      switched = { from: model, reason };
      model = spec.fallbackModel!;
      hooks.onFallback?.({ from: switched.from, to: model, reason });
      request = requestFor(model);
      await hooks.beforeCall?.(callInfo(model, request, messages));
      sent = await send(request, hooks);
    }
    if (switched) sent = { ...sent, call: { ...sent.call, fallback: switched } };
    turns++;
    lastForced = forced;
    lastStop = sent.stopReason;
    calls.push(sent.call);
    const content = sent.content.length > 0 ? sent.content : [{ type: 'text' as const, text: '(no output)' }];
    messages.push({ role: 'assistant', content });
    await hooks.onCall?.(sent.call, structuredClone(messages));
  }
}

/**
 * What `beforeCall` is told about a call: its input tokens are estimated (the whole request
 * serialized, tens of KB) only when the hook reads them, which it does only when a budget applies.
 */
function callInfo(
  model: string,
  request: LaidOutRequest,
  messages: readonly unknown[],
): { model: string; readonly estimatedInputTokens: number; messages: readonly unknown[] } {
  return {
    model,
    get estimatedInputTokens() {
      return estimateInputTokens(request);
    },
    messages,
  };
}

function refused(spec: StructuredRunSpec<unknown>, last: MessageParam): StepFailedError {
  const text = blocksOf(last)
    .map((b) =>
      (b as { type?: string; text?: string }).type === 'text' ? ((b as { text?: string }).text ?? '') : '',
    )
    .join(' ')
    .trim();
  return new StepFailedError(
    `the model refused the step (stop_reason: refusal)${text ? `: ${text.slice(0, 300)}` : ''}`,
    `Read the step's request and rephrase the task, or choose another model (--model); \`claude-exec resume ID\` retries ${spec.result.name}.`,
  );
}

/** Longest list of schema issues kept in the error, characters (the rest is cut with "…"). */
const ISSUES_MAX_CHARS = 600;

/**
 * The step failed for want of a valid result. `issues`: why the last input was rejected (the
 * schema's issues, `path: message` a line), kept in the message so the step's error and the
 * chain's error record it.
 */
export function noResult(spec: StructuredRunSpec<unknown>, what: string, issues?: string): StepFailedError {
  const flat = issues ? issues.split('\n').join('; ') : '';
  const why = flat
    ? ` — last rejected: ${flat.length > ISSUES_MAX_CHARS ? `${flat.slice(0, ISSUES_MAX_CHARS)}…` : flat}`
    : '';
  return new StepFailedError(
    `the model ${what} for ${spec.result.name} after ${spec.maxCorrections} correction(s)${why}`,
    'Resume to retry the step, or choose a stronger model (--model).',
  );
}

export function capReached(spec: StructuredRunSpec<unknown>, what: string, key: string): StepFailedError {
  return new StepFailedError(
    `the step reached its limit of ${what} without ${spec.result.name}`,
    `Raise ${key} in claude-exec.config.json if the task needs more, then \`claude-exec resume ID\`.`,
  );
}
