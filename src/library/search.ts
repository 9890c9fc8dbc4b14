/**
 * Prompt search: full-text over the catalog with MiniSearch, English stop words dropped and every
 * term Porter-stemmed (the `stemmer` package), so "flaky tests" finds "a test that fails one run
 * in twenty" and "leaking memory" finds "memory leak". Terms of five letters or more match with
 * one edit in five (typos), four or more as prefixes. Field boosts rank the name above the
 * purpose above good_for above uncertainty_reduction above the body.
 */
import MiniSearch from 'minisearch';
import { stemmer } from 'stemmer';
import type { Catalog } from './catalog.js';
import { compareText } from './catalog.js';
import type { PromptDoc } from './parse.js';
import { searchTerm } from './terms.js';

export { searchTerm } from './terms.js';

/** Field boosts (relative weights of a match in each field). */
const SEARCH_BOOSTS = {
  name: 5,
  purpose: 3,
  good_for: 2,
  uncertainty_reduction: 1.5,
  body: 0.4,
} as const;
/** Added to the score when the whole query is the prompt's name (`trace existing flow` or `trace_existing_flow`). */
const EXACT_NAME_BONUS = 1000;

/**
 * Words developers use for a problem that the prompts describe in other words (query expansion):
 * a query term also matches its synonyms, and counts as matched when any of them does.
 */
const SYNONYMS: Record<string, string[]> = {
  flaky: ['intermittent', 'nondeterminism', 'nondeterministic'],
  leak: ['unbounded', 'soak'],
  slow: ['performance', 'slowness', 'latency', 'bottleneck'],
  fast: ['performance', 'latency'],
  speed: ['performance', 'latency'],
  crash: ['exception', 'stack'],
  outage: ['incident'],
  vulnerability: ['security'],
  vulnerabilities: ['security'],
  unused: ['dead'],
  outdated: ['upgrade', 'dependency'],
  upgrade: ['dependency', 'update'],
  throttle: ['rate'],
  docs: ['documentation'],
  readme: ['documentation'],
  rewrite: ['refactor', 'refactoring'],
  cleanup: ['refactor', 'simplify'],
  deploy: ['deployment', 'release'],
  changelog: ['release'],
  random: ['intermittent', 'nondeterminism'],
  roll: ['rollback'],
};

/** SYNONYMS keyed by stem, so "leaking" and "leaks" expand like "leak". */
const SYNONYMS_BY_STEM = new Map(Object.entries(SYNONYMS).map(([w, syn]) => [stemmer(w), syn]));

export interface SearchHit {
  doc: PromptDoc;
  /** MiniSearch relevance (BM25 with the field boosts), higher is better. */
  score: number;
}

type Indexed = {
  id: string;
  name: string;
  purpose: string;
  good_for: string;
  uncertainty_reduction: string;
  body: string;
};

const indexes = new WeakMap<Catalog, MiniSearch<Indexed>>();

function indexOf(catalog: Catalog): MiniSearch<Indexed> {
  let index = indexes.get(catalog);
  if (!index) {
    index = new MiniSearch<Indexed>({
      fields: ['name', 'purpose', 'good_for', 'uncertainty_reduction', 'body'],
      processTerm: searchTerm,
      // `_` separates words too (\p{P} includes it): trace_existing_flow → trace, existing, flow.
      tokenize: (text) => text.split(/[\s\p{P}\p{S}]+/u).filter(Boolean),
    });
    index.addAll(
      catalog.prompts.map((d) => ({
        id: d.name,
        name: d.name,
        purpose: d.purpose,
        good_for: d.good_for.join('\n'),
        uncertainty_reduction: d.uncertainty_reduction.join('\n'),
        body: d.body,
      })),
    );
    indexes.set(catalog, index);
  }
  return index;
}

/**
 * Prompts matching `text`, best first (score descending, then name). A prompt matches when any
 * query term (after stop words and stemming) is found in one of its fields; an empty query, or
 * one of stop words only, returns nothing.
 */
export function searchPrompts(catalog: Catalog, text: string): SearchHit[] {
  const words = text.split(/[\s\p{P}\p{S}]+/u).filter((w) => searchTerm(w) !== null);
  if (words.length === 0) return [];
  const exact = text
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  // One sub-query per word: the word or any of its synonyms.
  const groups = [...new Set(words.map((w) => w.toLowerCase()))].map((w) => [
    w,
    ...(SYNONYMS_BY_STEM.get(searchTerm(w)!) ?? []),
  ]);
  const stemsOf = groups.map(
    (g) => new Set(g.map((w) => searchTerm(w)).filter((t): t is string => t !== null)),
  );
  const results = indexOf(catalog).search(
    { combineWith: 'OR', queries: groups.map((g) => ({ combineWith: 'OR', queries: g })) },
    {
      boost: { ...SEARCH_BOOSTS },
      prefix: (term) => term.length >= 4,
      fuzzy: (term) => (term.length >= 5 ? 0.2 : false),
    },
  );
  const hits: SearchHit[] = [];
  for (const r of results) {
    const doc = catalog.get(String(r.id));
    if (!doc) continue;
    // A prompt that matches every word of the query beats one that matches a single word loudly.
    const matched = new Set(r.queryTerms);
    const coverage =
      stemsOf.filter((stems) => [...stems].some((t) => matched.has(t))).length / stemsOf.length;
    hits.push({ doc, score: r.score * coverage * coverage + (doc.name === exact ? EXACT_NAME_BONUS : 0) });
  }
  return hits.sort((a, b) => b.score - a.score || compareText(a.doc.name, b.doc.name));
}
