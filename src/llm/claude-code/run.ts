/**
 * One `runStructured` on Claude Code: a query with Claude Code's own tools switched off and ours
 * served in-process (./tools.ts), the prompt-protocol result tool ending the turn, and three
 * hooks that run between model calls: `UserPromptSubmit` (before the first), `PostToolBatch`
 * (after each batch of tool calls) and `Stop` (when the model ends without a result: a
 * correction). Each runs `hooks.beforeCall` (the budget) and stops the query before the next
 * call when it throws. Every completed call is recorded (`hooks.onCall`) with the conversation
 * so far and the session to continue it in, so an interrupted step resumes without repeating a
 * call (./resume.ts).
 */
import type Anthropic from '@anthropic-ai/sdk';
import { noResult } from '../agent-loop.js';
import { estimateInputTokens } from '../layout.js';
import { saveTranscript, type SessionRef } from '../transcript.js';
import type { Billing, LlmCallResult, RunHooks, StructuredRunResult, StructuredRunSpec } from '../types.js';
import { Conversation, MCP_SERVER, wireName } from './conversation.js';
import { failureOf } from './failure.js';
import { planResume, replayPrompt, type StartPoint } from './resume.js';
import type { HookOutput, LoadedSdk, SdkMessage, SdkQuery, SdkUserMessage } from './sdk.js';
import { callTool, createToolServer, toolDefinitions, type ToolRunState } from './tools.js';

type MessageParam = Anthropic.Messages.MessageParam;

export interface ClaudeCodeOptions {
  /** The workspace root: Claude Code's working directory. */
  workspace: string;
  /** Claude Code's environment: claude-exec's own (Claude Code finds its credentials there or in its login). */
  env: Record<string, string | undefined>;
  /** Claude Code's retries of a failed call (config `limits.max_retries`). */
  maxRetries: number;
  /** Per request, ms (config `limits.request_timeout_ms`). */
  timeoutMs: number;
  /** Per tool call, ms: an approval gate waits for a human inside a call. */
  toolTimeoutMs: number;
  /** A Claude Code executable to use instead of the SDK's bundled one. */
  executable?: string;
  /** claude-exec's version, sent as Claude Code's client app. */
  version: string;
}

/** How long one tool call may run before Claude Code gives up on it, ms: an approval waits for a human (6 h). */
export const TOOL_TIMEOUT_MS = 6 * 3_600_000;

/** Told to the model once, in the system prompt (constant, so it is cached with the rest). */
const TOOL_NOTE = `The tools of this session are served by claude-exec's MCP server "${MCP_SERVER}": a tool these instructions name (for example record_findings) is offered as ${wireName('<name>')}.`;

/**
 * Tokens Claude Code adds to every request beyond what claude-exec sends (its own system line,
 * environment and date reminders): about 450 measured against the test server. Used only in the
 * estimate a budget check makes before a call, never recorded.
 */
const CLAUDE_CODE_OVERHEAD_TOKENS = 600;

/** How much of Claude Code's stderr is kept for an error message. */
const STDERR_TAIL_CHARS = 2000;

const STOP: HookOutput = { continue: false, stopReason: 'claude-exec stopped this step before the next call' };
const clock = () => ({ ms: performance.now(), iso: new Date().toISOString() });
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

async function* once(message: SdkUserMessage): AsyncIterable<SdkUserMessage> {
  yield message;
}

/** Whether Claude Code talks to Anthropic's own API (no ANTHROPIC_BASE_URL, or api.anthropic.com). */
function firstParty(env: Record<string, string | undefined>): boolean {
  const base = env.ANTHROPIC_BASE_URL;
  if (!base) return true;
  try {
    return new URL(base).hostname === 'api.anthropic.com';
  } catch {
    return false;
  }
}

/**
 * Claude Code's environment: ours, with its non-essential traffic (title generation, telemetry,
 * update checks) and auto-compaction off, its output and retries set from ours, and its process
 * tied to ours. Towards any
 * other server than Anthropic's API its per-request billing line (the first system block, which
 * changes on every request) is turned off too: such a server caches by prefix and would never
 * hit its cache.
 */
