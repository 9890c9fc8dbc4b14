/**
 * The request layout that makes prompt caching work (DESIGN §5). Pure: data in, request out.
 *
 * Order of the cached prefix, as the Messages API reads it: tools → system → messages.
 * Breakpoints (at most 4 are allowed; we use up to 4):
 *   1. the rules block of the system prompt (phase controller and project rules), followed by the
 *      repository map when the chain has one (the breakpoint is on the map then: both are fixed
 *      for the run); it caches the tools before it as well;
 *   2. the prompt catalog after them, when the request carries it (implementation and readiness
 *      requests leave it out and still read tools, rules and map from cache at breakpoint 1);
 *   3. the first block of the step's first message when it is the prompt's fixed instructions
 *      (`fixedBlock`: a prompt written instructions-first, ../engine/promptRun.ts), so the next
 *      run of that prompt in the chain (the selector of every context round) reads them; left
 *      out on a forced call, whose thinking setting differs (a different message prefix);
 *   4. the last content block of the last user message, a moving breakpoint so each turn of an
 *      agent loop reads the earlier turns from cache — left out on a call no later request
 *      reads (`cacheMessages: false`: a forced result call, a step without tools).
 * The tools carry no breakpoint of their own: they and the system never depend on the step, so
 * they are byte-identical on every call of a chain and every read reaches breakpoint 1 or 2 (a
 * breakpoint on the tools would only be read by a request whose system differs, which a chain
 * never sends). The prefix breakpoints (1–3) take `prefixTtl` (`1h` when the chain will wait at
 * a human gate: a 1-hour write costs 2× base input instead of 1.25×, and the prefix outlives the
 * wait); the message breakpoint always uses the default 5 minutes (1-hour entries must come first).
 */
import { z } from 'zod';
import type Anthropic from '@anthropic-ai/sdk';
import type { AgentTool } from '../tools/types.js';
import type { StablePrefix } from './types.js';
import type { ThinkingParam } from './thinking.js';
import {
  CHOOSE_NEXT_PROMPTS,
  FindingsSchema,
  NextPromptsSchema,
  RECORD_FINDINGS,
} from '../phases/protocol.js';

type MessageParam = Anthropic.Messages.MessageParam;
type Tool = Anthropic.Messages.Tool;
type TextBlockParam = Anthropic.Messages.TextBlockParam;
type ToolChoice = Anthropic.Messages.ToolChoice;

const EPHEMERAL = { type: 'ephemeral' } as const;

/** A prefix cache TTL: the API's default 5 minutes, or 1 hour (`cache_control.ttl: "1h"`). */
export type CacheTtl = '5m' | '1h';

/** The cache_control of a prefix breakpoint with `ttl`. */
const cacheControl = (ttl: CacheTtl = '5m') =>
  ttl === '1h' ? ({ type: 'ephemeral', ttl: '1h' } as const) : EPHEMERAL;

/** A tool as sent to the model: name, description, JSON Schema of its input (type object). */
export interface ToolDefinition {
  name: string;
  description: string;
  inputSchema: z.ZodType;
  /** Sent as `input_schema` as it is, instead of the schema generated from `inputSchema` (an MCP tool's own). */
  jsonSchema?: Record<string, unknown>;
  /**
   * Send it with `strict: true` (structured outputs: the API guarantees input valid under the
   * schema) when its schema can be expressed in strict mode (`strictInputSchema`); else as usual.
   */
  strict?: boolean;
}

/** Keywords the strict-mode grammar refuses (structured-outputs docs); zod still checks them locally. */
const STRICT_DROPPED = [
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

/**
 * Pure: `schema` as strict mode accepts it — every object closed (`additionalProperties: false`),
 * bounds the grammar refuses dropped (the zod schema still enforces them when the input is
 * validated), `minItems` above 1 dropped — or null when it has something strict mode cannot
 * express (an object with open or typed additional properties, i.e. a record).
 */
export function strictInputSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) {
    const out = schema.map(strictInputSchema);
    return out.includes(null) ? null : out;
  }
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (STRICT_DROPPED.includes(key)) continue;
    if (key === 'minItems' && typeof value === 'number' && value > 1) continue;
    if (key === 'additionalProperties') {
      if (value !== false) return null;
      continue;
    }
    if (key === 'properties' && value && typeof value === 'object') {
      const props: Record<string, unknown> = {};
      for (const [name, sub] of Object.entries(value)) {
        const strict = strictInputSchema(sub);
        if (strict === null) return null;
        props[name] = strict;
      }
      out[key] = props;
      continue;
    }
    if (key === 'items' || key === 'anyOf' || key === 'allOf' || key === 'oneOf' || key === 'prefixItems') {
      const sub = strictInputSchema(value);
      if (sub === null) return null;
      out[key] = sub;
      continue;
    }
    out[key] = value;
  }
  if (out.type === 'object') out.additionalProperties = false;
  return out;
}

