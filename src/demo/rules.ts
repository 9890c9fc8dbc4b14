/**
 * The request checks of the local Messages API server (./server.ts): it refuses what the real API
 * refuses, with the API's own wording where we know it, so a request the API would answer with
 * 400 `invalid_request_error` fails the suite instead of passing it. Pure: a request body and what
 * the server issued earlier in, the first problem out (or null).
 *
 * Rules (Anthropic docs: extended thinking, tool use, prompt caching, models overview):
 * - `max_tokens` is a positive integer, at most the model's output limit (known models).
 * - thinking: `budget_tokens` ≥ 1,024 and < `max_tokens`; the mode must be one the model offers;
 *   thinking is never combined with a `tool_choice` that forces tool use (`any` / `tool`). The API
 *   refuses this for budget thinking; we refuse it for adaptive thinking too, as the newest models do.
 * - at most 4 blocks carry `cache_control`.
 * - every `tool_result` answers a `tool_use` of the assistant message right before it, tool_result
 *   blocks come first in their message, and every `tool_use` is answered in the next message.
 * - thinking blocks come back unchanged: a `signature` or redacted `data` the server did not issue
 *   is refused; with thinking on, the final assistant message of a tool loop starts with its
 *   thinking blocks, exactly the ones the server sent with its tool_use blocks.
 * - `strict: true` tools: every object has `additionalProperties: false` and no bound keyword the
 *   structured-output grammar rejects.
 */
import { createHmac } from 'node:crypto';
import { MIN_THINKING_BUDGET, modelFacts } from '../llm/models.js';

type Block = {
  type?: string;
  id?: string;
  tool_use_id?: string;
  thinking?: string;
  signature?: string;
  data?: string;
  cache_control?: unknown;
};
type Message = { role?: string; content?: string | Block[] };

/** A thinking block as the server sent it. */
export type IssuedThinking =
  { type: 'thinking'; thinking: string; signature: string } | { type: 'redacted_thinking'; data: string };

/** What the server remembers of its own replies, to check what comes back. */
export interface Issued {
  /** The thinking blocks of the reply that made each tool_use id (an empty list: none). */
  thinkingByToolUse: Map<string, IssuedThinking[]>;
  /** Redacted thinking payloads the server sent. */
  redacted: Set<string>;
  /** HMAC key of the thinking signatures. */
  key: string;
}

/** The signature of a thinking text under `key` (what the server sends and later checks). */
export function signThinking(key: string, thinking: string): string {
  return createHmac('sha256', key).update(thinking).digest('base64');
}

const blocksOf = (m: Message | undefined): Block[] =>
  !m ? [] : typeof m.content === 'string' ? [{ type: 'text' }] : Array.isArray(m.content) ? m.content : [];

const STRICT_REJECTED = [
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
];

/** The first problem of a strict tool's schema, or null. */
function strictSchemaProblem(schema: unknown, at: string): string | null {
  if (schema === null || typeof schema !== 'object') return null;
  const s = schema as Record<string, unknown>;
  for (const key of STRICT_REJECTED) if (key in s) return `${at}: '${key}' is not supported in strict mode`;
  if (typeof s.minItems === 'number' && s.minItems > 1)
    return `${at}: minItems values other than 0 or 1 are not supported in strict mode`;
  if (s.type === 'object' && s.additionalProperties !== false)
    return `${at}: For 'object' type, 'additionalProperties' must be explicitly set to false`;
  for (const [key, value] of Object.entries(s)) {
    if (key === 'properties' && value && typeof value === 'object') {
      for (const [name, sub] of Object.entries(value)) {
        const p = strictSchemaProblem(sub, `${at}.properties.${name}`);
        if (p) return p;
      }
    } else if (key === 'items' || key === 'anyOf' || key === 'allOf' || key === '$defs') {
      const subs = Array.isArray(value)
        ? value
        : key === '$defs' && value && typeof value === 'object'
          ? Object.values(value)
          : [value];
      for (const [i, sub] of subs.entries()) {
        const p = strictSchemaProblem(sub, `${at}.${key}.${i}`);
        if (p) return p;
      }
    }
  }
  return null;
}

