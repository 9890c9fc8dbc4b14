/**
 * The bounded agent loop behind `LlmClient.runStructured`, independent of the transport: `send`
 * makes one Messages API call. Ends when the model calls the step's result tool with valid input.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { StepFailedError } from '../errors.js';
import type { LlmCallResult, RunHooks, StructuredRunResult, StructuredRunSpec } from './types.js';
import { agentToolDefinitions, buildRequest, buildTools, estimateInputTokens, RESULT_TOOLS, type LaidOutRequest } from './layout.js';
import { classifyUses, handleTurn, toolUses } from './tool-turn.js';
import { splitTranscript } from './transcript.js';

type MessageParam = Anthropic.Messages.MessageParam;
type ContentBlockParam = Anthropic.Messages.ContentBlockParam;

/** One completed call: the assistant message's content blocks (as params) and its record. */
export interface SentCall {
  content: ContentBlockParam[];
  call: LlmCallResult;
}

export type Send = (request: LaidOutRequest, hooks: RunHooks) => Promise<SentCall>;

function isAssistant(m: MessageParam | undefined): m is MessageParam & { role: 'assistant' } {
  return m?.role === 'assistant';
}

function blocksOf(m: MessageParam): readonly unknown[] {
  return typeof m.content === 'string' ? [] : m.content;
}

/**
 * Pure: calls, corrections and workspace tool calls already spent in `messages` (a resumed
 * step). Every assistant message is a call; one that did not end the run counts as a correction
 * when it called no tool, the result tool (then rejected), or a tool outside the step. The last
 * message is left to the loop, which handles it as it would a fresh reply.
 */
export function spentIn(messages: readonly MessageParam[], spec: Pick<StructuredRunSpec<unknown>, 'result' | 'enabledTools'>): { turns: number; corrections: number; toolCalls: number } {
  const assistants = messages.filter(isAssistant);
  const last = messages.at(-1);
  let corrections = 0;
  let toolCalls = 0;
  for (const m of assistants) {
    if (m === last) continue;
    const uses = toolUses(blocksOf(m));
    const c = classifyUses(uses, spec);
    toolCalls += c.workspaceCalls;
    if (uses.length === 0 || c.callsResult || c.misdirected) corrections++;
  }
  return { turns: assistants.length, corrections, toolCalls };
}

/**
 * Runs the loop (see `LlmClient.runStructured`). Tool choice: `any` while agent turns remain,
 * the result tool once `spec.maxTurns` turns are spent or after a correction.
 * Throws `StepFailedError` after `spec.maxCorrections` corrections (see `StructuredRunSpec`),
 * or when the step would pass `spec.maxCalls` calls or `spec.maxToolCalls` tool calls;
 * rethrows whatever `send`, a hook or a tool throws.
 */
export async function runAgentLoop<T>(send: Send, spec: StructuredRunSpec<T>, hooks: RunHooks = {}): Promise<StructuredRunResult<T>> {
  const extra = RESULT_TOOLS.some((t) => t.name === spec.result.name)
    ? undefined
    : { name: spec.result.name, description: spec.result.description, inputSchema: spec.result.schema };
  const tools = buildTools(agentToolDefinitions(spec.allTools), extra);
  const messages: MessageParam[] = spec.resumeMessages
    ? structuredClone(splitTranscript(spec.resumeMessages).messages)
    : [{ role: 'user', content: [{ type: 'text', text: spec.instructions }] }];
  const calls: LlmCallResult[] = [];
  let { turns, corrections, toolCalls } = spentIn(messages, spec);
  let forceResult = false;
  let lastForced = false;
  const correct = (what: string, issues?: string) => {
    corrections++;
    forceResult = true;
    if (corrections > spec.maxCorrections) throw noResult(spec, what, issues);
  };

  for (;;) {
    const last = messages.at(-1);
    if (isAssistant(last)) {
      const uses = toolUses(blocksOf(last));
      if (uses.length === 0) {
        correct('did not call any tool');
        messages.push({ role: 'user', content: [{ type: 'text', text: `Call ${spec.result.name} now to finish this step.` }] });
      } else {
        const planned = classifyUses(uses, spec).workspaceCalls;
        if (toolCalls + planned > spec.maxToolCalls) throw capReached(spec, `${spec.maxToolCalls} tool calls`, 'caps.step_tool_calls');
        const outcome = await handleTurn(uses, spec, hooks);
        if (outcome.kind === 'result') return { value: outcome.value, calls, messages };
        toolCalls += outcome.toolCalls;
        forceResult = false;
        if (outcome.resultRejected) correct('gave invalid input', outcome.resultRejected);
        else if (outcome.misdirected) correct('called tools that are not available in this step');
        else if (lastForced) correct(`did not call ${spec.result.name} when asked to`);
        messages.push({ role: 'user', content: outcome.toolResults });
      }
    }

    if (turns >= spec.maxCalls) throw capReached(spec, `${spec.maxCalls} calls`, 'caps.step_calls (or caps.chain_calls for the whole chain)');
    const forced = forceResult || turns >= spec.maxTurns;
    const request = buildRequest({
      model: spec.model,
      prefix: spec.prefix,
      tools,
      messages,
      maxTokens: spec.maxTokens,
      toolChoice: forced ? { type: 'tool', name: spec.result.name } : { type: 'any' },
    });
    await hooks.beforeCall?.({ model: spec.model, estimatedInputTokens: estimateInputTokens(request), messages });
    const sent = await send(request, hooks);
    turns++;
    lastForced = forced;
    calls.push(sent.call);
    const content = sent.content.length > 0 ? sent.content : [{ type: 'text' as const, text: '(no output)' }];
    messages.push({ role: 'assistant', content });
    await hooks.onCall?.(sent.call, structuredClone(messages));
  }
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
  const why = flat ? ` — last rejected: ${flat.length > ISSUES_MAX_CHARS ? `${flat.slice(0, ISSUES_MAX_CHARS)}…` : flat}` : '';
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
