/**
 * The narrow interface the phases use to talk to a model. The Anthropic adapter implements it;
 * nothing outside `src/llm/` imports the SDK.
 */
import type { CassetteRecorder } from './cassette.js';
import type { z } from 'zod';
import type { Usage } from '../chain/schema.js';
import type { AgentTool, ToolOutcome } from '../tools/types.js';
import type { ThinkingSetting } from './thinking.js';

/**
 * How a call is paid for: `api` per token (an API key, a gateway, a cloud provider), or
 * `subscription` (a Claude plan through Claude Code's login: not billed per token).
 */
export type Billing = 'api' | 'subscription';

/** One completed Messages API call, as recorded in the context file's `calls[]` (before cost). */
export interface LlmCallResult {
  model: string;
  request_id: string | null;
  /** The Claude Code session the call was made in (claude-code backend only). */
  session_id?: string | null;
  /** The Messages API message id of the reply (claude-code backend only). */
  message_id?: string | null;
  /** Absent means `api`. */
  billing?: Billing;
  started_at: string;
  /** Wall time of the HTTP exchange including the SDK's retries, in ms. */
  latency_ms: number;
  /** Exactly as returned by the API. */
  usage: Usage;
  /** Set when the call went to the fallback model: the model that failed and why (`overloaded (529)`, `server error (503)`). */
  fallback?: { from: string; reason: string };
}

/** The byte-identical prefix shared by every call of a chain (cached). */
export interface StablePrefix {
  /** project_rules.md text. */
  rules: string;
  /** The serialized prompt catalog (names, purposes, good_for, …). */
  catalog: string;
  /**
   * The repository map (src/memory/repoMap.ts): the workspace's files with their top-level symbols,
   * ≤ 2,000 tokens, made once when the chain's run starts; absent outside a chain run.
   */
  repoMap?: string;
}

export interface ResultToolSpec<T> {
  name: string;
  description: string;
  schema: z.ZodType<T>;
  /**
   * Top-level fields this step's result must carry (the prompt's `requires:` frontmatter); a
   * result without one goes back to the model as an error naming it (one correction).
   */
  requires?: readonly string[];
}

export interface StructuredRunSpec<T> {
  model: string;
  prefix: StablePrefix;
  /** The user message for the first turn: the rendered prompt and the chain state. */
  instructions: string;
  /**
   * The start of `instructions` that is the prompt's fixed text, the same on every run of the
   * prompt in the chain (a prompt written instructions-first: ../engine/promptRun.ts). The
   * Messages API backend sends it as a block of its own under a cache breakpoint, so a later run
   * of the prompt reads it; other backends send `instructions` as it is.
   */
  fixedInstructions?: string;
  /** The forced tool that ends the run. */
  result: ResultToolSpec<T>;
  /** Every tool definition sent (the same list on every call of a chain, for caching). */
  allTools: AgentTool[];
  /** Names of `allTools` this run may actually execute; others return an error tool_result. */
  enabledTools: string[];
  /**
   * Calls with `tool_choice: auto` before the result tool is forced (0 = force it on the first
   * call). A call of a tool not enabled here is answered with an error tool_result and costs a
   * turn, not a correction.
   */
  maxTurns: number;
  /**
   * Replies that did not move the step on, sent back for correction before the step fails
   * (DESIGN §5: 2): a result that fails its schema or its prompt's contract (`requires`), a reply
   * with no tool call, any other tool once the result is forced.
   */
  maxCorrections: number;
  /**
   * Hard bounds that hold whatever the model does (config caps.step_calls, caps.step_tool_calls,
   * and what caps.chain_calls leaves of the chain): Messages API calls of this step, and workspace
   * tool calls executed in it. Every backend enforces them; reaching one throws `StepFailedError`.
   */
  maxCalls: number;
  maxToolCalls: number;
  /** `max_tokens` of each call (set per step from the model's limit and the work, ./thinking.ts). */
  maxTokens: number;
  /** Thinking on the calls with `tool_choice: auto` (absent = off); forced calls never think. */
  thinking?: ThinkingSetting;
  /** Messages of an interrupted run of this step, to continue without repeating calls. */
  resumeMessages?: unknown[];
  /**
   * The model a call goes to once `model` failed after the SDK's retries with an overload (529) or
   * a 5xx (config `fallback_model`): that call is made again on it, once, and the rest of the
   * step stays on it. Absent: no fallback. Messages API backend only.
   */
  fallbackModel?: string;
  /**
   * A later run continues this conversation (src/engine/taskConversation.ts): its last call keeps
   * its cache breakpoint. Otherwise a forced result call, or a call of a step without tools, has
   * none (no later request reads what it would write).
   */
  keepConversation?: boolean;
  /** TTL of the cached prefix (tools, system): `1h` when the chain will wait at a human gate. */
  prefixTtl?: '5m' | '1h';
}

export interface RunHooks {
  /**
   * Called before every call with a local estimate of its input tokens and the messages about to
   * be sent (so the caller may count them exactly with `countTokens`); throw to stop (budget).
   * `estimatedInputTokens` may be a getter that serializes the request when read (a caller with no
   * budget to check never reads it), so read it at most once.
   */
  beforeCall?(info: {
    model: string;
    estimatedInputTokens: number;
    messages: readonly unknown[];
    billing?: Billing;
  }): Promise<void> | void;
  /** Called after every completed call with its record and the conversation so far. */
  onCall?(call: LlmCallResult, messages: unknown[]): Promise<void> | void;
  /**
   * Called after each workspace tool a step ran (not the result tool): its name, its validated
   * input, what went back to the model, when it started and how long it took (ms).
   */
  onToolResult?(event: {
    name: string;
    input: unknown;
    outcome: ToolOutcome;
    startedAt: Date;
    durationMs: number;
  }): void;
  /** Streamed text and tool activity, for progress on stderr. */
  onProgress?(event: { type: 'text'; text: string } | { type: 'tool'; name: string; summary: string }): void;
  /** Called when a call fails over to the fallback model (before it is made there). */
  onFallback?(info: { from: string; to: string; reason: string }): void;
}

export interface StructuredRunResult<T> {
  value: T;
  calls: LlmCallResult[];
  messages: unknown[];
  /**
   * What the backend itself says `calls` cost (USD), when it says so: Claude Code's
   * `total_cost_usd` for a run that started a new session. Compared with our price table.
   */
  reportedCostUsd?: number;
}

export interface LlmClient {
  /**
   * Runs an agent loop that ends with the model calling `spec.result` with input valid under its
   * schema. Throws `LlmApiError` (API failed after the SDK's retries), `StepFailedError` (no valid
   * result after `maxCorrections` corrections, or `maxCalls` / `maxToolCalls` reached), or whatever `hooks.beforeCall` throws.
   */
  runStructured<T>(spec: StructuredRunSpec<T>, hooks?: RunHooks): Promise<StructuredRunResult<T>>;
  /** Input tokens of a request as counted by the server, or null when it does not offer counting. */
  countTokens?(req: {
    model: string;
    prefix: StablePrefix;
    tools: AgentTool[];
    messages: unknown[];
  }): Promise<number | null>;
  /** The Messages API backend's cassette recorder (`--record`): opened by the driver for a chain's file. */
  recorder?: CassetteRecorder;
}
