/**
 * One `runStructured` on Claude Code: a query with Claude Code's own tools switched off and ours
 * served in-process (./tools.ts), the prompt-protocol result tool ending the turn, and three
 * hooks that run between model calls: `UserPromptSubmit` (before the first), `PostToolBatch`
 * (after each batch of tool calls) and `Stop` (when the model ends without a result: a
 * correction). Each runs `hooks.beforeCall` (the budget) and stops the query before the next
 * call when it throws. Every completed call is recorded (`hooks.onCall`) with the conversation
 * so far and the session to continue it in, so an interrupted step resumes without repeating a
 * call (./resume.ts). The query's options are in ./options.ts.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { noResult } from '../agent-loop.js';
import { estimateInputTokens } from '../layout.js';
import { saveTranscript, type SessionRef } from '../transcript.js';
import type { Billing, LlmCallResult, RunHooks, StructuredRunResult, StructuredRunSpec } from '../types.js';
import { Conversation } from './conversation.js';
import { callCap, failureOf } from './failure.js';
import { queryOptions, systemPrompt, type ClaudeCodeOptions } from './options.js';
import { planResume, replayPrompt, type StartPoint } from './resume.js';
import type { HookOutput, LoadedSdk, SdkMessage, SdkQuery, SdkUserMessage } from './sdk.js';

import { callTool, createToolServer, toolDefinitions, type ToolRunState } from './tools.js';

type MessageParam = Anthropic.Messages.MessageParam;

/**
 * Tokens Claude Code adds to every request beyond what claude-exec sends (its own system line,
 * environment and date reminders): about 450 measured against the test server. Used only in the
 * estimate a budget check makes before a call, never recorded.
 */
const CLAUDE_CODE_OVERHEAD_TOKENS = 600;

/** How much of Claude Code's stderr is kept for an error message. */
const STDERR_TAIL_CHARS = 2000;

const STOP: HookOutput = {
  continue: false,
  stopReason: 'claude-exec stopped this step before the next call',
};
const clock = () => ({ ms: performance.now(), iso: new Date().toISOString() });
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

async function* once(message: SdkUserMessage): AsyncIterable<SdkUserMessage> {
  yield message;
}

/**
 * Runs `spec` (see `LlmClient.runStructured`). `billing` says how the account pays (asked of
 * the first query, once per client). Throws what the API backend throws: `LlmApiError`,
 * `StepFailedError`, or whatever a hook or a tool throws.
 */
export async function runClaudeCode<T>(
  sdk: LoadedSdk,
  opts: ClaudeCodeOptions,
  spec: StructuredRunSpec<T>,
  hooks: RunHooks,
  billing: (q: SdkQuery) => Promise<Billing>,
): Promise<StructuredRunResult<T>> {
  const start: StartPoint<T> = await planResume(spec, hooks);
  if (start.kind === 'done') return { value: start.value, calls: [], messages: start.saved };
  const calls: LlmCallResult[] = [];
  const first = await attempt(sdk, opts, spec, hooks, billing, start, calls);
  if (first.value) return { ...first.value, calls };
  // The session to resume is gone: restart the step from the saved conversation, once.
  if (start.kind === 'resume' && first.callsStarted === 0) {
    const again = await attempt(
      sdk,
      opts,
      spec,
      hooks,
      billing,
      replayPrompt(spec, start.messages, start),
      calls,
    );
    if (again.value) return { ...again.value, calls };
  }
  throw first.error;
}

interface Attempt<T> {
  value?: { value: T; messages: unknown[]; reportedCostUsd?: number };
  error?: unknown;
  callsStarted: number;
}

