import { describe, expect, it } from 'vitest';
import { PromptValidationError } from '../../src/errors.js';
import { parsePromptFile, type PromptDoc } from '../../src/library/parse.js';
import { renderPrompt } from '../../src/library/render.js';
import { promptMarkdown } from '../helpers/prompt-files.js';

function doc(body: string): PromptDoc {
  const { doc: d } = parsePromptFile(promptMarkdown({ name: 'p', body }), 'x/p.md', 'x');
  if (!d) throw new Error('fixture invalid');
  return d;
}

describe('renderPrompt', () => {
  it('replaces every variable, with or without inner spaces', () => {
    const out = renderPrompt(
      doc('Goal: {{goal}}\nPhase: {{ phase }}\nAgain: {{goal}}\nRun {{test_command}}'),
      {
        goal: 'Add JWT auth',
        phase: 'context-building',
        test_command: 'npm test',
      },
    );
    expect(out).toBe('Goal: Add JWT auth\nPhase: context-building\nAgain: Add JWT auth\nRun npm test');
  });

  it('renders a missing or blank value as (none)', () => {
    expect(renderPrompt(doc('F={{focus}} Q={{question}}'), { question: '   ' })).toBe('F=(none) Q=(none)');
  });

  it('inserts values literally: no $-patterns, no second substitution', () => {
    const out = renderPrompt(doc('C: {{context}} G: {{goal}}'), {
      context: 'cost $& and {{goal}}',
      goal: 'g',
    });
    expect(out).toBe('C: cost $& and {{goal}} G: g');
  });

  it('throws PromptValidationError naming the file for an unknown variable', () => {
    const bad: PromptDoc = { ...doc('ok'), body: 'Hello {{user}}' };
    expect(() => renderPrompt(bad, {})).toThrow(PromptValidationError);
    try {
      renderPrompt(bad, {});
    } catch (err) {
      expect((err as PromptValidationError).issues).toEqual([
        { file: 'x/p.md', field: 'body', problem: 'unknown variable {{user}}' },
      ]);
    }
  });
});
