/**
 * The bounded agent loop behind `LlmClient.runStructured`, independent of the transport: `send`
 * makes one Messages API call. Ends when the model calls the step's result tool with valid input.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { StepFailedError } from '../errors.js';
import type { LlmCallResult, RunHooks, StructuredRunResult, StructuredRunSpec } from './types.js';
import { agentToolDefinitions, buildRequest, buildTools, estimateInputTokens, RESULT_TOOLS, type LaidOutRequest } from './layout.js';
import { handleTurn, toolUses } from './tool-turn.js';
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
 * Turns and corrections already spent in `messages`: every assistant message is a turn, and
 * every assistant message that called the result tool without ending the run was a correction.
 */
export function spent(messages: readonly MessageParam[], resultName: string): { turns: number; corrections: number } {
  const assistants = messages.filter(isAssistant);
  const last = messages.at(-1);
  const corrections = assistants.filter((m) => m !== last && toolUses(blocksOf(m)).some((u) => u.name === resultName)).length;
  return { turns: assistants.length, corrections };
}

/**
 * Runs the loop (see `LlmClient.runStructured`). Tool choice: `any` while agent turns remain,
 * the result tool once `spec.maxTurns` turns are spent or after a rejected result.
 * Throws `StepFailedError` after `spec.maxCorrections` rejected results (or turns without any
 * tool call); rethrows whatever `send`, a hook or a tool throws.
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
  let { turns, corrections } = spent(messages, spec.result.name);
  let forceResult = false;

  for (;;) {
    const last = messages.at(-1);
    if (isAssistant(last)) {
      const uses = toolUses(blocksOf(last));
      if (uses.length === 0) {
        corrections++;
        forceResult = true;
        if (corrections > spec.maxCorrections) throw noResult(spec, 'did not call any tool');
        messages.push({ role: 'user', content: [{ type: 'text', text: `Call ${spec.result.name} now to finish this step.` }] });
      } else {
        const outcome = await handleTurn(uses, spec, hooks);
        if (outcome.kind === 'result') return { value: outcome.value, calls, messages };
        if (outcome.resultRejected) {
          corrections++;
          if (corrections > spec.maxCorrections) throw noResult(spec, 'gave invalid input');
        }
        forceResult = outcome.resultRejected;
        messages.push({ role: 'user', content: outcome.toolResults });
      }
    }

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
    calls.push(sent.call);
    const content = sent.content.length > 0 ? sent.content : [{ type: 'text' as const, text: '(no output)' }];
    messages.push({ role: 'assistant', content });
    await hooks.onCall?.(sent.call, structuredClone(messages));
  }
}

export function noResult(spec: StructuredRunSpec<unknown>, what: string): StepFailedError {
  return new StepFailedError(
    `the model ${what} for ${spec.result.name} after ${spec.maxCorrections} correction(s)`,
    'Resume to retry the step, or choose a stronger model (--model).',
  );
}
