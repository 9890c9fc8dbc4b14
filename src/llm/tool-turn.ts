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
  /**
   * `resultRejected`: the result tool was called with invalid input or without a field its
   * prompt requires — why, one `path: message` a line (one correction) — else null. `misdirected`:
   * a call named a tool that is unknown, disabled in this step, or the other result tool (answered
   * with an error; no correction). `toolCalls`: workspace tools executed in this turn.
   */
  | {
      kind: 'continue';
      toolResults: ToolResultBlockParam[];
      resultRejected: string | null;
      misdirected: boolean;
      toolCalls: number;
    };

/**
 * Pure: how a turn's tool calls stand against the step: does it call the step's result tool,
 * and does it call anything that is neither the result tool nor an enabled workspace tool.
 */
export function classifyUses(
  uses: readonly { name: string }[],
  spec: Pick<StructuredRunSpec<unknown>, 'result' | 'enabledTools'>,
): { callsResult: boolean; misdirected: boolean; workspaceCalls: number } {
  const enabled = new Set(spec.enabledTools);
  let callsResult = false;
  let misdirected = false;
  let workspaceCalls = 0;
  for (const use of uses) {
    if (use.name === spec.result.name) callsResult = true;
    else if (enabled.has(use.name)) workspaceCalls++;
    else misdirected = true;
  }
  return { callsResult, misdirected, workspaceCalls };
}

/** Zod issues as `path: message` lines (`(root)` for the top level). */
function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('\n');
}

/**
 * Pure: the fields of `spec.requires` that `value` lacks (absent, null, an empty string or an
 * empty list), in the order they are required.
 */
function missingRequired(value: unknown, requires: readonly string[] | undefined): string[] {
  if (!requires?.length || value === null || typeof value !== 'object') return [...(requires ?? [])];
  const v = value as Record<string, unknown>;
  return requires.filter((field) => {
    const x = v[field];
    return x === undefined || x === null || x === '' || (Array.isArray(x) && x.length === 0);
  });
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
  if (!parsed.success)
    return errorResult(use.id, `invalid input for ${tool.name}:\n${formatIssues(parsed.error.issues)}`);
  hooks.onProgress?.({ type: 'tool', name: tool.name, summary: summarize(use.input) });
  const startedAt = new Date();
  const outcome = await tool.run(parsed.data);
  hooks.onToolResult?.({
    name: tool.name,
    input: parsed.data,
    outcome,
    startedAt,
    durationMs: Date.now() - startedAt.getTime(),
  });
  return {
    type: 'tool_result',
    tool_use_id: use.id,
    content: outcome.content,
    ...(outcome.isError ? { is_error: true } : {}),
  };
}

/** One tool_use handled: its tool_result block, and what it did to the step. */
export interface UseOutcome<T> {
  block: ToolResultBlockParam;
  /** Set for a valid call of the step's result tool. */
  value?: { v: T };
  /** The result tool was called with invalid input or without a required field (one correction): why, `path: message` a line. */
  resultRejected?: string;
  /** An unknown or disabled tool, or the other result tool, was called (answered with an error). */
  misdirected?: boolean;
  /** A workspace tool was executed. */
  ran?: boolean;
}

/**
 * Handles one tool_use block: the step's result tool (validated with its zod schema), another
 * protocol result tool or a tool not enabled here (refused), or an enabled workspace tool.
 * Rethrows whatever a tool throws (e.g. `AwaitingInputError` from a gate); every problem the
 * model can fix comes back as an error tool_result. Used by both backends.
 */
export async function runToolUse<T>(
  use: ToolUseBlock,
  spec: StructuredRunSpec<T>,
  hooks: RunHooks,
): Promise<UseOutcome<T>> {
  if (use.name === spec.result.name) {
    const parsed = spec.result.schema.safeParse(use.input);
    const missing = parsed.success ? missingRequired(parsed.data, spec.result.requires) : [];
    if (parsed.success && missing.length > 0) {
      const fields = missing.map((f) => `\`${f}\``).join(', ');
      return {
        block: errorResult(
          use.id,
          `${spec.result.name} is missing ${fields}, which this prompt's result must contain; call ${spec.result.name} again with ${missing.length > 1 ? 'them' : 'it'} filled in.`,
        ),
        resultRejected: `missing ${fields}`,
      };
    }
    if (parsed.success)
      return {
        block: { type: 'tool_result', tool_use_id: use.id, content: 'recorded' },
        value: { v: parsed.data },
      };
    const issues = formatIssues(parsed.error.issues);
    return {
      block: errorResult(
        use.id,
        `${spec.result.name} input is invalid; call ${spec.result.name} again with these fixed:\n${issues}`,
      ),
      resultRejected: issues || 'invalid input',
    };
  }
  if (RESULT_TOOLS.some((t) => t.name === use.name)) {
    return {
      block: errorResult(
        use.id,
        `${use.name} is not the result of this step; finish with ${spec.result.name}.`,
      ),
      misdirected: true,
    };
  }
  const tool = spec.allTools.find((t) => t.name === use.name);
  if (!tool || !spec.enabledTools.includes(use.name)) {
    const available = [...spec.enabledTools, spec.result.name].join(', ');
    return {
      block: errorResult(
        use.id,
        `${use.name} is not available in this step; the tools you may call are: ${available}.`,
      ),
      misdirected: true,
    };
  }
  return { block: await runTool(tool, use, hooks), ran: true };
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
  return {
    kind: 'continue',
    toolResults: outcomes.map((o) => o.block),
    resultRejected: outcomes.find((o) => o.resultRejected)?.resultRejected ?? null,
    misdirected: outcomes.some((o) => o.misdirected),
    toolCalls: outcomes.filter((o) => o.ran).length,
  };
}
