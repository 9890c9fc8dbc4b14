/**
 * Which replies end a step (their call's save may then be shared with the step's end), and which
 * call only read tools (their call's save may finish while the tools run).
 */
import { describe, expect, it } from 'vitest';
import { onlyCalls, onlyReadToolCalls } from '../../src/engine/promptRun.js';

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

describe('onlyReadToolCalls', () => {
  it('is true only when the last message is the model calling read tools and nothing else', () => {
    expect(onlyReadToolCalls([user, reply('read_file')])).toBe(true);
    expect(onlyReadToolCalls([user, reply('list_files', 'search_code', 'read_file')])).toBe(true);
    expect(onlyReadToolCalls([user, reply('read_file', 'edit_file')])).toBe(false);
    expect(onlyReadToolCalls([user, reply('write_file')])).toBe(false);
    expect(onlyReadToolCalls([user, reply('run_tests')])).toBe(false);
    expect(onlyReadToolCalls([user, reply('mcp_lookup')])).toBe(false);
    expect(onlyReadToolCalls([user, reply('read_file', 'record_findings')])).toBe(false);
    expect(onlyReadToolCalls([user, reply()])).toBe(false);
    expect(onlyReadToolCalls([reply('read_file'), user])).toBe(false);
    expect(onlyReadToolCalls([])).toBe(false);
  });
});
