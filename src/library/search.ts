/**
 * Prompt search (pure): token-based, case-insensitive, ranking matches in the name above the
 * purpose above good_for above uncertainty_reduction.
 */
import type { Catalog } from './catalog.js';
import { compareText } from './catalog.js';
import type { PromptDoc } from './parse.js';

/** Field weights: one query token matching a whole token of the field (a prefix match counts half). */
export const SEARCH_WEIGHTS = { name: 8, purpose: 4, good_for: 2, uncertainty_reduction: 1 } as const;
/** Added when the whole query is the prompt's name (`trace existing flow` or `trace_existing_flow`). */
const EXACT_NAME_BONUS = 100;
const STOP = new Set(['a', 'an', 'the', 'to', 'of', 'and', 'or', 'for', 'in', 'on', 'with', 'is', 'it', 'my', 'i']);

/** Lower-case alphanumeric tokens; `_`, `-` and punctuation separate them. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
}

function fieldScore(queryToken: string, tokens: Set<string>): number {
  if (tokens.has(queryToken)) return 1;
  if (queryToken.length < 3) return 0;
  for (const t of tokens) {
    if (t.length >= 3 && (t.startsWith(queryToken) || queryToken.startsWith(t))) return 0.5;
  }
  return 0;
}

export interface SearchHit {
  doc: PromptDoc;
  score: number;
}

/**
 * Prompts matching `text`, best first (score descending, then name). The score of a prompt is
 * the sum, over the query's tokens (stop words dropped), of the weight of every field they match.
 * Prompts with score 0 are left out; an empty query returns nothing.
 */
export function searchPrompts(catalog: Catalog, text: string): SearchHit[] {
  const all = tokenize(text);
  const query = [...new Set(all.filter((t) => !STOP.has(t)))];
  if (query.length === 0) return [];
  const hits: SearchHit[] = [];
  for (const doc of catalog.prompts) {
    const fields: [number, Set<string>][] = [
      [SEARCH_WEIGHTS.name, new Set(tokenize(doc.name))],
      [SEARCH_WEIGHTS.purpose, new Set(tokenize(doc.purpose))],
      [SEARCH_WEIGHTS.good_for, new Set(doc.good_for.flatMap(tokenize))],
      [SEARCH_WEIGHTS.uncertainty_reduction, new Set(doc.uncertainty_reduction.flatMap(tokenize))],
    ];
    let score = all.join('_') === doc.name ? EXACT_NAME_BONUS : 0;
    for (const q of query) {
      for (const [weight, tokens] of fields) score += weight * fieldScore(q, tokens);
    }
    if (score > 0) hits.push({ doc, score });
  }
  return hits.sort((a, b) => b.score - a.score || compareText(a.doc.name, b.doc.name));
}