function claudeEnv(opts: ClaudeCodeOptions, spec: StructuredRunSpec<unknown>): Record<string, string | undefined> {
  return {
    ...opts.env,
    ...(firstParty(opts.env) ? {} : { CLAUDE_CODE_ATTRIBUTION_HEADER: '0' }),
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTO_COMPACT: '1',
    CLAUDE_CODE_DISABLE_AUTO_MEMORY: '1',
    CLAUDE_CODE_DISABLE_CLAUDE_MDS: '1',
    CLAUDE_CODE_MAX_OUTPUT_TOKENS: String(spec.maxTokens),
    CLAUDE_CODE_MAX_RETRIES: String(opts.maxRetries),
    API_TIMEOUT_MS: String(opts.timeoutMs),
    MCP_TOOL_TIMEOUT: String(opts.toolTimeoutMs),
    CLAUDE_AGENT_SDK_CLIENT_APP: `claude-exec/${opts.version}`,
    // Claude Code is a Bun executable: with this it exits when claude-exec dies (even by kill -9)
    // instead of going on calling the model with no one to run its tools or record the calls.
    BUN_FEATURE_FLAG_NO_ORPHANS: '1',
  };
}

/**
 * Runs `spec` (see `LlmClient.runStructured`). `billing` says how the account pays (asked of
 * the first query, once per client). Throws what the API backend throws: `LlmApiError`,
 * `StepFailedError`, or whatever a hook or a tool throws.
 */
export async function runClaudeCode<T>(sdk: LoadedSdk, opts: ClaudeCodeOptions, spec: StructuredRunSpec<T>, hooks: RunHooks, billing: (q: SdkQuery) => Promise<Billing>): Promise<StructuredRunResult<T>> {
  const start: StartPoint<T> = await planResume(spec, hooks);
  if (start.kind === 'done') return { value: start.value, calls: [], messages: start.saved };
  const calls: LlmCallResult[] = [];
  const first = await attempt(sdk, opts, spec, hooks, billing, start, calls);
  if (first.value) return { ...first.value, calls };
  // The session to resume is gone: restart the step from the saved conversation, once.
  if (start.kind === 'resume' && first.callsStarted === 0) {
    const again = await attempt(sdk, opts, spec, hooks, billing, replayPrompt(spec, start.messages, start), calls);
    if (again.value) return { ...again.value, calls };
  }
  throw first.error;
}

interface Attempt<T> {
  value?: { value: T; messages: unknown[]; reportedCostUsd?: number };
  error?: unknown;
  callsStarted: number;
}