function sameThinking(sent: Block[], issued: IssuedThinking[]): boolean {
  if (sent.length !== issued.length) return false;
  return issued.every((b, i) => {
    const s = sent[i]!;
    return b.type === 'thinking'
      ? s.type === 'thinking' && s.thinking === b.thinking && s.signature === b.signature
      : s.type === 'redacted_thinking' && s.data === b.data;
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function checkThinkingConfig(body: any): string | null {
  const thinking = body.thinking as { type?: string; budget_tokens?: unknown } | undefined;
  if (!thinking || thinking.type === 'disabled') return null;
  const facts = modelFacts(String(body.model));
  if (thinking.type === 'enabled') {
    const budget = thinking.budget_tokens;
    if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < MIN_THINKING_BUDGET)
      return `thinking.enabled.budget_tokens: Input should be greater than or equal to ${MIN_THINKING_BUDGET}`;
    if (budget >= body.max_tokens)
      return (
        '`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at ' +
        'https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size'
      );
    if (facts && !facts.thinking.budget)
      return `thinking.type.enabled is not supported for this model (${body.model}). Use thinking.type.adaptive instead.`;
  } else if (thinking.type === 'adaptive') {
    if (facts && !facts.thinking.adaptive)
      return `adaptive thinking is not supported on this model (${body.model})`;
  } else {
    return `thinking.type: Input tag '${String(thinking.type)}' found using 'type' does not match any of the expected tags: 'adaptive', 'disabled', 'enabled'`;
  }
  const choice = body.tool_choice as { type?: string } | undefined;
  if (choice && (choice.type === 'any' || choice.type === 'tool'))
    return 'Thinking may not be enabled when tool_choice forces tool use.';
  return null;
}

/**
 * The first reason the real API would refuse `body` (a `POST /v1/messages` body), or null.
 * `issued` is what the server sent earlier (signatures, tool_use ids and their thinking).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function requestProblem(body: any, issued: Issued): string | null {
  if (!body || typeof body !== 'object') return 'The request body is not valid JSON.';
  const maxTokens = body.max_tokens;
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1)
    return 'max_tokens: Field required (a positive integer)';
  const facts = modelFacts(String(body.model));
  if (facts && maxTokens > facts.maxOutputTokens)
    return `max_tokens: ${maxTokens} > ${facts.maxOutputTokens}, which is the maximum allowed number of output tokens for ${body.model}`;
  const thinkingProblem = checkThinkingConfig(body);
  if (thinkingProblem) return thinkingProblem;

  const messages: Message[] = Array.isArray(body.messages) ? body.messages : [];
  const systemBlocks: Block[] = Array.isArray(body.system) ? body.system : [];
  const tools: (Block & { strict?: boolean; input_schema?: unknown; name?: string })[] = Array.isArray(
    body.tools,
  )
    ? body.tools
    : [];
  const marked = [...tools, ...systemBlocks, ...messages.flatMap(blocksOf)].filter(
    (b) => b && b.cache_control,
  ).length;
  if (marked > 4) return `A maximum of 4 blocks with cache_control may be provided. Found ${marked}.`;

  for (const [i, tool] of tools.entries()) {
    // The API's own pattern and message for a custom tool's name (a dot or a slash is refused).
    if (typeof tool.name !== 'string' || !/^[a-zA-Z0-9_-]{1,128}$/.test(tool.name))
      return `tools.${i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`;
  }
  for (const [i, tool] of tools.entries()) {
    if (tool.strict !== true) continue;
    const p = strictSchemaProblem(tool.input_schema, `tools.${i}.custom.input_schema`);
    if (p) return `${p} (tool ${tool.name})`;
  }

  for (const [i, m] of messages.entries()) {
    const blocks = blocksOf(m);
    if (m.role === 'user') {
      const prevUses = new Set(
        blocksOf(messages[i - 1])
          .filter((b) => messages[i - 1]?.role === 'assistant' && b.type === 'tool_use')
          .map((b) => b.id),
      );
      let seenOther = false;
      for (const [j, b] of blocks.entries()) {
        if (b.type !== 'tool_result') {
          seenOther = true;
          continue;
        }
        if (seenOther)
          return `messages.${i}.content.${j}: tool_result blocks must come first in the content of a user message, before any other block`;
        if (!prevUses.has(b.tool_use_id))
          return (
            `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${b.tool_use_id}. ` +
            'Each `tool_result` block must have a corresponding `tool_use` block in the previous message.'
          );
      }
    } else if (m.role === 'assistant') {
      const ids = blocks.filter((b) => b.type === 'tool_use').map((b) => b.id);
      if (ids.length > 0 && i < messages.length - 1) {
        const answered = new Set(
          blocksOf(messages[i + 1])
            .filter((b) => b.type === 'tool_result')
            .map((b) => b.tool_use_id),
        );
        const missing = ids.filter((id) => !answered.has(id));
        if (messages[i + 1]?.role !== 'user' || missing.length > 0)
          return (
            `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. ` +
            'Each `tool_use` block must have a corresponding `tool_result` block in the next message.'
          );
      }
      for (const [j, b] of blocks.entries()) {
        if (
          b.type === 'thinking' &&
          (typeof b.thinking !== 'string' || b.signature !== signThinking(issued.key, b.thinking))
        )
          return `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`;
        if (b.type === 'redacted_thinking' && !issued.redacted.has(String(b.data)))
          return `messages.${i}.content.${j}: Invalid \`data\` in \`redacted_thinking\` block`;
      }
    }
  }

  const thinkingOn = body.thinking && body.thinking.type !== 'disabled';
  const lastAssistant = messages
    .map((m, i) => [m, i] as const)
    .filter(([m]) => m.role === 'assistant')
    .at(-1);
  if (thinkingOn && lastAssistant) {
    const [m, i] = lastAssistant;
    const blocks = blocksOf(m);
    const uses = blocks.filter((b) => b.type === 'tool_use');
    if (uses.length > 0 && i < messages.length - 1) {
      const head = blocks.findIndex((b) => b.type !== 'thinking' && b.type !== 'redacted_thinking');
      const leading = blocks.slice(0, head < 0 ? blocks.length : head);
      if (leading.length === 0) {
        return (
          `messages.${i}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${blocks[0]?.type}\`. ` +
          'When `thinking` is enabled, a final `assistant` message must start with a thinking block ' +
          '(preceeding the lastmost set of `tool_use` and `tool_result` blocks). ' +
          'We recommend you include thinking blocks from previous turns. To avoid this requirement, disable `thinking`.'
        );
      }
      const known = issued.thinkingByToolUse.get(String(uses[0]!.id));
      if (known && !sameThinking(leading, known))
        return `messages.${i}.content: the thinking blocks of this assistant message were altered, reordered or dropped; pass them back exactly as they were received.`;
    }
  }
  return null;
}
