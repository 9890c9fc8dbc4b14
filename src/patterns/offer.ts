/**
 * Patterns found by meaning: when no saved pattern matches a new chain's goal by its words
 * (./apply.ts `matchPatterns`), new_case — the chain's first prompt — is shown the saved patterns'
 * names and summaries and says which one applies, if any: a decision with key `pattern` (the name as
 * its choice, the reason as its rationale), as it proposes another workflow with key `workflow`. The
 * list and how to answer are added to its request only when there are patterns, and the result
 * schema sent on every call is unchanged, so the first call stays under its token budget. The chain
 * then offers or applies it as it does a match by words (src/engine/patternOffer.ts). Pure.
 */
import type { ChainContext } from '../chain/schema.js';
import { clip, oneLine } from '../memory/tokens.js';
import type { PatternDoc } from './file.js';

/** A saved pattern as new_case sees it. */
export type PatternCandidate = ChainContext['pattern_candidates'][number];

/**
 * The token budget of the pattern list in new_case's request (estimated tokens, 4 characters
 * each): the first call stays small (test/bench checks it under 9,000 input tokens).
 */
export const PATTERN_LIST_TOKENS = 500;
/** Characters of one pattern's summary. */
const SUMMARY_CHARS = 240;

/** The candidates for `patterns`: name and a one-line summary (its task kind and the goal it came from). */
export function patternCandidates(patterns: readonly PatternDoc[]): PatternCandidate[] {
  return patterns.map((p) => ({
    name: p.name,
    summary: clip(oneLine(`${p.task_kind} (saved from: "${p.source.goal}")`), SUMMARY_CHARS),
  }));
}

/**
 * The section appended to new_case's instructions: the candidates, as many as fit
 * PATTERN_LIST_TOKENS in the given order, with how to answer. Empty when there are none.
 */
export function patternListSection(candidates: readonly PatternCandidate[]): string {
  if (candidates.length === 0) return '';
  const head = [
    '## Saved patterns',
    'Saved from earlier finished chains. If one is the same kind of work as this task, even in other words (another',
    'library or name for the same change), add the decision `pattern`: its name as the choice, what the tasks share as',
    'the rationale. None fits: no such decision.',
  ];
  const lines: string[] = [];
  let chars = head.join('\n').length;
  for (const c of candidates) {
    const line = `- ${c.name}: ${c.summary}`;
    if ((chars + line.length + 1) / 4 > PATTERN_LIST_TOKENS) break;
    lines.push(line);
    chars += line.length + 1;
  }
  const left = candidates.length - lines.length;
  return `\n\n${[...head, ...lines, ...(left > 0 ? [`(${left} more not listed)`] : [])].join('\n')}`;
}

/** The key of the decision by which new_case names a pattern. */
export const PATTERN_DECISION = 'pattern';

/**
 * The pattern new_case named (its decision `pattern`), when it is one of the candidates shown (a
 * name not shown is ignored: the model may only choose from the list). Null otherwise.
 */
export function namedPattern(
  result: { decisions?: { key: string; choice: string; rationale: string }[] } | null | undefined,
  candidates: readonly PatternCandidate[],
): { name: string; reason: string } | null {
  const named = result?.decisions?.find((d) => d.key === PATTERN_DECISION);
  if (!named) return null;
  const name = named.choice.trim().replace(/^`|`$/g, '');
  return candidates.some((c) => c.name === name) ? { name, reason: oneLine(named.rationale) } : null;
}