async function attempt<T>(sdk: LoadedSdk, opts: ClaudeCodeOptions, spec: StructuredRunSpec<T>, hooks: RunHooks, billing: (q: SdkQuery) => Promise<Billing>, start: Exclude<StartPoint<T>, { kind: 'done' }>, calls: LlmCallResult[]): Promise<Attempt<T>> {
  const conv = new Conversation(start.kind === 'resume' ? structuredClone(start.messages) : [{ role: 'user', content: [{ type: 'text', text: start.kind === 'fresh' ? spec.instructions : start.prompt }] }], spec.model);
  const initial = start.kind === 'fresh' ? { turns: 0, corrections: 0 } : { turns: start.turns, corrections: start.corrections };
  const state: ToolRunState<T> = { corrections: initial.corrections, resultOnly: initial.turns >= spec.maxTurns };
  const stop = (err: unknown) => (state.fatal ??= err);
  const defs = toolDefinitions(spec);
  const system = [spec.prefix.rules, spec.prefix.catalog, TOOL_NOTE].filter((s) => s.length > 0);
  let recording: Promise<void> = Promise.resolve();
  let q: SdkQuery | null = null;
  let paidBy: Billing = 'api';

  const server = createToolServer(sdk.mcp, opts.version, defs, (name, input, id) => callTool(name, input, id, spec, hooks, state, stop));
  const ref = (): SessionRef | null => (conv.sessionId && conv.resumeAt ? { type: 'claude_code_session', session_id: conv.sessionId, resume_at: conv.resumeAt } : null);

  /** Waits until the stream has been read past `toolUseIds` and every completed call is recorded. */
  const caughtUp = async (toolUseIds: string[] = []) => {
    for (let i = 0; i < 1000 && (conv.inCall || !toolUseIds.every((id) => conv.hasToolUse(id))); i++) await tick();
    await recording;
  };
  /** The budget (and any other caller check) before the next call: STOP when it throws. */
  const beforeCall = async (): Promise<HookOutput | null> => {
    if (state.fatal !== undefined) return STOP;
    try {
      paidBy = await billing(q!);
      const estimatedInputTokens = estimateInputTokens({ system, tools: defs, messages: conv.messages }) + CLAUDE_CODE_OVERHEAD_TOKENS;
      await hooks.beforeCall?.({ model: spec.model, estimatedInputTokens, messages: conv.messages, billing: paidBy });
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
            const ids = ((input.tool_calls ?? []) as { tool_use_id?: string }[]).map((c) => c.tool_use_id ?? '');
            await caughtUp(ids);
            if (state.value || state.fatal !== undefined) return STOP;
            if (initial.turns + calls.length >= spec.maxTurns) state.resultOnly = true;
            const stopped = await beforeCall();
            if (stopped) return stopped;
            return state.resultOnly ? { hookSpecificOutput: { hookEventName: 'PostToolBatch', additionalContext: `The tool turns of this step are spent: call ${spec.result.name} now.` } } : {};
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
            return (await beforeCall()) ?? { decision: 'block' as const, reason: `Call ${spec.result.name} now to finish this step.` };
          },
        ],
      },
    ],
  };

  const session = start.kind === 'resume' ? start.session : null;
  const prompt =
    start.kind === 'resume'
      ? once({ type: 'user', message: { role: 'user', content: lastUserContent(start.messages) }, parent_tool_use_id: null, session_id: start.session.session_id })
      : start.kind === 'fresh'
        ? spec.instructions
        : start.prompt;
  q = sdk.agent.query({
    prompt,
    options: {
      cwd: opts.workspace,
      model: spec.model,
      systemPrompt: system,
      tools: [],
      mcpServers: { [MCP_SERVER]: { type: 'sdk', name: MCP_SERVER, instance: server, timeout: opts.toolTimeoutMs } },
      strictMcpConfig: true,
      allowedTools: defs.map((d) => wireName(d.name)),
      toolAliases: Object.fromEntries(defs.map((d) => [d.name, wireName(d.name)])),
      permissionMode: 'dontAsk',
      settingSources: [],
      skills: [],
      thinking: { type: 'disabled' },
      includePartialMessages: true,
      // A hard bound on calls that does not depend on the model: the agent turns, the result call and its corrections.
      maxTurns: Math.max(1, spec.maxTurns + spec.maxCorrections + 1 - initial.turns),
      hooks: hookSet,
      env: claudeEnv(opts, spec),
      // The end of Claude Code's own log, for the error when it fails without saying why.
      stderr: (data: string) => {
        stderr = (stderr + data).slice(-STDERR_TAIL_CHARS);
      },
      ...(session ? { resume: session.session_id, resumeSessionAt: session.resume_at } : {}),
      ...(opts.executable ? { pathToClaudeCodeExecutable: opts.executable } : {}),
    },
  });

  let result: SdkMessage | null = null;
  let thrown: unknown;
  let stderr = '';
  try {
    for await (const m of q) {
      const out = conv.feed(m, clock());
      if (out.text) hooks.onProgress?.({ type: 'text', text: out.text });
      if (out.call) {
        const call: LlmCallResult = { ...out.call, billing: paidBy };
        calls.push(call);
        const snapshot = saveTranscript(structuredClone(conv.messages), ref());
        recording = recording.then(async () => {
          await hooks.onCall?.(call, snapshot);
        }).catch((err: unknown) => {
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
    const reported = session === null && typeof result?.total_cost_usd === 'number' ? { reportedCostUsd: result.total_cost_usd as number } : {};
    return { value: { value: state.value.v, messages: saveTranscript(conv.messages, ref()), ...reported }, callsStarted: conv.started };
  }
  return { error: failureOf({ result, thrown, apiError: conv.apiError, stderr, spec, env: opts.env }), callsStarted: conv.started };
}

/** The content of the last (user) message: what a resumed session is sent. */
function lastUserContent(messages: readonly MessageParam[]): unknown[] {
  const last = messages.at(-1);
  return last && last.role === 'user' && Array.isArray(last.content) ? last.content : [{ type: 'text', text: 'Continue this step.' }];
}
