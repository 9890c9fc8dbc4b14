import { describe, expect, it } from 'vitest';
import { parsePromptFile, unknownVariables } from '../../src/library/parse.js';
import { promptMarkdown } from '../helpers/prompt-files.js';

const file = 'prompts/discovery/trace_flow.md';
const parse = (text: string, f = file) => parsePromptFile(text, f, 'discovery');
const problems = (text: string, f = file) => parse(text, f).issues.map((i) => `${i.field}: ${i.problem}`);

describe('parsePromptFile', () => {
  it('parses a valid file with defaults for the optional fields', () => {
    const { doc, issues } = parse(promptMarkdown({ name: 'trace_flow' }));
    expect(issues).toEqual([]);
    expect(doc).toMatchObject({
      name: 'trace_flow',
      category: 'discovery',
      purpose: 'Purpose of trace_flow',
      good_for: ['Finding the thing', 'Checking the other thing', 'Planning a change'],
      uncertainty_reduction: ['Where the code lives', 'How it is wired'],
      example_context_needs: ['An entry point'],
      cost_estimate: 'low',
      phases: [],
      tools: 'none',
      tier: 'default',
      file,
      layer: 'workspace',
    });
    expect(doc?.body.startsWith('# trace_flow')).toBe(true);
    expect(doc?.body.endsWith('record_findings.')).toBe(true);
  });

  it('reads phases, tools and tier, and records the layer given', () => {
    const text = promptMarkdown({
      name: 'trace_flow',
      extra: 'phases: [context-building, implementation]\ntools: read\ntier: smart',
    });
    const { doc } = parsePromptFile(text, file, 'discovery', 'built-in');
    expect(doc).toMatchObject({
      phases: ['context-building', 'implementation'],
      tools: 'read',
      tier: 'smart',
      layer: 'built-in',
    });
  });

  it('refuses an unknown key, naming it as the field', () => {
    expect(problems(promptMarkdown({ name: 'trace_flow', extra: 'author: me' }))).toEqual([
      expect.stringMatching(/^author: unknown key/),
    ]);
  });

  it('reports each missing required field', () => {
    const text = '---\nname: trace_flow\ncost_estimate: low\n---\nbody {{goal}}\n';
    const fields = parse(text).issues.map((i) => i.field);
    expect(fields.sort()).toEqual(['example_context_needs', 'good_for', 'purpose', 'uncertainty_reduction']);
    expect(
      parse(text).issues.every((i) => i.problem === 'required field is missing' && i.file === file),
    ).toBe(true);
    expect(parse(text).doc).toBeUndefined();
  });

  it('refuses a name that is not snake_case or not the file stem', () => {
    expect(problems(promptMarkdown({ name: 'TraceFlow' }), 'p/d/TraceFlow.md')).toEqual([
      expect.stringMatching(/^name: must be snake_case/),
    ]);
    expect(problems(promptMarkdown({ name: 'other_name' }))).toEqual([
      'name: "other_name" must equal the file name stem "trace_flow"',
    ]);
  });

  it('refuses bad enum values, bad phases and list sizes outside the contract', () => {
    expect(problems(promptMarkdown({ name: 'trace_flow', cost: 'cheap' }))).toEqual([
      expect.stringMatching(/^cost_estimate: /),
    ]);
    expect(problems(promptMarkdown({ name: 'trace_flow', extra: 'tools: admin' }))).toEqual([
      expect.stringMatching(/^tools: /),
    ]);
    expect(problems(promptMarkdown({ name: 'trace_flow', extra: 'tier: huge' }))).toEqual([
      expect.stringMatching(/^tier: /),
    ]);
    expect(problems(promptMarkdown({ name: 'trace_flow', extra: 'phases: [coding]' }))).toEqual([
      expect.stringMatching(/^phases\.0: /),
    ]);
    expect(problems(promptMarkdown({ name: 'trace_flow', goodFor: ['only one'] }))).toEqual([
      'good_for: needs 3-5 items',
    ]);
    expect(problems(promptMarkdown({ name: 'trace_flow', goodFor: ['a', 'b', 'c', 'd', 'e', 'f'] }))).toEqual(
      ['good_for: needs 3-5 items'],
    );
  });

  it('refuses a purpose over 120 characters and empty list items', () => {
    expect(problems(promptMarkdown({ name: 'trace_flow', purpose: 'x'.repeat(121) }))).toEqual([
      'purpose: must be at most 120 characters',
    ]);
    expect(problems(promptMarkdown({ name: 'trace_flow', goodFor: ['a', '""', 'c'] }))).toEqual([
      'good_for.1: must not be empty',
    ]);
  });

  it('refuses unknown variables and an empty body', () => {
    expect(
      problems(promptMarkdown({ name: 'trace_flow', body: 'Use {{goal}}, {{ stack }} and {{files}}.' })),
    ).toEqual([
      expect.stringMatching(/^body: unknown variable \{\{stack\}\}/),
      expect.stringMatching(/^body: unknown variable \{\{files\}\}/),
    ]);
    expect(problems(promptMarkdown({ name: 'trace_flow', body: '   \n' }))).toEqual(['body: is empty']);
  });

  it('refuses a file without frontmatter, with broken YAML, or with executable frontmatter', () => {
    expect(problems('# Just a heading\n')).toEqual([expect.stringMatching(/^frontmatter: missing/)]);
    expect(problems('---\nname: [unclosed\n---\nbody\n')).toEqual([
      expect.stringMatching(/^frontmatter: invalid YAML/),
    ]);
    const js = '---js\n{ name: (globalThis.pwned = true, "trace_flow") }\n---\nbody\n';
    expect(problems(js)).toEqual([expect.stringMatching(/^frontmatter: missing/)]);
    expect((globalThis as { pwned?: boolean }).pwned).toBeUndefined();
  });

  it('accepts a byte-order mark and CRLF line ends', () => {
    const text = `\uFEFF${promptMarkdown({ name: 'trace_flow' })}`.replace(/\n/g, '\r\n');
    expect(parse(text).issues).toEqual([]);
  });
});

describe('unknownVariables', () => {
  it('lists each unknown name once, in order, and ignores the allowed ones', () => {
    expect(unknownVariables('{{goal}} {{x}} {{ phase }} {{y}} {{x}} {{test_command}}')).toEqual(['x', 'y']);
  });
});
