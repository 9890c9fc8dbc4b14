/** Prompt contracts: frontmatter `requires` names fields of the result, and the gates declare theirs. */
import { describe, expect, it } from 'vitest';
import { parsePromptFile } from '../../src/library/parse.js';
import { builtinPromptsDir, readPromptDir } from '../../src/library/load.js';

const file = (requires: string) => `---
name: my_gate
purpose: Check the change
good_for: [a, b, c]
uncertainty_reduction: [a, b]
example_context_needs: [a]
cost_estimate: low
${requires}
---
# My gate
Check {{goal}}.
`;

describe('requires', () => {
  it('accepts fields of record_findings and refuses a name that is not one, naming it', () => {
    expect(
      parsePromptFile(file('requires: [verdict, file_plan]'), 'my_gate.md', 'custom').doc?.requires,
    ).toEqual(['verdict', 'file_plan']);
    expect(parsePromptFile(file(''), 'my_gate.md', 'custom').doc?.requires).toEqual([]);
    const bad = parsePromptFile(file('requires: [verdikt]'), 'my_gate.md', 'custom');
    expect(bad.doc).toBeUndefined();
    expect(bad.issues).toEqual([
      expect.objectContaining({
        field: 'requires',
        problem: expect.stringMatching(
          /^"verdikt" is not a field of the result \(record_findings: summary, /,
        ),
      }),
    ]);
  });

  it('the gates of the built-in library require a verdict, solution_designer a file plan', async () => {
    const { docs } = await readPromptDir(builtinPromptsDir(), 'built-in');
    const requires = Object.fromEntries(
      docs.filter((d) => d.requires.length > 0).map((d) => [d.name, d.requires]),
    );
    for (const gate of [
      'code_reviewer',
      'security_scanner',
      'deployment_checker',
      'simplicity_checker',
      'architecture_checker',
      'accessibility_checker',
      'breaking_change_detector',
    ]) {
      expect(requires[gate], gate).toEqual(['verdict']);
    }
    expect(requires.solution_designer).toEqual(['file_plan']);
  });
});
