/** Thinking, max_tokens and strict schemas per model and step (pure: src/llm/thinking.ts, models.ts, layout.ts). */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { modelFacts } from '../../src/llm/models.js';
import { maxTokensFor, raisedMaxTokens, thinkingAllowed, thinkingParam } from '../../src/llm/thinking.js';
import { buildRequest, buildTools, strictInputSchema } from '../../src/llm/layout.js';

describe('thinkingParam', () => {
  it('adaptive where the model has it, a budget where it only has budget thinking, nothing for unknown models or off', () => {
    expect(thinkingParam('claude-sonnet-4-6', 'adaptive', 16_000)).toEqual({ type: 'adaptive' });
    expect(thinkingParam('claude-haiku-4-5-20251001', 'adaptive', 16_000)).toEqual({
      type: 'enabled',
      budget_tokens: 8000,
    });
    expect(thinkingParam('claude-haiku-4-5', 6000, 16_000)).toEqual({ type: 'enabled', budget_tokens: 6000 });
    expect(thinkingParam('claude-opus-4-7', 6000, 16_000)).toEqual({ type: 'adaptive' });
    expect(thinkingParam('claude-sonnet-4-6', 'off', 16_000)).toBeNull();
    expect(thinkingParam('llama3', 'adaptive', 16_000)).toBeNull();
    expect(thinkingParam('claude-3-5-haiku-latest', 'adaptive', 8192)).toBeNull();
  });

  it('keeps a budget below max_tokens, and drops thinking when less than 1,024 tokens would be left for it', () => {
    expect(thinkingParam('claude-sonnet-4-5', 20_000, 8192)).toEqual({
      type: 'enabled',
      budget_tokens: 7168,
    });
    expect(thinkingParam('claude-sonnet-4-5', 2048, 2000)).toBeNull();
  });
});

describe('max_tokens per step', () => {
  it('gives writing code more than answering, within the model limit and the config cap', () => {
    expect(maxTokensFor('claude-sonnet-4-6', 'answer', null)).toBe(16_000);
    expect(maxTokensFor('claude-sonnet-4-6', 'code', null)).toBe(32_000);
    expect(maxTokensFor('claude-3-haiku-20240307', 'code', null)).toBe(4096);
    expect(maxTokensFor('claude-sonnet-4-6', 'code', 8192)).toBe(8192);
    expect(raisedMaxTokens('claude-opus-4-1', 20_000)).toBe(32_000);
    expect(raisedMaxTokens('claude-sonnet-4-6', 16_000)).toBe(32_000);
  });

  it('knows the documented limits by family prefix', () => {
    expect(modelFacts('claude-opus-4-6')?.maxOutputTokens).toBe(128_000);
    expect(modelFacts('claude-opus-4-20250514')?.maxOutputTokens).toBe(32_000);
    expect(modelFacts('claude-opus-4-5-20251101')?.maxOutputTokens).toBe(64_000);
    expect(modelFacts('claude-sonnet-4-20250514')?.thinking).toEqual({ adaptive: false, budget: true });
    expect(modelFacts('my-gateway-alias')).toBeNull();
  });
});

describe('thinkingAllowed', () => {
  const use = { type: 'tool_use' as const, id: 't', name: 'read_file', input: {} };
  const result = {
    role: 'user' as const,
    content: [{ type: 'tool_result' as const, tool_use_id: 't', content: 'x' }],
  };
  it('refuses thinking inside a tool loop whose last assistant turn was made without it', () => {
    expect(
      thinkingAllowed([{ role: 'user', content: 'go' }, { role: 'assistant', content: [use] }, result]),
    ).toBe(false);
    expect(
      thinkingAllowed([
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'p', signature: 's' }, use] },
        result,
      ]),
    ).toBe(true);
    expect(thinkingAllowed([{ role: 'user', content: 'go' }])).toBe(true);
  });
});

describe('buildRequest', () => {
  it('throws rather than send thinking with a forced tool choice', () => {
    const base = {
      model: 'claude-sonnet-4-6',
      prefix: { rules: 'r', catalog: 'c' },
      tools: [],
      messages: [{ role: 'user' as const, content: 'x' }],
      maxTokens: 16_000,
    };
    expect(() =>
      buildRequest({
        ...base,
        toolChoice: { type: 'tool', name: 'record_findings' },
        thinking: { type: 'adaptive' },
      }),
    ).toThrow(/forced tool choice/);
    expect(
      buildRequest({ ...base, toolChoice: { type: 'auto' }, thinking: { type: 'adaptive' } }),
    ).toMatchObject({ thinking: { type: 'adaptive' }, tool_choice: { type: 'auto' } });
  });
});

describe('strict result tools', () => {
  it('closes every object and drops the bounds strict mode refuses; declines records', () => {
    const schema = z.toJSONSchema(
      z.object({ xs: z.array(z.object({ n: z.number().min(0).max(1) })).max(4) }),
      { io: 'input' },
    );
    expect(strictInputSchema(schema)).toMatchObject({
      additionalProperties: false,
      properties: { xs: { items: { additionalProperties: false, properties: { n: { type: 'number' } } } } },
    });
    expect(JSON.stringify(strictInputSchema(schema))).not.toMatch(/maxItems|minimum|maximum/);
    expect(
      strictInputSchema(z.toJSONSchema(z.object({ r: z.record(z.string(), z.string()) }), { io: 'input' })),
    ).toBeNull();
  });

  it('sends choose_next_prompts strict and record_findings (it has a record) as before', () => {
    const tools = buildTools([]);
    expect(tools.map((t) => [t.name, t.strict ?? false])).toEqual([
      ['record_findings', false],
      ['choose_next_prompts', true],
    ]);
  });
});
