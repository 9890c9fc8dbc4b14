/**
 * Task similarity: which earlier tasks — finished chains' goals, saved patterns — a new
 * task resembles. MiniSearch (BM25, field boosts) over the candidates with the prompt search's
 * term handling (English stop words dropped, Porter stems: src/library/search.ts), prefix matches
 * from four letters ("auth" finds "authentication") and one edit in five from five letters (typos).
 *
 * MiniSearch ranks; the match percentage shown to the user is symmetric and independent of the
 * corpus: `similarity = sqrt(q × d)`, where q is the share of the task's terms the candidate
 * matched (in any field) and d the share of the candidate's primary-field terms that the task
 * matched. A task that contains the candidate's whole goal and little else scores near 1; one
 * that shares a single word with it scores low. Pure.
 */
import { createRequire } from 'node:module';
import type MiniSearch from 'minisearch';
import { searchTerm } from './terms.js';

let miniSearch: typeof MiniSearch | undefined;
/** MiniSearch, required the first time rankSimilar runs (the forecast's `similarities` needs no index). */
const loadMiniSearch = () =>
  (miniSearch ??= createRequire(import.meta.url)('minisearch') as typeof MiniSearch);

export interface SimilarCandidate {
  id: string;
  /** The field the percentage is measured against (a chain's goal, a pattern's task). */
  primary: string;
  /** More text to match, by field name (boosted by `boosts`). */
  fields?: Record<string, string>;
}

export interface SimilarHit {
  id: string;
  /** 0..1, see the module comment. */
  similarity: number;
  /** MiniSearch's relevance, for ordering among equal similarities. */
  score: number;
}

const tokenize = (text: string) => text.split(/[\s\p{P}\p{S}]+/u).filter(Boolean);

/** The distinct stems of `text` (stop words dropped). */
function stemsOf(text: string): Set<string> {
  return new Set(
    tokenize(text)
      .map(searchTerm)
      .filter((t): t is string => t !== null),
  );
}

/** Whether a query stem and an indexed stem are the same term as MiniSearch matched it (equal, prefix, or one edit in five). */
function sameTerm(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.length >= 4 && (b.startsWith(a) || a.startsWith(b))) return true;
  if (a.length < 5 || Math.abs(a.length - b.length) > 1) return false;
  let edits = 0;
  for (let i = 0, j = 0; i < a.length || j < b.length;) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    if (++edits > Math.floor(a.length / 5)) return false;
    if (a.length > b.length) i++;
    else if (b.length > a.length) j++;
    else {
      i++;
      j++;
    }
  }
  return true;
}

/** Levenshtein distance between `a` and `b` when at most `max`, else `max + 1`. */
function editDistance(a: string, b: string, max: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      row.push(d);
      if (d < best) best = d;
    }
    if (best > max) return max + 1;
    prev = row;
  }
  return Math.min(prev[b.length]!, max + 1);
}

/**
 * Whether rankSimilar's MiniSearch query matches query stem `t` to indexed stem `x`: the same
 * term, `t` a prefix of it from four letters, or within Math.round(0.2 × length) edits (at most
 * 6, MiniSearch's maxFuzzy) from five letters.
 */
function searchMatches(t: string, x: string): boolean {
  if (x === t) return true;
  if (t.length >= 4 && x.startsWith(t)) return true;
  if (t.length < 5) return false;
  const max = Math.min(6, Math.round(t.length * 0.2));
  return Math.abs(x.length - t.length) <= max && editDistance(t, x, max) <= max;
}

/**
 * The similarity (0..1, see the module comment) of each candidate to `task` that reaches `min`,
 * as rankSimilar measures it, without building a search index: when only the percentage counts
 * (the forecast's history), not MiniSearch's relevance. Unordered; [] for a task of stop words only.
 */
export function similarities(
  task: string,
  candidates: readonly SimilarCandidate[],
  opts: { min?: number } = {},
): { id: string; similarity: number }[] {
  const query = [...stemsOf(task)];
  if (query.length === 0) return [];
  // Goals share most of their words: each word is stemmed, and each pair of terms compared, once.
  const stems = new Map<string, string | null>();
  const stemsIn = (text: string) => {
    const out = new Set<string>();
    for (const word of tokenize(text)) {
      let stem = stems.get(word);
      if (stem === undefined) stems.set(word, (stem = searchTerm(word)));
      if (stem !== null) out.add(stem);
    }
    return out;
  };
  // Per indexed term: which query terms the search matches to it, and whether one is the same term.
  const known = new Map<string, { search: boolean[]; same: boolean }>();
  const termOf = (x: string) => {
    let k = known.get(x);
    if (!k)
      known.set(
        x,
        (k = { search: query.map((t) => searchMatches(t, x)), same: query.some((t) => sameTerm(t, x)) }),
      );
    return k;
  };
  const out: { id: string; similarity: number }[] = [];
  for (const c of candidates) {
    const primary = stemsIn(c.primary);
    const terms = new Set(primary);
    for (const text of Object.values(c.fields ?? {})) for (const t of stemsIn(text)) terms.add(t);
    const hit = query.map(() => false);
    for (const x of terms) termOf(x).search.forEach((m, i) => (hit[i] ||= m));
    const matched = hit.filter(Boolean).length;
    if (matched === 0) continue;
    let same = 0;
    for (const p of primary) if (termOf(p).same) same++;
    const d = primary.size ? same / primary.size : 0;
    const similarity = Math.sqrt((matched / query.length) * d);
    if (similarity >= (opts.min ?? 0)) out.push({ id: c.id, similarity });
  }
  return out;
}

/**
 * Candidates similar to `task`, best first, with similarity ≥ `min` (0..1). `boosts` weighs
 * fields for ranking; `primary` counts 3 unless given. Returns [] for a task of stop words only.
 */
export function rankSimilar(
  task: string,
  candidates: readonly SimilarCandidate[],
  opts: { min?: number; boosts?: Record<string, number> } = {},
): SimilarHit[] {
  const query = [...stemsOf(task)];
  if (query.length === 0 || candidates.length === 0) return [];
  const extra = [...new Set(candidates.flatMap((c) => Object.keys(c.fields ?? {})))].filter(
    (f) => f !== 'primary' && f !== 'id',
  );
  const index = new (loadMiniSearch())<Record<string, string>>({
    fields: ['primary', ...extra],
    processTerm: searchTerm,
    tokenize,
  });
  index.addAll(candidates.map((c) => ({ ...(c.fields ?? {}), id: c.id, primary: c.primary })));
  const results = index.search(task, {
    combineWith: 'OR',
    boost: { primary: 3, ...opts.boosts },
    prefix: (term) => term.length >= 4,
    fuzzy: (term) => (term.length >= 5 ? 0.2 : false),
  });
  const byId = new Map(candidates.map((c) => [c.id, c]));
  const hits: SimilarHit[] = [];
  for (const r of results) {
    const c = byId.get(String(r.id));
    if (!c) continue;
    const matched = new Set(r.queryTerms);
    const q = query.filter((t) => matched.has(t)).length / query.length;
    const primary = [...stemsOf(c.primary)];
    const d = primary.length
      ? primary.filter((p) => query.some((t) => sameTerm(t, p))).length / primary.length
      : 0;
    const similarity = Math.sqrt(q * d);
    if (similarity >= (opts.min ?? 0)) hits.push({ id: c.id, similarity, score: r.score });
  }
  return hits.sort((a, b) => b.similarity - a.similarity || b.score - a.score || (a.id < b.id ? -1 : 1));
}
