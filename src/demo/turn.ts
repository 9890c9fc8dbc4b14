/**
 * How a scripted model reads a request of claude-exec: the prompt from the first line of the
 * first user message (`Prompt: <name> · phase: <phase> · step <n>`), `tool_choice` (`any` = agent
 * turns left; `{type: 'tool', name}` = the result tool is forced), the tools offered, and the
 * conversation so far (the tool_results already received). Used by the demo's model and the
 * tests' scripted scenarios.
 */

type Block = { type: string; text?: string; id?: string; name?: string; input?: unknown; tool_use_id?: string; content?: unknown; is_error?: boolean };
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
}

const blocks = (m: Message | undefined): Block[] => (!m ? [] : typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content);
const textOf = (content: unknown): string => (typeof content === 'string' ? content : Array.isArray(content) ? content.map((b: Block) => b.text ?? '').join('') : '');

/** Parses the request into a Turn; null when it is not a prompt run of claude-exec. */
export function readTurn(body: { messages?: Message[]; tool_choice?: { type: string; name?: string }; tools?: { name: string; input_schema?: unknown }[] }): Turn | null {
  const messages = body.messages ?? [];
  const instructions = blocks(messages[0]).map((b) => b.text ?? '').join('');
  const head = /^Prompt: (\w+) · phase: ([\w-]+) · step (\d+)/.exec(instructions);
  if (!head) return null;
  const uses = new Map<string, Block>();
  const results: Turn['results'] = [];
  for (const m of messages) {
    for (const b of blocks(m)) {
      if (b.type === 'tool_use' && b.id) uses.set(b.id, b);
      if (b.type === 'tool_result') {
        const use = uses.get(b.tool_use_id ?? '');
        results.push({ name: use?.name ?? '?', input: (use?.input ?? {}) as Record<string, unknown>, content: textOf(b.content), isError: b.is_error === true });
      }
    }
  }
  return {
    prompt: head[1]!,
    phase: head[2]!,
    step: Number(head[3]),
    instructions,
    forced: body.tool_choice?.type === 'tool' ? (body.tool_choice.name ?? null) : null,
    turn: messages.filter((m) => m.role === 'assistant').length,
    tools: (body.tools ?? []).map((t) => ({ name: t.name, input_schema: t.input_schema ?? {} })),
    results,
  };
}
