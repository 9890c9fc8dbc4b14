import { describe, expect, it } from 'vitest';
import { offeredToolNames, stepTools } from '../../src/tools/step.js';

const caps = { agent_turns: 8, implementation_agent_turns: 24 };
const ALL = [
  'list_files',
  'read_file',
  'search_code',
  'write_file',
  'edit_file',
  'run_tests',
  'record_findings',
  'choose_next_prompts',
];

describe('the tools of a step (both backends)', () => {
  it.each([
    // none: one unforced turn, so the model can think before it answers (then the result is forced).
    ['none', 'context-building', [], 1, 'answer'],
    ['read', 'context-building', ['list_files', 'read_file', 'search_code'], 8, 'answer'],
    ['write', 'context-building', ['list_files', 'read_file', 'search_code'], 8, 'answer'],
    [
      'write',
      'implementation',
      ['list_files', 'read_file', 'search_code', 'write_file', 'edit_file', 'run_tests', 'run_check'],
      24,
      'code',
    ],
  ] as const)('tools: %s in %s', (tools, phase, names, maxTurns, work) => {
    expect(stepTools(tools, phase, caps)).toEqual({ names, maxTurns, work });
  });

  it('names only the tools the chain has: run_check only in a workspace with checks', () => {
    const without = ALL.filter((n) => n !== 'run_check');
    expect(stepTools('write', 'implementation', caps, [], without).names).toEqual([
      'list_files',
      'read_file',
      'search_code',
      'write_file',
      'edit_file',
      'run_tests',
    ]);
    expect(stepTools('write', 'implementation', caps, [], [...without, 'run_check']).names.at(-1)).toBe(
      'run_check',
    );
  });

  it('offers a step its own tools then its result tool; only the result tool for a step without tools or when the result is forced at once', () => {
    const read = stepTools('read', 'context-building', caps);
    expect(
      offeredToolNames({ enabled: read.names, maxTurns: read.maxTurns, result: 'record_findings' }, ALL),
    ).toEqual(['list_files', 'read_file', 'search_code', 'record_findings']);
    const none = stepTools('none', 'context-building', caps);
    expect(
      offeredToolNames({ enabled: none.names, maxTurns: none.maxTurns, result: 'choose_next_prompts' }, ALL),
    ).toEqual(['choose_next_prompts']);
    // Enabled tools with no turns left to use them: the result alone.
    expect(offeredToolNames({ enabled: read.names, maxTurns: 0, result: 'record_findings' }, ALL)).toEqual([
      'record_findings',
    ]);
  });
});