async function attempt<T>(
  sdk: LoadedSdk,
  opts: ClaudeCodeOptions,
  spec: StructuredRunSpec<T>,
  hooks: RunHooks,
  billing: (q: SdkQuery) => Promise<Billing>,
  start: Exclude<StartPoint<T>, { kind: 'done' }>,
  calls: LlmCallResult[],
): Promise<Attempt<T>> {
  const conv = new Conversation(
    start.kind === 'resume'
      ? structuredClone(start.messages)
      : [
          {
            role: 'user',
            content: [{ type: 'text', text: start.kind === 'fresh' ? spec.instructions : start.prompt }],
          },
        ],
    spec.model,
  );
  const initial =
    start.kind === 'fresh'
      ? { turns: 0, corrections: 0, toolCalls: 0 }
      : { turns: start.turns, corrections: start.corrections, toolCalls: start.toolCalls };
  const state: ToolRunState<T> = {
    corrections: initial.corrections,
    toolCalls: initial.toolCalls,
    resultOnly: initial.turns >= spec.maxTurns,
  };
  const stop = (err: unknown) => (state.fatal ??= err);
  const defs = toolDefinitions(spec);
  const system = systemPrompt(spec);
  let recording: Promise<void> = Promise.resolve();
  let q: SdkQuery | null = null;
  let paidBy: Billing = 'api';

  let stderr = '';
  const server = createToolServer(sdk.mcp, opts.version, defs, (name, input, id) =>
    callTool(name, input, id, spec, hooks, state, stop),
  );
  const ref = (): SessionRef | null =>
    conv.sessionId && conv.resumeAt
      ? { type: 'claude_code_session', session_id: conv.sessionId, resume_at: conv.resumeAt }
      : null;

  /** Waits until the stream has been read past `toolUseIds` and every completed call is recorded. */
  const caughtUp = async (toolUseIds: string[] = []) => {
    for (let i = 0; i < 1000 && (conv.inCall || !toolUseIds.every((id) => conv.hasToolUse(id))); i++)
      await tick();
    await recording;
  };
  /** The budget (and any other caller check) before the next call: STOP when it throws. */
  const beforeCall = async (): Promise<HookOutput | null> => {
    if (state.fatal !== undefined) return STOP;
    try {
      paidBy = await billing(q!);
      const estimatedInputTokens =
        estimateInputTokens({ system, tools: defs, messages: conv.messages }) + CLAUDE_CODE_OVERHEAD_TOKENS;
      await hooks.beforeCall?.({
        model: spec.model,
        estimatedInputTokens,
        messages: conv.messages,
        billing: paidBy,
      });
      return null;
    } catch (err) {
      stop(err);
      return STOP;
    }
  };
  const hookSet = {
    UserPromptSubmit: [{ hooks: [async () => (await beforeCall()) ?? {}] }],
    PostToolBatch: [
      {
        hooks: [
          async (input: Record<string, unknown>) => {
            const ids = ((input.tool_calls ?? []) as { tool_use_id?: string }[]).map(
              (c) => c.tool_use_id ?? '',
            );
            await caughtUp(ids);
            if (state.value || state.fatal !== undefined) return STOP;
            // The agent turns are spent, or the next call is the last the step may make: it must submit.
            if (initial.turns + calls.length >= Math.min(spec.maxTurns, callCap(spec) - 1))
              state.resultOnly = true;
            const stopped = await beforeCall();
            if (stopped) return stopped;
            return state.resultOnly
              ? {
                  hookSpecificOutput: {
                    hookEventName: 'PostToolBatch',
                    additionalContext: `The tool turns of this step are spent: call ${spec.result.name} now.`,
                  },
                }
              : {};
          },
        ],
      },
    ],
    Stop: [
      {
        hooks: [
          async () => {
            await caughtUp();
            if (state.value || state.fatal !== undefined) return {};
            if (++state.corrections > spec.maxCorrections) {
              stop(noResult(spec, 'did not call any tool'));
              return {};
            }
            return (
              (await beforeCall()) ?? {
                decision: 'block' as const,
                reason: `Call ${spec.result.name} now to finish this step.`,
              }
            );
          },
        ],
      },
    ],
  };

  const session = start.kind === 'resume' ? start.session : null;
  const prompt =
    start.kind === 'resume'
      ? once({
          type: 'user',
          message: { role: 'user', content: lastUserContent(start.messages) },
          parent_tool_use_id: null,
          session_id: start.session.session_id,
        })
      : start.kind === 'fresh'
        ? spec.instructions
        : start.prompt;
  q = sdk.agent.query({
    prompt,
    options: {
      ...queryOptions(opts, spec, {
        system,
        tools: defs.map((d) => d.name),
        server,
        maxTurns: callCap(spec) - initial.turns,
        session,
      }),
      hooks: hookSet,
      // The end of Claude Code's own log, for the error when it fails without saying why.
      stderr: (data: string) => {
        stderr = (stderr + data).slice(-STDERR_TAIL_CHARS);
      },
    },
  });

  let result: SdkMessage | null = null;
  let thrown: unknown;
  try {
    for await (const m of q) {
      const out = conv.feed(m, clock());
      if (out.text) hooks.onProgress?.({ type: 'text', text: out.text });
      if (out.call) {
        const call: LlmCallResult = { ...out.call, billing: paidBy };
        calls.push(call);
        const snapshot = saveTranscript(structuredClone(conv.messages), ref());
        recording = recording
          .then(async () => {
            await hooks.onCall?.(call, snapshot);
          })
          .catch((err: unknown) => {
            stop(err);
          });
      }
      if (m.type === 'result') result = m;
    }
  } catch (err) {
    thrown = err;
  } finally {
    q.close();
  }
  await recording;
  if (state.fatal !== undefined) return { error: state.fatal, callsStarted: conv.started };
  if (state.value) {
    const reported =
      session === null && typeof result?.total_cost_usd === 'number'
        ? { reportedCostUsd: result.total_cost_usd as number }
        : {};
    return {
      value: { value: state.value.v, messages: saveTranscript(conv.messages, ref()), ...reported },
      callsStarted: conv.started,
    };
  }
  return {
    error: failureOf({ result, thrown, apiError: conv.apiError, stderr, spec, env: opts.env }),
    callsStarted: conv.started,
  };
}

/** The content of the last (user) message: what a resumed session is sent. */
function lastUserContent(messages: readonly MessageParam[]): unknown[] {
  const last = messages.at(-1);
  return last && last.role === 'user' && Array.isArray(last.content)
    ? last.content
    : [{ type: 'text', text: 'Continue this step.' }];
}
