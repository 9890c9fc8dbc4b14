import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  buildRequest,
  buildSystem,
  buildTools,
  estimateInputTokens,
  toolInputSchema,
  withMessageBreakpoint,
  RESULT_TOOLS,
} from '../../src/llm/layout.js';
import { CHOOSE_NEXT_PROMPTS, RECORD_FINDINGS } from '../../src/phases/protocol.js';

const prefix = {
  rules: '# Project rules\nUse TypeScript.',
  catalog: 'trace_existing_flow: Understand how data flows',
};
const readFile = {
  name: 'read_file',
  description: 'Read a file',
  inputSchema: z.object({ path: z.string() }),
};

function request(instructions: string, toolChoice?: { type: 'any' }) {
  return buildRequest({
    model: 'claude-test',
    prefix,
    tools: buildTools([readFile]),
    messages: [{ role: 'user', content: [{ type: 'text', text: instructions }] }],
    maxTokens: 1000,
    ...(toolChoice ? { toolChoice } : {}),
  });
}

function countBreakpoints(value: unknown): number {
  return (JSON.stringify(value).match(/"cache_control"/g) ?? []).length;
}

describe('request layout', () => {
  it('serializes tools and system byte-identically for two different instructions', () => {
    const a = request('Run requirement_disambiguator on: add JWT auth');
    const b = request('Run trace_existing_flow focusing on sessions', { type: 'any' });
    expect(JSON.stringify(a.tools)).toBe(JSON.stringify(b.tools));
    expect(JSON.stringify(a.system)).toBe(JSON.stringify(b.system));
    expect(JSON.stringify(a.messages)).not.toBe(JSON.stringify(b.messages));
  });

  it('sends the agent tools, then both result tools in a fixed order, without a breakpoint (the system breakpoint caches them)', () => {
    const tools = buildTools([readFile]);
    expect(tools.map((t) => t.name)).toEqual(['read_file', RECORD_FINDINGS, CHOOSE_NEXT_PROMPTS]);
    expect(tools.map((t) => t.cache_control ?? null)).toEqual([null, null, null]);
    expect(tools[0]?.input_schema).toEqual({
      type: 'object',
      properties: { path: { type: 'string' } },
      required: ['path'],
    });
    expect(RESULT_TOOLS.map((t) => t.name)).toEqual([RECORD_FINDINGS, CHOOSE_NEXT_PROMPTS]);
  });

  it('refuses a duplicate tool name and a non-object input schema', () => {
    expect(() => buildTools([readFile, readFile])).toThrow(/duplicate tool name: read_file/);
    expect(() => toolInputSchema('bad', z.string())).toThrow(/must be a zod object/);
  });

  it('puts rules then catalog in the system blocks, a breakpoint on each (a request without the catalog still reads the rules)', () => {
    expect(buildSystem(prefix)).toEqual([
      { type: 'text', text: prefix.rules, cache_control: { type: 'ephemeral' } },
      { type: 'text', text: prefix.catalog, cache_control: { type: 'ephemeral' } },
    ]);
    expect(buildSystem({ ...prefix, catalog: '' })).toEqual([
      { type: 'text', text: prefix.rules, cache_control: { type: 'ephemeral' } },
    ]);
  });

  it('caches the prefix for an hour when asked; the message breakpoint keeps the default TTL', () => {
    const hour = { type: 'ephemeral', ttl: '1h' };
    expect(buildSystem(prefix, '1h').map((b) => b.cache_control)).toEqual([hour, hour]);
    const req = buildRequest({
      model: 'm',
      prefix,
      tools: buildTools([readFile]),
      messages: [{ role: 'user', content: 'x' }],
      maxTokens: 10,
      prefixTtl: '1h',
    });
    expect(req.messages[0]!.content).toEqual([
      { type: 'text', text: 'x', cache_control: { type: 'ephemeral' } },
    ]);
    expect(countBreakpoints(req)).toBe(3);
  });

  it("puts a breakpoint of the prefix's TTL on a prompt's fixed instructions, then the moving one: 4 in all", () => {
    const first = {
      role: 'user' as const,
      content: [
        { type: 'text' as const, text: 'fixed instructions' },
        { type: 'text' as const, text: 'Prompt: p · step 3' },
      ],
    };
    const req = buildRequest({
      model: 'm',
      prefix,
      tools: buildTools([readFile]),
      messages: [first],
      maxTokens: 10,
      prefixTtl: '1h',
      fixedBlock: true,
    });
    expect(req.messages[0]!.content).toEqual([
      { type: 'text', text: 'fixed instructions', cache_control: { type: 'ephemeral', ttl: '1h' } },
      { type: 'text', text: 'Prompt: p · step 3', cache_control: { type: 'ephemeral' } },
    ]);
    expect(countBreakpoints(req)).toBe(4);
    // A one-block first message has no fixed part: the flag adds nothing.
    const plain = buildRequest({
      model: 'm',
      prefix,
      tools: buildTools([readFile]),
      messages: [{ role: 'user', content: 'x' }],
      maxTokens: 10,
      fixedBlock: true,
      cacheMessages: false,
    });
    expect(countBreakpoints(plain)).toBe(2);
    expect(first.content[0]).toEqual({ type: 'text', text: 'fixed instructions' });
  });

  it('leaves the message breakpoint out of a call nothing will read', () => {
    const req = buildRequest({
      model: 'm',
      prefix,
      tools: buildTools([readFile]),
      messages: [{ role: 'user', content: 'x' }],
      maxTokens: 10,
      cacheMessages: false,
    });
    expect(req.messages).toEqual([{ role: 'user', content: 'x' }]);
    expect(countBreakpoints(req)).toBe(2);
  });

  it('moves the message breakpoint to the last block of the last user message without changing the input', () => {
    const messages = [
      { role: 'user' as const, content: 'first' },
      {
        role: 'assistant' as const,
        content: [{ type: 'tool_use' as const, id: 't1', name: 'read_file', input: { path: 'a' } }],
      },
      {
        role: 'user' as const,
        content: [
          { type: 'tool_result' as const, tool_use_id: 't1', content: 'x' },
          { type: 'text' as const, text: 'go on' },
        ],
      },
    ];
    const before = JSON.stringify(messages);
    const out = withMessageBreakpoint(messages);
    expect(JSON.stringify(messages)).toBe(before);
    expect(out[0]).toEqual({ role: 'user', content: 'first' });
    expect(out[2]?.content).toEqual([
      { type: 'tool_result', tool_use_id: 't1', content: 'x' },
      { type: 'text', text: 'go on', cache_control: { type: 'ephemeral' } },
    ]);
    expect(withMessageBreakpoint([{ role: 'user', content: 'only' }])[0]?.content).toEqual([
      { type: 'text', text: 'only', cache_control: { type: 'ephemeral' } },
    ]);
  });

  it('uses at most 4 breakpoints in a full request', () => {
    expect(countBreakpoints(request('x'))).toBe(3);
  });

  it('estimates input tokens as JSON length / 4, rounded up', () => {
    const req = request('hello');
    const expected = Math.ceil(
      JSON.stringify({ system: req.system, tools: req.tools, messages: req.messages }).length / 4,
    );
    expect(estimateInputTokens(req)).toBe(expected);
    expect(estimateInputTokens(request('hello'.repeat(400)))).toBeGreaterThan(expected + 400);
  });
});
