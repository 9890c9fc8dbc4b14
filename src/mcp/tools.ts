/**
 * An MCP server's tool as an agent tool: its JSON Schema sent as it is, each call sent to the
 * server, and what comes back turned into one text result inside an `<mcp_result>` data block,
 * capped at `limits.tool_output_bytes` like every tool result. A failed call (the server's own
 * error result, a timeout, a server that went away) comes back to the model as an error result:
 * it never stops the chain.
 */
import { z } from 'zod';
import { dataBlock } from '../tools/dataBlock.js';
import { capHead } from '../tools/text.js';
import type { AgentTool, ToolOutcome } from '../tools/types.js';
import type { PlannedTool } from './plan.js';

/** A content block of an MCP tool result (`CallToolResult.content`): the fields read here. */
interface McpContent {
  type: string;
  text?: string;
  mimeType?: string;
  uri?: string;
  resource?: { uri?: string; text?: string; mimeType?: string };
}

/** What `tools/call` returns: the fields read here. */
export interface McpCallResult {
  content?: McpContent[];
  structuredContent?: unknown;
  isError?: boolean;
}

/** Sends one call to a server: its tool name as the server knows it, and the arguments. */
export type McpCall = (tool: string, args: Record<string, unknown>) => Promise<McpCallResult>;

/** Bytes of a result kept for the data block's tags and the truncation note. */
const TAG_RESERVE = 300;

function contentText(c: McpContent): string {
  switch (c.type) {
    case 'text':
      return c.text ?? '';
    case 'resource':
      return c.resource?.text !== undefined
        ? `[resource ${c.resource.uri ?? ''}]\n${c.resource.text}`
        : `[resource ${c.resource?.uri ?? ''} (${c.resource?.mimeType ?? 'binary'}): not shown]`;
    case 'resource_link':
      return `[resource link ${c.uri ?? ''}]`;
    default:
      return `[${c.type}${c.mimeType ? ` ${c.mimeType}` : ''}: not shown]`;
  }
}

/**
 * Pure: the text of a tool result: its content blocks (text as it is; images, audio and binary
 * resources named, not shown) one after another, or its structured content as JSON when it has no
 * content blocks.
 */
export function resultText(result: McpCallResult): string {
  const parts = (result.content ?? []).map(contentText);
  if (parts.length === 0 && result.structuredContent !== undefined)
    return JSON.stringify(result.structuredContent, null, 2);
  return parts.join('\n');
}

/**
 * Pure: what goes back to the model for `result` of `tool`: its text in an `<mcp_result server=…
 * tool=…>` block, cut to `maxBytes` with a note saying so; an error result is marked as one.
 */
export function resultOutcome(
  tool: Pick<PlannedTool, 'server' | 'tool'>,
  result: McpCallResult,
  maxBytes: number,
): ToolOutcome {
  const { text, truncated } = capHead(resultText(result), Math.max(0, maxBytes - TAG_RESERVE));
  const note = truncated ? `\n[cut at ${maxBytes} bytes (limits.tool_output_bytes); ask for less]` : '';
  const body =
    dataBlock('mcp_result', { server: tool.server, tool: tool.tool }, text || '(empty result)') + note;
  return result.isError
    ? { content: `The MCP tool reported an error:\n${body}`, isError: true }
    : { content: body };
}

/** The input the model gives an MCP tool: an object (the server checks it against its schema). */
const McpInput = z.record(z.string(), z.unknown());

/** `planned` as an agent tool whose calls go through `call`; results capped at `maxOutputBytes`. */
export function mcpAgentTool(
  planned: PlannedTool,
  call: McpCall,
  maxOutputBytes: number,
): AgentTool<Record<string, unknown>> {
  return {
    name: planned.name,
    description: `[MCP server ${planned.server}${planned.write ? ', may change things' : ''}] ${planned.description}`,
    inputSchema: McpInput,
    jsonSchema: planned.inputSchema,
    async run(input) {
      try {
        return resultOutcome(planned, await call(planned.tool, input), maxOutputBytes);
      } catch (err) {
        return {
          content: `MCP server ${planned.server} failed on ${planned.tool}: ${(err as Error)?.message ?? String(err)}`,
          isError: true,
        };
      }
    },
  };
}
