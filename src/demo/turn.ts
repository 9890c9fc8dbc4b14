/**
 * How a scripted model reads a request of claude-exec: the prompt from the text block of the
 * first user message that starts `Prompt: <name> · phase: <phase> · step <n>` (the only block with
 * the API backend; Claude Code puts its own reminders before it), `tool_choice` (`auto` = agent
 * turns left; `{type: 'tool', name}` = the result tool is forced; Claude Code never forces), the
 * tools offered, and the conversation so far (the tool_results already received, also those a
 * step restarted in a new session lists under "## Already done in this step"). Tool names are the
 * tools' own: Claude Code offers them as `mcp__claude-exec__<name>` (`offeredName` maps back).
 * Used by the demo's model and the tests' scripted scenarios.
 */

import { ITERATION_PREFIX } from '../llm/conversation.js';

type Block = {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: unknown;
  is_error?: boolean;
};
type Message = { role: string; content: string | Block[] };

/** What the model "sees" of a request. */
export interface Turn {
  prompt: string;
  phase: string;
  step: number;
  instructions: string;
  forced: string | null;
  turn: number;
  /** The tools offered, with their input schemas (to answer a forced tool no script knows). */
  tools: { name: string; input_schema: unknown }[];
  /** Every tool call so far with the text of its result. */
  results: { name: string; input: Record<string, unknown>; content: string; isError: boolean }[];
  /**
   * The text blocks of the last user message: the instructions on a run's first call, the failure
   * of a red run or a failed gate when a run continues the task's conversation, a reminder.
   */
  latest: string;
  /** How many times the conversation was continued with a new failure (`Next iteration:` user turns). */
  continued: number;
  /** The tool calls of the current run: those after the newest continuation (all of them when there is none). */
  runResults: Turn['results'];
}

const blocks = (m: Message | undefined): Block[] =>
  !m ? [] : typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
const textOf = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? content.map((b: Block) => b.text ?? '').join('')
      : '';

const HEADER = /^Prompt: (\w+) · phase: ([\w-]+) · step (\d+)/m;
/** A tool's own name: Claude Code offers MCP tools as `mcp__<server>__<name>`. */
const ownName = (name: string | undefined) => (name ?? '?').replace(/^mcp__[\w-]+?__/, '');

/** The name under which a request offers tool `name` (its own name when not offered). */
export function offeredName(body: { tools?: { name: string }[] } | null | undefined, name: string): string {
  return body?.tools?.find((t) => t.name === name || ownName(t.name) === name)?.name ?? name;
}

/** The tool calls listed under "## Already done in this step" (`### Turn N: name {input}` + result), and their turns. */
function replayedResults(instructions: string): { turns: number; results: Turn['results'] } {
  const at = instructions.indexOf('\n## Already done in this step\n');
  if (at < 0) return { turns: 0, results: [] };
  const results: Turn['results'] = [];
  let turns = 0;
  for (const part of instructions.slice(at).split('\n### Turn ').slice(1)) {
    const nl = part.indexOf('\n');
    const m = /^(\d+): (\w+) (.*?)( \(error\))?$/.exec(nl < 0 ? part : part.slice(0, nl));
    if (!m) continue;
    turns = Math.max(turns, Number(m[1]));
    let input: Record<string, unknown> = {};
    try {
      input = JSON.parse(m[3]!) as Record<string, unknown>;
    } catch {
      // not an input a script needs
    }
    results.push({
      name: m[2]!,
      input,
      content: nl < 0 ? '' : part.slice(nl + 1),
      isError: m[4] !== undefined,
    });
  }
  return { turns, results };
}

/** Parses the request into a Turn; null when it is not a prompt run of claude-exec. */
export function readTurn(body: {
  messages?: Message[];
  tool_choice?: { type: string; name?: string };
  tools?: { name: string; input_schema?: unknown }[];
}): Turn | null {
  const messages = body.messages ?? [];
  const instructions =
    blocks(messages[0])
      .map((b) => b.text ?? '')
      .find((text) => HEADER.test(text)) ?? '';
  const head = HEADER.exec(instructions);
  if (!head) return null;
  const uses = new Map<string, Block>();
  const results: Turn['results'] = [];
  let continued = 0;
  let runFrom = 0;
  for (const m of messages) {
    if (
      m.role === 'user' &&
      blocks(m).some((b) => b.type === 'text' && (b.text ?? '').startsWith(ITERATION_PREFIX))
    ) {
      continued++;
      runFrom = results.length;
    }
    for (const b of blocks(m)) {
      if (b.type === 'tool_use' && b.id) uses.set(b.id, b);
      if (b.type === 'tool_result') {
        const use = uses.get(b.tool_use_id ?? '');
        results.push({
          name: ownName(use?.name),
          input: (use?.input ?? {}) as Record<string, unknown>,
          content: textOf(b.content),
          isError: b.is_error === true,
        });
      }
    }
  }
  const replayed = replayedResults(instructions);
  return {
    prompt: head[1]!,
    phase: head[2]!,
    step: Number(head[3]),
    instructions,
    forced: body.tool_choice?.type === 'tool' ? (body.tool_choice.name ?? null) : null,
    turn: replayed.turns + messages.filter((m) => m.role === 'assistant').length,
    tools: (body.tools ?? []).map((t) => ({ name: ownName(t.name), input_schema: t.input_schema ?? {} })),
    results: [...replayed.results, ...results],
    latest: blocks([...messages].reverse().find((m) => m.role === 'user'))
      .filter((b) => b.type === 'text')
      .map((b) => b.text ?? '')
      .join('\n'),
    continued,
    runResults: continued > 0 ? results.slice(runFrom) : [...replayed.results, ...results],
  };
}
