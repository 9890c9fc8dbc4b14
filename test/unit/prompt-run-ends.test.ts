/** Which replies end a step (their call's save may then be shared with the step's end). */
import { describe, expect, it } from 'vitest';
import { onlyCalls } from '../../src/engine/promptRun.js';

const user = { role: 'user', content: [{ type: 'text', text: 'go' }] };
const reply = (...names: string[]) => ({
  role: 'assistant',
  content: [
    { type: 'thinking', thinking: '…' },
    ...names.map((name, i) => ({ type: 'tool_use', id: `t${i}`, name, input: {} })),
  ],
});

describe('onlyCalls', () => {
  it('is true only when the last message is the model calling the result tool and nothing else', () => {
    expect(onlyCalls([user, reply('record_findings')], 'record_findings')).toBe(true);
    expect(onlyCalls([user, reply('record_findings', 'record_findings')], 'record_findings')).toBe(true);
    expect(onlyCalls([user, reply('read_file', 'record_findings')], 'record_findings')).toBe(false);
    expect(onlyCalls([user, reply('read_file')], 'record_findings')).toBe(false);
    expect(onlyCalls([user, reply()], 'record_findings')).toBe(false);
    expect(onlyCalls([reply('record_findings'), user], 'record_findings')).toBe(false);
    expect(onlyCalls([user, { role: 'assistant', content: 'text only' }], 'record_findings')).toBe(false);
    expect(onlyCalls([], 'record_findings')).toBe(false);
  });
});
