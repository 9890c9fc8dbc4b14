/**
 * Which workspace tools one prompt run may use, from its frontmatter `tools` (none | read |
 * write) and the phase: the one rule both backends follow. The API backend sends every tool (the
 * list stays byte-identical for the prompt cache) and runs only these; Claude Code is offered only
 * these and the step's result tool. Pure.
 */
import type { Phase } from '../chain/schema.js';
import { READ_TOOL_NAMES, WRITE_TOOL_NAMES } from './index.js';

/** A prompt's `tools` (frontmatter). none: no tools; read: list/read/search the workspace; write: also write/edit files and run tests. */
export const PROMPT_TOOLS = ['none', 'read', 'write'] as const;
export type PromptTools = (typeof PROMPT_TOOLS)[number];

/** An MCP tool as a step sees it (src/mcp/plan.ts PlannedTool): its name, and whether it writes. */
type McpToolRef = { name: string; write: boolean };

/** Pure: the names of `tools` a step may run: read-only ones always, write tools only when it may write. */
export function mcpNamesFor(tools: readonly McpToolRef[], mayWrite: boolean): string[] {
  return tools.filter((t) => mayWrite || !t.write).map((t) => t.name);
}

/** What a step's output is for: answering, or writing code (which gets more output tokens: src/llm/thinking.ts). */
type StepWork = 'answer' | 'code';

/** The workspace tools a step may run, its agent turns before the result is forced, and its kind of work. */
export interface StepTools {
  names: string[];
  maxTurns: number;
  work: StepWork;
}

/**
 * The tools of a prompt declaring `tools` run in `phase`, with the agent-turn caps of config
 * (`caps.agent_turns`, `caps.implementation_agent_turns`): none → no tools and one unforced turn (so
 * the model can think before it answers; then the result is forced); write → read and write tools,
 * only in implementation; otherwise read tools. `available`: the names of the tools the chain has
 * (run_check only with checks); others are left out. MCP tools (`mcp`, src/mcp/) follow: read-only
 * ones after the read tools of every step with tools, write ones only where the write tools are.
 */
export function stepTools(
  tools: PromptTools,
  phase: Phase,
  caps: { agent_turns: number; implementation_agent_turns: number },
  mcp: readonly McpToolRef[] = [],
  available?: readonly string[],
): StepTools {
  if (tools === 'none') return { names: [], maxTurns: 1, work: 'answer' };
  // run_check exists only in a workspace with checks: a step is never told of a tool it is not sent.
  const sent = (names: readonly string[]) =>
    available ? names.filter((n) => available.includes(n)) : [...names];
  if (tools === 'write' && phase === 'implementation')
    return {
      names: [...sent([...READ_TOOL_NAMES, ...WRITE_TOOL_NAMES]), ...mcpNamesFor(mcp, true)],
      maxTurns: caps.implementation_agent_turns,
      work: 'code',
    };
  return {
    names: [...sent(READ_TOOL_NAMES), ...mcpNamesFor(mcp, false)],
    maxTurns: caps.agent_turns,
    work: 'answer',
  };
}

/**
 * The tools a backend that offers per step (Claude Code) puts before the model: the step's
 * workspace tools (none for a prompt without tools, or when the result is forced on the first call)
 * in the order of `all`, then `result`.
 */
export function offeredToolNames(
  step: { enabled: readonly string[]; maxTurns: number; result: string },
  all: readonly string[],
): string[] {
  const workspace =
    step.maxTurns === 0 ? [] : all.filter((n) => step.enabled.includes(n) && n !== step.result);
  return [...workspace, step.result];
}
