/**
 * The demo model's answers for prompt_gap_detector and prompt_generator come from the request:
 * the area in the focus line against the catalog in the system prompt, and a prompt file the
 * library's own parser accepts.
 */
import { describe, expect, it } from 'vitest';
import { gapFindings, gapName, generatedPrompt, systemText } from '../../src/demo/library.js';
import { parsePromptFile } from '../../src/library/parse.js';

const catalog =
  'trace_existing_flow: how a request flows through the handler; dependency_analyzer: dependencies and the test command';

describe('gapFindings', () => {
  it('finds no gap when the catalog speaks of most of the words of the area', () => {
    const f = gapFindings(
      'Area without a fitting prompt: how the request flows through the handler\n',
      catalog,
    );
    expect(f.summary).toMatch(/^No gap/);
    expect(f).not.toHaveProperty('gap');
  });

  it('finds a gap, with a snake_case name from the area, when the catalog does not', () => {
    const f = gapFindings('Area without a fitting prompt: WebAuthn attestation formats\n', catalog) as {
      gap: { suggested_name: string; key_questions: string[] };
    };
    expect(f.gap.suggested_name).toBe('webauthn_attestation_formats_analyzer');
    expect(f.gap.key_questions).toHaveLength(3);
    expect(gapName('')).toBe('area_analyzer');
  });

  it('reads the system prompt as a string or as text blocks', () => {
    expect(systemText({ system: [{ text: 'a' }, { text: 'b' }] })).toBe('a\nb');
    expect(systemText({ system: 'c' })).toBe('c');
    expect(systemText(null)).toBe('');
  });
});

describe('generatedPrompt', () => {
  it('writes a prompt file for the gap of the focus line that the library accepts', () => {
    const out = generatedPrompt('Gap to fill: BullMQ retry semantics\n') as {
      new_prompt: { markdown: string };
    };
    const parsed = parsePromptFile(
      out.new_prompt.markdown,
      'bullmq_retry_semantics_analyzer.md',
      'custom',
      'workspace',
    );
    expect(parsed.issues).toEqual([]);
    expect(parsed.doc?.name).toBe('bullmq_retry_semantics_analyzer');
    expect(parsed.doc?.body).toContain('{{focus}}');
  });
});
