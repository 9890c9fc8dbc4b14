import { describe, expect, it } from 'vitest';
import type Anthropic from '@anthropic-ai/sdk';
import {
  CLEARED_RESULT,
  ITERATION_PREFIX,
  clearOldToolResults,
  continueConversation,
  currentRunStart,
} from '../../src/llm/conversation.js';
import { spentIn } from '../../src/llm/agent-loop.js';
import { conversationToContinue } from '../../src/engine/taskConversation.js';

type MessageParam = Anthropic.Messages.MessageParam;

const user = (text: string): MessageParam => ({ role: 'user', content: [{ type: 'text', text }] });
const call = (id: string, name: string): MessageParam => ({
  role: 'assistant',
  content: [
    { type: 'thinking', thinking: `why ${id}`, signature: `sig-${id}` },
    { type: 'tool_use', id, name, input: {} },
  ],
});
const result = (id: string, content: string): MessageParam => ({
  role: 'user',
  content: [{ type: 'tool_result', tool_use_id: id, content }],
});
const spec = { result: { name: 'record_findings' } as never, enabledTools: ['read_file', 'run_tests'] };

/** A finished run: instructions, two reads, the result call. */
const finished: MessageParam[] = [
  user('Prompt: tdd_flow_controller'),
  call('a', 'read_file'),
  result('a', 'x'.repeat(400)),
  call('b', 'run_tests'),
  result('b', 'y'.repeat(400)),
  call('c', 'record_findings'),
];

describe('continueConversation', () => {
  it('answers the result call and adds the failure, leaving every earlier message as it was', () => {
    const next = continueConversation(finished, 'record_findings', 'tests fail: 404 !== 200');
    expect(next.slice(0, finished.length)).toEqual(finished);
    expect(next.at(-1)).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'c', content: 'Recorded.' },
        { type: 'text', text: `${ITERATION_PREFIX} tests fail: 404 !== 200` },
      ],
    });
    expect(finished).toHaveLength(6);
  });

  it('refuses a conversation whose run did not end with the assistant', () => {
    expect(() => continueConversation(finished.slice(0, 5), 'record_findings', 'x')).toThrow(
      /continues only after the assistant/,
    );
  });
});

describe('a continued run counts its own turns', () => {
  it('starts after the newest iteration turn; calls, corrections and tool calls are counted from there', () => {
    const once = continueConversation(finished, 'record_findings', 'red');
    expect(currentRunStart(finished)).toBe(0);
    expect(currentRunStart(once)).toBe(finished.length);
    expect(spentIn(finished, spec).turns).toBe(3);
    const going = [...once, call('d', 'read_file'), result('d', 'z'), call('e', 'run_tests')];
    expect(spentIn(going, spec)).toMatchObject({ turns: 2, toolCalls: 1 });
    const twice = continueConversation(
      [...going.slice(0, -1), call('f', 'record_findings')],
      'record_findings',
      'gate failed',
    );
    expect(spentIn(twice, spec).turns).toBe(0);
  });
});

describe('clearOldToolResults', () => {
  it('leaves a conversation under the trigger as it is', () => {
    expect(clearOldToolResults(finished, { triggerTokens: 100_000, keep: 1 })).toBe(finished);
  });

  it('past the trigger clears all but the newest `keep` results, keeping pairs and thinking blocks', () => {
    const out = clearOldToolResults(finished, { triggerTokens: 100, keep: 1 });
    expect(out[2]).toEqual(result('a', CLEARED_RESULT));
    expect(out[4]).toEqual(finished[4]);
    expect(out.filter((m) => m.role === 'assistant')).toEqual(finished.filter((m) => m.role === 'assistant'));
    // The input is not changed.
    expect(finished[2]).toEqual(result('a', 'x'.repeat(400)));
  });
});

describe('conversationToContinue', () => {
  const step = (n: number, prompt: string) => ({ n, prompt }) as never;
  const kept = { step: 9, messages: finished as unknown[] };
  it('continues tdd_flow_controller within its task only', () => {
    expect(
      conversationToContinue(
        {
          task_conversation: kept,
          steps: [step(8, 'test_generator'), step(9, 'tdd_flow_controller'), step(10, 'code_reviewer')],
        },
        'tdd_flow_controller',
      ),
    ).toBe(finished);
    expect(
      conversationToContinue(
        { task_conversation: kept, steps: [step(9, 'tdd_flow_controller')] },
        'code_reviewer',
      ),
    ).toBeNull();
    expect(conversationToContinue({ task_conversation: null, steps: [] }, 'tdd_flow_controller')).toBeNull();
    // A new solution was designed since: a new task, a new conversation.
    expect(
      conversationToContinue(
        { task_conversation: kept, steps: [step(9, 'tdd_flow_controller'), step(12, 'solution_designer')] },
        'tdd_flow_controller',
      ),
    ).toBeNull();
  });
});
