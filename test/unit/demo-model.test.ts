/**
 * The demo's scripted model answers any prompt sensibly: steps it has no script for (added to
 * the flow by later work) get an honest record_findings, and a forced tool it does not know gets
 * the smallest input valid for that tool's schema.
 */
import { describe, expect, it } from 'vitest';
import { minimalInput } from '../../src/demo/generic.js';
import { createDemoModel, editedApp } from '../../src/demo/script.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sampleAppDir } from '../../src/demo/workspace.js';

const request = (prompt: string, toolChoice: unknown, tools: unknown[] = []) => ({
  method: 'POST',
  path: '/v1/messages',
  headers: {},
  body: {
    model: 'demo',
    tool_choice: toolChoice,
    tools,
    messages: [
      {
        role: 'user',
        content: [{ type: 'text', text: `Prompt: ${prompt} · phase: implementation · step 9\n\nDo it.` }],
      },
    ],
  },
});

describe('the demo model', () => {
  it('answers a prompt it has no script for with an honest record_findings', async () => {
    const reply = await createDemoModel()(
      request('adr_generator', { type: 'tool', name: 'record_findings' }),
      0,
    );
    expect(reply).toEqual({
      toolUses: [
        { name: 'record_findings', input: { summary: expect.stringContaining('no script for this prompt') } },
      ],
    });
  });

  it('answers an unknown forced tool with the smallest valid input of its schema', async () => {
    const schema = {
      type: 'object',
      required: ['score', 'healthy', 'notes', 'level'],
      properties: {
        score: { type: 'number', minimum: 1 },
        healthy: { type: 'boolean' },
        notes: { type: 'array', items: { type: 'string' } },
        level: { enum: ['low', 'high'] },
        extra: { type: 'string' },
      },
    };
    const reply = await createDemoModel()(
      request('new_step', { type: 'tool', name: 'record_health' }, [
        { name: 'record_health', input_schema: schema },
      ]),
      0,
    );
    expect(reply).toEqual({
      toolUses: [{ name: 'record_health', input: { score: 1, healthy: false, notes: [], level: 'low' } }],
    });
  });

  it('minimalInput honours const, anyOf, minItems and minLength', () => {
    expect(minimalInput({ const: 'x' }, 'n')).toBe('x');
    expect(minimalInput({ anyOf: [{ type: 'integer', minimum: 3 }, { type: 'null' }] }, 'n')).toBe(3);
    expect(
      minimalInput({ type: 'array', minItems: 2, items: { type: 'string', minLength: 3 } }, 'n'),
    ).toEqual(['n..', 'n..']);
  });

  it('its edit of src/app.js applies to the bundled sample app', () => {
    const after = editedApp(readFileSync(path.join(sampleAppDir(), 'src/app.js'), 'utf8'));
    expect(after).toContain('limiter.check(');
    expect(after).toContain("'retry-after'");
  });
});
