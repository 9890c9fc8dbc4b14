import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixedInstructions } from '../../src/engine/promptRun.js';
import { firstMessage } from '../../src/llm/agent-loop.js';
import { parsePromptFile } from '../../src/library/parse.js';
import { renderPrompt } from '../../src/library/render.js';

const shipped = (file: string) => parsePromptFile(readFileSync(file, 'utf8'), file, 'system').doc!;

describe("a prompt's fixed instructions", () => {
  it('are the text before the paragraph of its first variable, when long enough (the selector)', () => {
    const doc = shipped('prompts/system/prompt_selector.md');
    const { fixed, rest } = fixedInstructions(doc);
    expect(fixed).toMatch(/^# Prompt Selector\n\nYou plan the discovery/);
    expect(fixed).not.toMatch(/\{\{/);
    expect(rest.body).toMatch(/^## This decision\nGoal: \{\{goal\}\}/);
    // Nothing is lost or reordered: fixed, a blank line, then the rest is the prompt.
    expect(`${fixed}\n\n${rest.body}`).toBe(doc.body);
    expect(renderPrompt(rest, { goal: 'G', context: 'MEMORY' })).toContain('Chain so far:\nMEMORY');
  });

  it('are none for a prompt that starts with its variables (most prompts)', () => {
    const doc = shipped('prompts/discovery/dependency_analyzer.md');
    expect(fixedInstructions(doc)).toEqual({ fixed: null, rest: doc });
    const short = { ...doc, body: `# Short\n\nA line.\n\n{{goal}}` };
    expect(fixedInstructions(short).fixed).toBeNull();
  });

  it('go first in a block of their own; the rest of the instructions follow in a second', () => {
    expect(
      firstMessage({ instructions: 'FIXED\n\nPrompt: p · phase: x · step 2', fixedInstructions: 'FIXED' }),
    ).toEqual([
      { type: 'text', text: 'FIXED' },
      { type: 'text', text: 'Prompt: p · phase: x · step 2' },
    ]);
    // Without them, or when they are not the start of the instructions: one block, as before.
    expect(firstMessage({ instructions: 'Prompt: p' })).toEqual([{ type: 'text', text: 'Prompt: p' }]);
    expect(firstMessage({ instructions: 'Prompt: p', fixedInstructions: 'OTHER' })).toEqual([
      { type: 'text', text: 'Prompt: p' },
    ]);
  });
});
