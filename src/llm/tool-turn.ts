/**
 * One assistant turn's tool calls: run the workspace tools (concurrently), validate the result
 * tool's input, and build the tool_result blocks of the next user message.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { z } from 'zod';
import type { AgentTool } from '../tools/types.js';
import type { RunHooks, StructuredRunSpec } from './types.js';
import { RESULT_TOOLS } from './layout.js';

export type ToolUseBlock = { type: 'tool_use'; id: string; name: string; input: unknown };
type ToolResultBlockParam = Anthropic.Messages.ToolResultBlockParam;

export type TurnOutcome<T> =
  | { kind: 'result'; value: T }
  /** `resultRejected`: the result tool was called with invalid input (one correction used). */
  | { kind: 'continue'; toolResults: ToolResultBlockParam[]; resultRejected: boolean };

/** Zod issues as `path: message` lines (`(root)` for the top level). */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`).join('\n');
}

/** The tool_use blocks of an assistant message's content. */
export function toolUses(content: readonly unknown[]): ToolUseBlock[] {
  return content.filter((b): b is ToolUseBlock => (b as { type?: unknown }).type === 'tool_use');
}

function summarize(input: unknown): string {
  const text = JSON.stringify(input) ?? '';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function errorResult(id: string, content: string): ToolResultBlockParam {
  return { type: 'tool_result', tool_use_id: id, content, is_error: true };
}

async function runTool(tool: AgentTool, use: ToolUseBlock, hooks: RunHooks): Promise<ToolResultBlockParam> {
  const parsed = tool.inputSchema.safeParse(use.input);
  if (!parsed.success) return errorResult(use.id, `invalid input for ${tool.name}:\n${formatIssues(parsed.error.issues)}`);
  hooks.onProgress?.({ type: 'tool', name: tool.name, summary: summarize(use.input) });
  const outcome = await tool.run(parsed.data);
  return { type: 'tool_result', tool_use_id: use.id, content: outcome.content, ...(outcome.isError ? { is_error: true } : {}) };
}

/** One tool_use handled: its tool_result block, the result value when it was a valid result-tool call. */
export interface UseOutcome<T> {
  block: ToolResultBlockParam;
  /** Set for a valid call of the step's result tool. */
  value?: { v: T };
  /** The result tool was called with invalid input (one correction used). */
  resultRejected?: boolean;
}

/**
 * Handles one tool_use block: the step's result tool (validated with its zod schema), another
 * protocol result tool (refused), or a workspace tool enabled for this run. Rethrows whatever a
 * tool throws (e.g. `AwaitingInputError` from a gate); every problem the model can fix comes
 * back as an error tool_result.
 */
export async function runToolUse<T>(use: ToolUseBlock, spec: StructuredRunSpec<T>, hooks: RunHooks): Promise<UseOutcome<T>> {
  if (use.name === spec.result.name) {
    const parsed = spec.result.schema.safeParse(use.input);
    if (parsed.success) return { block: { type: 'tool_result', tool_use_id: use.id, content: 'recorded' }, value: { v: parsed.data } };
    const issues = formatIssues(parsed.error.issues);
    return { block: errorResult(use.id, `${spec.result.name} input is invalid; call ${spec.result.name} again with these fixed:\n${issues}`), resultRejected: true };
  }
  if (RESULT_TOOLS.some((t) => t.name === use.name)) {
    return { block: errorResult(use.id, `${use.name} is not the result of this step; finish with ${spec.result.name}.`) };
  }
  const tool = spec.allTools.find((t) => t.name === use.name);
  if (!tool || !spec.enabledTools.includes(use.name)) return { block: errorResult(use.id, `${use.name} is not available in this step.`) };
  return { block: await runTool(tool, use, hooks) };
}

/**
 * Handles the tool_use blocks of one assistant turn. Tools run concurrently; when all have
 * settled, the first error thrown by a tool (e.g. `AwaitingInputError` from a gate) is rethrown
 * unchanged. A valid result-tool call ends the run (other calls of the turn still run first).
 * Tool results come back in the order of the tool_use blocks.
 */
export async function handleTurn<T>(
  uses: readonly ToolUseBlock[],
  spec: StructuredRunSpec<T>,
  hooks: RunHooks,
): Promise<TurnOutcome<T>> {
  const settled = await Promise.allSettled(uses.map((use) => runToolUse(use, spec, hooks)));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  const outcomes = settled.map((s) => (s as PromiseFulfilledResult<UseOutcome<T>>).value);
  const value = outcomes.find((o) => o.value)?.value;
  if (value) return { kind: 'result', value: value.v };
  return { kind: 'continue', toolResults: outcomes.map((o) => o.block), resultRejected: outcomes.some((o) => o.resultRejected) };
}
