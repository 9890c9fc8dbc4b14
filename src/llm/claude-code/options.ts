/**
 * The options of a Claude Code query for one prompt run: Claude Code's own tools, settings,
 * hooks files, CLAUDE.md, skills and other MCP servers off; ours served in-process; thinking off
 * (as with the API backend); a hard cap on calls; and the environment Claude Code runs in.
 */
import type { StructuredRunSpec } from '../types.js';
import type { SessionRef } from '../transcript.js';
import { MCP_SERVER, wireName } from './conversation.js';
import type { McpServer } from './sdk.js';

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

/** The system prompt: the cached prefix of every call, then the tool-name note. */
export function systemPrompt(spec: StructuredRunSpec<unknown>): string[] {
  return [spec.prefix.rules, spec.prefix.catalog, spec.prefix.repoMap ?? '', TOOL_NOTE].filter(
    (s) => s.length > 0,
  );
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
export function claudeEnv(
  opts: ClaudeCodeOptions,
  spec: StructuredRunSpec<unknown>,
): Record<string, string | undefined> {
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
 * Query options (without hooks and stderr, which the run adds). `tools` are the names of the
 * run's tool definitions; `maxTurns` is the hard bound on model calls, independent of the model
 * (at least 1); `session` continues a saved session after its entry `resume_at`.
 */
export function queryOptions(
  opts: ClaudeCodeOptions,
  spec: StructuredRunSpec<unknown>,
  run: { system: string[]; tools: string[]; server: McpServer; maxTurns: number; session: SessionRef | null },
): Record<string, unknown> {
  return {
    cwd: opts.workspace,
    model: spec.model,
    systemPrompt: run.system,
    tools: [],
    mcpServers: {
      [MCP_SERVER]: { type: 'sdk', name: MCP_SERVER, instance: run.server, timeout: opts.toolTimeoutMs },
    },
    strictMcpConfig: true,
    allowedTools: run.tools.map(wireName),
    toolAliases: Object.fromEntries(run.tools.map((name) => [name, wireName(name)])),
    permissionMode: 'dontAsk',
    settingSources: [],
    skills: [],
    thinking: { type: 'disabled' },
    includePartialMessages: true,
    maxTurns: Math.max(1, run.maxTurns),
    env: claudeEnv(opts, spec),
    ...(run.session ? { resume: run.session.session_id, resumeSessionAt: run.session.resume_at } : {}),
    ...(opts.executable ? { pathToClaudeCodeExecutable: opts.executable } : {}),
  };
}
