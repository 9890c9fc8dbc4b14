/**
 * A workspace tool the model may call in an agent loop. `run` never throws for problems the
 * model can fix (bad path, file not found, path outside the workspace): it returns
 * `{ isError: true, content }` so the message goes back as an error tool_result. It throws only
 * for fatal conditions (e.g. an interrupted approval).
 */
import type { z } from 'zod';

export interface ToolOutcome {
  /** Text sent back to the model as the tool_result content (already size-capped). */
  content: string;
  isError?: boolean;
}

export interface AgentTool<I = unknown> {
  name: string;
  description: string;
  inputSchema: z.ZodType<I>;
  /**
   * The JSON Schema sent as the tool's `input_schema` instead of one generated from `inputSchema`
   * (an MCP server's tool: its own schema, passed through; the server validates the input).
   */
  jsonSchema?: Record<string, unknown>;
  /**
   * Input properties that name a file or directory of the workspace (run_tests' `filter`
   * included). `guardToolPaths` (./pathGuard.ts) checks each before `run`: a path that leaves
   * the workspace, touches `.git/` or names a secrets file is refused as an error outcome.
   */
  pathArgs?: readonly string[];
  run(input: I): Promise<ToolOutcome>;
}
