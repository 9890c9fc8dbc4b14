/**
 * What the chain keeps of each MCP tool call (on its step: src/chain/schema.ts `McpCallSchema`).
 * Pure.
 */
import type { McpCall as McpCallRecord } from '../chain/schema.js';
import type { ToolOutcome } from '../tools/types.js';
import type { PlannedTool } from './plan.js';

/** Characters of a call's input and error kept in its record. */
const RECORD_CHARS = 500;
const cut = (s: string) => (s.length > RECORD_CHARS ? `${s.slice(0, RECORD_CHARS - 1)}…` : s);

/** Pure: the record of one call of `tool` (kept on its step, src/chain/schema.ts `McpCallSchema`). */
export function mcpCallRecord(
  tool: Pick<PlannedTool, 'server' | 'tool'>,
  e: { input: unknown; outcome: ToolOutcome; startedAt: Date; durationMs: number },
): McpCallRecord {
  return {
    server: tool.server,
    tool: tool.tool,
    at: e.startedAt.toISOString(),
    duration_ms: Math.max(0, Math.round(e.durationMs)),
    ok: !e.outcome.isError,
    error: e.outcome.isError ? cut(e.outcome.content) : null,
    input: cut(JSON.stringify(e.input) ?? ''),
    result_bytes: Buffer.byteLength(e.outcome.content, 'utf8'),
  };
}