/**
 * The two result tools of the prompt protocol, always both and always in this order, so the tool
 * list does not change between a prompt run (record_findings) and a controller decision
 * (choose_next_prompts).
 */
export const RESULT_TOOLS: readonly ToolDefinition[] = [
  {
    name: RECORD_FINDINGS,
    description:
      'Record the result of this step. Call it exactly once, when the step is done; the chain continues from what you record here.',
    inputSchema: FindingsSchema,
    // Asked, but sent without `strict`: `discovered` is a record (typed additional properties),
    // which strict mode cannot express, so strictInputSchema declines it.
    strict: true,
  },
  {
    name: CHOOSE_NEXT_PROMPTS,
    description:
      'Decide which catalog prompts run next (independent ones run concurrently) and whether the context is ready for analysis.',
    inputSchema: NextPromptsSchema,
    strict: true,
  },
];

/** Generated once per schema: every prompt run sends the same tools (about 0.6 ms to generate them all). */
const inputSchemas = new WeakMap<z.ZodType, Tool['input_schema']>();

/**
 * JSON Schema of a tool's input, generated from its zod schema (input side, `$schema` dropped).
 * Throws `Error` when the schema is not an object schema: the API requires `type: "object"`.
 */
export function toolInputSchema(name: string, schema: z.ZodType): Tool['input_schema'] {
  const known = inputSchemas.get(schema);
  if (known) return known;
  const json = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  delete json.$schema;
  if (json.type !== 'object') throw new Error(`tool ${name}: input schema must be a zod object`);
  inputSchemas.set(schema, json as Tool['input_schema']);
  return json as Tool['input_schema'];
}

/**
 * Every tool definition sent on a call: `tools` in the given order, then the result tools (no
 * cache breakpoint: the system's first breakpoint caches them). Throws `Error` on a duplicate name.
 * A result name outside the protocol (`extraResult`) is appended after the protocol pair.
 */
export function buildTools(tools: readonly ToolDefinition[], extraResult?: ToolDefinition): Tool[] {
  const all = [...tools, ...RESULT_TOOLS];
  if (extraResult && !all.some((t) => t.name === extraResult.name)) all.push(extraResult);
  const seen = new Set<string>();
  const out: Tool[] = all.map((t) => {
    if (seen.has(t.name)) throw new Error(`duplicate tool name: ${t.name}`);
    seen.add(t.name);
    const schema = t.jsonSchema
      ? (t.jsonSchema as Tool['input_schema'])
      : toolInputSchema(t.name, t.inputSchema);
    const strict = t.strict ? strictInputSchema(schema) : null;
    return strict
      ? {
          name: t.name,
          description: t.description,
          input_schema: strict as Tool['input_schema'],
          strict: true,
        }
      : { name: t.name, description: t.description, input_schema: schema };
  });
  return out;
}

/** The agent tools of a run as tool definitions. */
export function agentToolDefinitions(tools: readonly AgentTool[]): ToolDefinition[] {
  return tools.map((t) => ({
    name: t.name,
    description: t.description,
    inputSchema: t.inputSchema,
    ...(t.jsonSchema ? { jsonSchema: t.jsonSchema } : {}),
  }));
}

/**
 * System blocks: project rules, then the repository map (when the chain has one), then the
 * catalog (each left out when empty). A cache breakpoint of `ttl` ends the rules-and-map group and
 * another the catalog, so a request without the catalog still reads tools, rules and map from
 * cache. The map is on every call of the chain, not only those with tools: a system prefix that
 * differed between steps would be written to the cache twice, and the map is at most 2,000
 * tokens, read from cache after the first call.
 */
