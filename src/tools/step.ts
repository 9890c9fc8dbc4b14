/**
 * Which workspace tools one prompt run may use, from its frontmatter `tools` (none | read |
 * write) and the phase: the one rule both backends follow. The API backend sends every tool (the
 * list stays byte-identical for the prompt cache) and runs only these; Claude Code is offered only
 * these and the step's result tool. Pure.
 */
import type { Phase } from '../chain/schema.js';
import type { PromptTools } from '../library/parse.js';
import { READ_TOOL_NAMES, WRITE_TOOL_NAMES } from './index.js';

/** The workspace tools a step may run, and its agent turns before the result is forced (0: forced on the first call). */
export interface StepTools {
  names: string[];
  maxTurns: number;
}

/**
 * The tools of a prompt declaring `tools` run in `phase`, with the agent-turn caps of config
 * (`caps.agent_turns`, `caps.implementation_agent_turns`): none → no tools and 0 turns (the result
 * is forced at once); write → read and write tools, only in implementation; otherwise read tools.
 */
export function stepTools(tools: PromptTools, phase: Phase, caps: { agent_turns: number; implementation_agent_turns: number }): StepTools {
  if (tools === 'none') return { names: [], maxTurns: 0 };
  if (tools === 'write' && phase === 'implementation') return { names: [...READ_TOOL_NAMES, ...WRITE_TOOL_NAMES], maxTurns: caps.implementation_agent_turns };
  return { names: [...READ_TOOL_NAMES], maxTurns: caps.agent_turns };
}

/**
 * The tools a backend that offers per step (Claude Code) puts before the model: the step's
 * workspace tools (none when the result is forced on the first call, as the API form does) in
 * the order of `all`, then `result`.
 */
export function offeredToolNames(step: { enabled: readonly string[]; maxTurns: number; result: string }, all: readonly string[]): string[] {
  const workspace = step.maxTurns === 0 ? [] : all.filter((n) => step.enabled.includes(n) && n !== step.result);
  return [...workspace, step.result];
}
