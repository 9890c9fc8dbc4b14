/**
 * What mcp/ owns of a chain's state: the record of one MCP tool call (a step's `mcp_calls`).
 * Schema only: chain/schema.ts composes it (.dependency-cruiser.cjs allows exactly that).
 */
import { z } from 'zod';

const isoDate = z.string();

/**
 * One call of an MCP server's tool by the model (src/mcp/), recorded on its step: which server and
 * tool, when and how long (ms), whether it failed and why (the server's error text, cut at 500
 * characters), its input as JSON (cut at 500 characters) and the bytes of its result as sent back.
 */
export const McpCallSchema = z.object({
  server: z.string(),
  tool: z.string(),
  at: isoDate,
  duration_ms: z.number().int().min(0),
  ok: z.boolean(),
  error: z.string().nullable(),
  input: z.string(),
  result_bytes: z.number().int().min(0),
});
export type McpCall = z.infer<typeof McpCallSchema>;