export function buildSystem(prefix: StablePrefix, ttl: CacheTtl = '5m'): TextBlockParam[] {
  const fixed: TextBlockParam[] = [prefix.rules, prefix.repoMap ?? '']
    .filter((text) => text.length > 0)
    .map((text) => ({ type: 'text', text }));
  const last = fixed.at(-1);
  if (last) fixed[fixed.length - 1] = { ...last, cache_control: cacheControl(ttl) };
  const catalog: TextBlockParam[] =
    prefix.catalog.length > 0
      ? [{ type: 'text', text: prefix.catalog, cache_control: cacheControl(ttl) }]
      : [];
  return [...fixed, ...catalog];
}

/**
 * A copy of `messages` whose last user message carries a cache breakpoint on its last content
 * block. The input is not changed, so stored conversations never accumulate breakpoints.
 */
export function withMessageBreakpoint(messages: readonly MessageParam[]): MessageParam[] {
  const out = [...messages];
  for (let i = out.length - 1; i >= 0; i--) {
    const m = out[i];
    if (!m || m.role !== 'user') continue;
    const blocks =
      typeof m.content === 'string' ? [{ type: 'text' as const, text: m.content }] : [...m.content];
    const last = blocks.at(-1);
    if (!last) return out;
    blocks[blocks.length - 1] = { ...last, cache_control: EPHEMERAL } as typeof last;
    out[i] = { ...m, content: blocks };
    return out;
  }
  return out;
}

/**
 * A copy of `messages` whose first message (the step's first user message) carries a breakpoint
 * of `ttl` on its first block, when it has more than one block (the prompt's fixed instructions,
 * then the step's own text). The input is not changed.
 */
function withFixedBreakpoint(messages: readonly MessageParam[], ttl: CacheTtl): MessageParam[] {
  const out = [...messages];
  const first = out[0];
  if (!first || first.role !== 'user' || typeof first.content === 'string' || first.content.length < 2)
    return out;
  const [head, ...rest] = first.content;
  out[0] = {
    ...first,
    content: [{ ...head, cache_control: cacheControl(ttl) } as (typeof rest)[0], ...rest],
  };
  return out;
}

export interface RequestLayoutInput {
  model: string;
  prefix: StablePrefix;
  tools: Tool[];
  messages: readonly MessageParam[];
  maxTokens: number;
  toolChoice?: ToolChoice;
  /** Never together with a forced tool choice (the API refuses it). */
  thinking?: ThinkingParam | null;
  /** Put the moving breakpoint on the last user message (default true): false on a call no later request reads. */
  cacheMessages?: boolean;
  /** Put a breakpoint on the first block of the first message, the prompt's fixed instructions (default false). */
  fixedBlock?: boolean;
  /** TTL of the system breakpoints and of the fixed-instructions breakpoint. */
  prefixTtl?: CacheTtl;
}

export interface LaidOutRequest {
  model: string;
  max_tokens: number;
  thinking?: ThinkingParam;
  system: TextBlockParam[];
  tools: Tool[];
  tool_choice?: ToolChoice;
  messages: MessageParam[];
}

/**
 * The full request body (without `stream`) in the cache-friendly layout described above. Throws
 * `Error` when thinking is asked together with a forced tool choice (a bug: the API refuses it).
 */
export function buildRequest(input: RequestLayoutInput): LaidOutRequest {
  const forced = input.toolChoice?.type === 'any' || input.toolChoice?.type === 'tool';
  if (forced && input.thinking) throw new Error('thinking cannot be combined with a forced tool choice');
  const messages =
    input.cacheMessages === false ? [...input.messages] : withMessageBreakpoint(input.messages);
  return {
    model: input.model,
    max_tokens: input.maxTokens,
    ...(input.thinking ? { thinking: input.thinking } : {}),
    system: buildSystem(input.prefix, input.prefixTtl),
    tools: input.tools,
    ...(input.toolChoice ? { tool_choice: input.toolChoice } : {}),
    messages: input.fixedBlock ? withFixedBreakpoint(messages, input.prefixTtl ?? '5m') : messages,
  };
}

/**
 * A local ESTIMATE of a request's input tokens: UTF-16 length of its JSON / 4, rounded up
 * (the common ~4 characters per token rule of thumb). Used for budget checks before a call;
 * never recorded as usage.
 */
export function estimateInputTokens(request: {
  system?: unknown;
  tools?: unknown;
  messages: unknown;
}): number {
  const { system, tools, messages } = request;
  return Math.ceil(JSON.stringify({ system, tools, messages }).length / 4);
}
