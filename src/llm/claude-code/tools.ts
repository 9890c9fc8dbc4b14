/**
 * The workspace tools and the step's result tool, served to Claude Code by an in-process MCP
 * server. The definitions are the API backend's (same names, descriptions and JSON Schemas:
 * ../layout.ts), and every call goes through the same handling (../tool-turn.ts `runToolUse`):
 * the same zod validation and correction messages, and the tools' own path guard, `.env` rule
 * and approval gates. Claude Code's own tools are not offered at all (`tools: []`), and of ours
 * only those the step may use.
 */
import type { StructuredRunSpec, RunHooks } from '../types.js';
import { agentToolDefinitions, buildTools, RESULT_TOOLS } from '../layout.js';
import { capReached, noResult } from '../agent-loop.js';
import { classifyUses, runToolUse } from '../tool-turn.js';
import type { McpSdk, McpServer } from './sdk.js';
import { offeredToolNames } from '../../tools/step.js';

/** Marks a tool result that ends Claude Code's turn: no further model call follows it. */
const END_TURN = { 'claude/endTurn': true };

/** What an MCP `tools/call` returns. */
export interface CallToolResult {
  content: { type: 'text'; text: string }[];
  isError?: boolean;
  _meta?: Record<string, unknown>;
}

/** The state of one run that tool calls read and change. */
export interface ToolRunState<T> {
  value?: { v: T };
  corrections: number;
  /** Workspace tool calls made in the step (bounded by `spec.maxToolCalls`). */
  toolCalls: number;
  /** Once the agent turns are spent, only the result tool may run. */
  resultOnly: boolean;
  /** The error that stops the run (a gate, a failed correction, a tool failure). */
  fatal?: unknown;
}

/**
 * The tool definitions offered to the model in a run, in the API backend's order and with its
 * JSON Schemas: only the step's own tools (../../tools/step.ts `offeredToolNames`), so a step whose
 * API form forces the result at once is offered its result tool alone.
 */
export function toolDefinitions(
  spec: StructuredRunSpec<unknown>,
): { name: string; description: string; input_schema: unknown }[] {
  const extra = RESULT_TOOLS.some((t) => t.name === spec.result.name)
    ? undefined
    : { name: spec.result.name, description: spec.result.description, inputSchema: spec.result.schema };
  const all = buildTools(agentToolDefinitions(spec.allTools), extra);
  const offered = new Set(
    offeredToolNames(
      { enabled: spec.enabledTools, maxTurns: spec.maxTurns, result: spec.result.name },
      all.map((t) => t.name),
    ),
  );
  return all
    .filter((t) => offered.has(t.name))
    .map((t) => ({ name: t.name, description: t.description ?? '', input_schema: t.input_schema }));
}

const text = (s: string, isError?: boolean): CallToolResult => ({
  content: [{ type: 'text', text: s }],
  ...(isError ? { isError: true } : {}),
});

/**
 * Handles one tool call of the model. A valid result ends the turn; an invalid one uses a
 * correction (past `spec.maxCorrections` the run stops with `fatal` set). An error thrown by a
 * tool (a gate waiting for a human, a failure) is kept in `state.fatal`, and the run is stopped
 * before the next model call.
 */
export async function callTool<T>(
  name: string,
  input: unknown,
  id: string,
  spec: StructuredRunSpec<T>,
  hooks: RunHooks,
  state: ToolRunState<T>,
  onStop: (err: unknown) => void,
): Promise<CallToolResult> {
  if (state.fatal !== undefined || state.value)
    return text('This step is finishing; no more tool calls run.', true);
  if (state.resultOnly && name !== spec.result.name) {
    return text(
      `The tool turns of this step are spent: call ${spec.result.name} now with what you have found.`,
      true,
    );
  }
  if (classifyUses([{ name }], spec).workspaceCalls > 0 && state.toolCalls >= spec.maxToolCalls) {
    onStop(capReached(spec, `${spec.maxToolCalls} tool calls`, 'caps.step_tool_calls'));
    return text(`This step has used its ${spec.maxToolCalls} tool calls; it stops here.`, true);
  }
  try {
    const out = await runToolUse({ type: 'tool_use', id, name, input }, spec, hooks);
    const content =
      typeof out.block.content === 'string' ? out.block.content : JSON.stringify(out.block.content);
    if (out.value) {
      state.value ??= out.value;
      return { content: [{ type: 'text', text: content }], _meta: END_TURN };
    }
    if (out.ran) state.toolCalls++;
    if (out.resultRejected && ++state.corrections > spec.maxCorrections)
      onStop(noResult(spec, 'gave invalid input', out.resultRejected));
    if (out.misdirected && ++state.corrections > spec.maxCorrections)
      onStop(noResult(spec, 'called tools that are not available in this step'));
    return text(content, out.block.is_error === true);
  } catch (err) {
    onStop(err);
    return text('This step stops here; claude-exec continues it later (`claude-exec resume`).', true);
  }
}

/** An MCP server with the run's tools; each `tools/call` goes to `handle`. */
export function createToolServer(
  mcp: McpSdk,
  version: string,
  defs: ReturnType<typeof toolDefinitions>,
  handle: (name: string, input: unknown, id: string) => Promise<CallToolResult>,
): McpServer {
  const server = new mcp.Server({ name: 'claude-exec', version }, { capabilities: { tools: {} } });
  const tools = defs.map((d) => ({
    name: d.name,
    description: d.description,
    inputSchema: d.input_schema,
    _meta: { 'anthropic/alwaysLoad': true },
  }));
  server.setRequestHandler(mcp.ListToolsRequestSchema, async () => ({ tools }));
  server.setRequestHandler(
    mcp.CallToolRequestSchema,
    async (request: { params: { name: string; arguments?: unknown; _meta?: Record<string, unknown> } }) => {
      const id = request.params._meta?.['claudecode/toolUseId'];
      return handle(
        request.params.name,
        request.params.arguments ?? {},
        typeof id === 'string' ? id : `mcp_${Date.now()}`,
      );
    },
  );
  return server;
}
