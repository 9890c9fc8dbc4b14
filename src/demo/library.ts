/**
 * The demo model's answers for the library's own prompts (prompt_gap_detector, prompt_generator),
 * derived from what the request shows: the area in the prompt's focus line, and the catalog in the
 * system prompt. The rule is deliberately simple and stated: an area is a gap when fewer than half
 * of its words (5+ letters) appear anywhere in the catalog. Pure.
 */

const focusLine = (instructions: string, label: string) =>
  new RegExp(`^${label}: (.+)$`, 'm').exec(instructions)?.[1]?.trim() ?? '';
const words = (text: string) => [...new Set(text.toLowerCase().match(/[a-z]{5,}/g) ?? [])];

/** A snake_case name from the first three long words of `area`, ending in `_analyzer`. */
export function gapName(area: string): string {
  return `${words(area).slice(0, 3).join('_') || 'area'}_analyzer`;
}

/** The system prompt's text (the catalog is in it). */
export function systemText(body: { system?: unknown } | null | undefined): string {
  const s = body?.system;
  return typeof s === 'string'
    ? s
    : Array.isArray(s)
      ? s.map((b: { text?: string }) => b.text ?? '').join('\n')
      : '';
}

/** prompt_gap_detector's result: a gap (with a name and questions) when the catalog does not cover the area. */
export function gapFindings(instructions: string, catalog: string): Record<string, unknown> {
  const area = focusLine(instructions, 'Area without a fitting prompt');
  const all = words(area);
  const known = all.filter((w) => catalog.toLowerCase().includes(w));
  if (all.length === 0 || known.length * 2 >= all.length) {
    return {
      summary: `No gap: the catalog already speaks of ${known.slice(0, 4).join(', ') || 'this area'}, so a focused existing prompt covers "${area}".`,
      findings: [`catalog words found for the area: ${known.join(', ') || '(none)'}`],
    };
  }
  const missing = all.filter((w) => !known.includes(w));
  return {
    summary: `Gap: no catalog prompt mentions ${missing.slice(0, 4).join(', ')}, which "${area}" is about.`,
    findings: [`words of the area absent from the catalog: ${missing.join(', ')}`],
    gap: {
      description: `Find out what the chain needs to know about ${area}.`,
      suggested_name: gapName(area),
      key_questions: [
        `What does ${area} require here?`,
        `Which code does ${area} touch?`,
        `What would break if ${area} is done wrong?`,
      ],
    },
  };
}

/** prompt_generator's result: a prompt file for the gap in the focus line, valid under the library's schema. */
export function generatedPrompt(instructions: string): Record<string, unknown> {
  const gap = focusLine(instructions, 'Gap to fill') || 'the open area';
  const name = gapName(gap);
  const markdown = [
    '---',
    `name: ${name}`,
    `purpose: ${`Answer what the chain must know about ${gap}`.slice(0, 120)}`,
    'good_for:',
    `  - Context building when ${gap.slice(0, 80)} is open`,
    '  - Chains that need the same facts again',
    '  - Reviewing a change in this area',
    'uncertainty_reduction:',
    `  - ${gap.slice(0, 100)}`,
    '  - Which files are involved',
    'example_context_needs:',
    '  - The gap description and its key questions',
    'cost_estimate: low',
    'phases: [context-building]',
    '---',
    `# ${name}`,
    '',
    'Goal: {{goal}}',
    'Focus: {{focus}}',
    '',
    '{{context}}',
    '',
    'Read the code the focus names, answer each key question with a file:line citation, and call record_findings.',
    '',
  ].join('\n');
  return { summary: `Wrote ${name} for the gap "${gap}".`, new_prompt: { markdown } };
}
