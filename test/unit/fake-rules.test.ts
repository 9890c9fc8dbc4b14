/** The fake Messages API's refusals (src/demo/rules.ts): each rule refuses a bad request and accepts the good one beside it. */
import { describe, expect, it } from 'vitest';
import { requestProblem, signThinking, type Issued } from '../../src/demo/rules.js';

const issued = (): Issued => ({ thinkingByToolUse: new Map(), redacted: new Set(), key: 'k' });
const base = (over: Record<string, unknown> = {}) => ({
  model: 'claude-sonnet-4-6',
  max_tokens: 4096,
  messages: [{ role: 'user', content: 'hi' }],
  ...over,
});
const thinkingBlock = (text: string, key = 'k') => ({
  type: 'thinking',
  thinking: text,
  signature: signThinking(key, text),
});

/** user → assistant (thinking?, tool_use) → user (tool_result): a conversation inside a tool loop. */
function loop(assistant: unknown[]) {
  return [
    { role: 'user', content: 'go' },
    { role: 'assistant', content: assistant },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu_1', content: 'ok' }] },
  ];
}
const use = { type: 'tool_use', id: 'tu_1', name: 'read_file', input: { path: 'a' } };

describe('the fake refuses what the API refuses', () => {
  it('a tool name outside the API pattern (an MCP name with a dot or a slash)', () => {
    const tool = (name: string) => ({
      name,
      description: 'd',
      input_schema: { type: 'object', properties: {} },
    });
    expect(requestProblem(base({ tools: [tool('read_file'), tool('tickets.lookup')] }), issued())).toBe(
      "tools.1.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'",
    );
    expect(requestProblem(base({ tools: [tool('mcp/tickets/lookup')] }), issued())).toMatch(
      /^tools\.0\.custom\.name/,
    );
    expect(requestProblem(base({ tools: [tool('x'.repeat(129))] }), issued())).toMatch(
      /^tools\.0\.custom\.name/,
    );
    expect(
      requestProblem(base({ tools: [tool('mcp__tickets__lookup_ticket'), tool('x'.repeat(128))] }), issued()),
    ).toBeNull();
  });

  it('thinking with a forced tool choice; thinking with auto is accepted', () => {
    for (const thinking of [{ type: 'adaptive' }, { type: 'enabled', budget_tokens: 2048 }]) {
      expect(requestProblem(base({ thinking, tool_choice: { type: 'any' } }), issued())).toMatch(
        /Thinking may not be enabled when tool_choice forces tool use/,
      );
      expect(requestProblem(base({ thinking, tool_choice: { type: 'tool', name: 'x' } }), issued())).toMatch(
        /forces tool use/,
      );
      expect(requestProblem(base({ thinking, tool_choice: { type: 'auto' } }), issued())).toBeNull();
    }
    expect(requestProblem(base({ tool_choice: { type: 'any' } }), issued())).toBeNull();
  });

  it('a thinking budget under 1,024 or not below max_tokens', () => {
    expect(requestProblem(base({ thinking: { type: 'enabled', budget_tokens: 1000 } }), issued())).toMatch(
      /greater than or equal to 1024/,
    );
    expect(requestProblem(base({ thinking: { type: 'enabled', budget_tokens: 4096 } }), issued())).toMatch(
      /`max_tokens` must be greater than `thinking.budget_tokens`/,
    );
    expect(requestProblem(base({ thinking: { type: 'enabled', budget_tokens: 4095 } }), issued())).toBeNull();
  });

  it('a thinking mode the model does not offer', () => {
    expect(
      requestProblem(base({ model: 'claude-haiku-4-5', thinking: { type: 'adaptive' } }), issued()),
    ).toMatch(/adaptive thinking is not supported/);
    expect(
      requestProblem(
        base({ model: 'claude-opus-4-7', thinking: { type: 'enabled', budget_tokens: 2048 } }),
        issued(),
      ),
    ).toMatch(/not supported for this model/);
    expect(
      requestProblem(
        base({ model: 'claude-haiku-4-5', thinking: { type: 'enabled', budget_tokens: 2048 } }),
        issued(),
      ),
    ).toBeNull();
  });

  it('max_tokens over the model output limit', () => {
    expect(requestProblem(base({ model: 'claude-haiku-4-5', max_tokens: 64_001 }), issued())).toBe(
      'max_tokens: 64001 > 64000, which is the maximum allowed number of output tokens for claude-haiku-4-5',
    );
    expect(
      requestProblem(base({ model: 'claude-haiku-4-5-20251001', max_tokens: 64_000 }), issued()),
    ).toBeNull();
    expect(requestProblem(base({ model: 'some-local-model', max_tokens: 500_000 }), issued())).toBeNull();
  });

  it('more than 4 cache_control blocks', () => {
    const cc = { type: 'ephemeral' };
    const system = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ type: 'text', text: `s${i}`, cache_control: cc }));
    expect(requestProblem(base({ system: system(5) }), issued())).toBe(
      'A maximum of 4 blocks with cache_control may be provided. Found 5.',
    );
    expect(requestProblem(base({ system: system(4) }), issued())).toBeNull();
  });

  it('a tool_result without its tool_use in the message before, and a tool_use left unanswered', () => {
    const orphan = [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: [{ type: 'text', text: 'x' }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu_9', content: 'x' }] },
    ];
    expect(requestProblem(base({ messages: orphan }), issued())).toMatch(
      /unexpected `tool_use_id` found in `tool_result` blocks: tu_9/,
    );
    const unanswered = [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: [use] },
      { role: 'user', content: [{ type: 'text', text: 'next' }] },
    ];
    expect(requestProblem(base({ messages: unanswered }), issued())).toMatch(
      /`tool_use` ids were found without `tool_result` blocks immediately after: tu_1/,
    );
    const textFirst = [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: [use] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'x' },
          { type: 'tool_result', tool_use_id: 'tu_1', content: 'ok' },
        ],
      },
    ];
    expect(requestProblem(base({ messages: textFirst }), issued())).toMatch(
      /tool_result blocks must come first/,
    );
    expect(requestProblem(base({ messages: loop([use]) }), issued())).toBeNull();
  });

  it('with thinking on, a tool loop whose last assistant message lost its thinking block', () => {
    const thinking = { type: 'adaptive' };
    expect(requestProblem(base({ thinking, messages: loop([use]) }), issued())).toMatch(
      /Expected `thinking` or `redacted_thinking`, but found `tool_use`/,
    );
    expect(
      requestProblem(base({ thinking, messages: loop([thinkingBlock('plan'), use]) }), issued()),
    ).toBeNull();
    // With thinking off the same conversation is accepted (a forced call after a thinking loop).
    expect(requestProblem(base({ messages: loop([thinkingBlock('plan'), use]) }), issued())).toBeNull();
  });

  it('a thinking block altered, or one of the issued blocks dropped', () => {
    const altered = { ...thinkingBlock('plan'), thinking: 'plan, edited' };
    expect(requestProblem(base({ messages: loop([altered, use]) }), issued())).toMatch(
      /Invalid `signature` in `thinking` block/,
    );
    const is = issued();
    is.redacted.add('opaque');
    is.thinkingByToolUse.set('tu_1', [
      thinkingBlock('plan') as never,
      { type: 'redacted_thinking', data: 'opaque' },
    ]);
    const thinking = { type: 'adaptive' };
    expect(requestProblem(base({ thinking, messages: loop([thinkingBlock('plan'), use]) }), is)).toMatch(
      /altered, reordered or dropped/,
    );
    expect(
      requestProblem(
        base({
          thinking,
          messages: loop([thinkingBlock('plan'), { type: 'redacted_thinking', data: 'opaque' }, use]),
        }),
        is,
      ),
    ).toBeNull();
    expect(
      requestProblem(base({ messages: loop([{ type: 'redacted_thinking', data: 'forged' }, use]) }), is),
    ).toMatch(/Invalid `data` in `redacted_thinking`/);
  });

  it('a strict tool whose schema the structured-output grammar rejects', () => {
    const tool = (schema: unknown) => ({ name: 't', description: 'd', strict: true, input_schema: schema });
    expect(
      requestProblem(
        base({ tools: [tool({ type: 'object', properties: { a: { type: 'string' } } })] }),
        issued(),
      ),
    ).toMatch(/additionalProperties' must be explicitly set to false/);
    expect(
      requestProblem(
        base({
          tools: [
            tool({
              type: 'object',
              additionalProperties: false,
              properties: { a: { type: 'array', maxItems: 4 } },
            }),
          ],
        }),
        issued(),
      ),
    ).toMatch(/'maxItems' is not supported in strict mode/);
    expect(
      requestProblem(
        base({
          tools: [
            tool({
              type: 'object',
              additionalProperties: false,
              properties: { a: { type: 'string' } },
              required: ['a'],
            }),
          ],
        }),
        issued(),
      ),
    ).toBeNull();
  });
});
