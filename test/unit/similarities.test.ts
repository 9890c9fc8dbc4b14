/**
 * `similarities` (src/library/similar.ts) gives the forecast the percentages rankSimilar gives,
 * without MiniSearch's index: the same candidates with the same similarity, over goals with
 * shared words, prefixes, plural and typo variants, stop words and fields.
 */
import { describe, expect, it } from 'vitest';
import { rankSimilar, similarities, type SimilarCandidate } from '../../src/library/similar.js';

const WORDS = [
  'add',
  'JWT',
  'authentication',
  'authentcation',
  'auth',
  'authorize',
  'authorization',
  'to',
  'the',
  'Express',
  'expres',
  'app',
  'apps',
  'application',
  'fix',
  'flaky',
  'flakey',
  'login',
  'logins',
  'logging',
  'test',
  'tests',
  'testing',
  'refactor',
  'refactoring',
  'db',
  'database',
  'databases',
  'layer',
  'rate',
  'limiting',
  'limit',
  'public',
  'API',
  'APIs',
  'migrate',
  'migration',
  'postgres',
  'postgresql',
  'cache',
  'caching',
  'cached',
  'internationalization',
  'internationalisation',
  'a',
  'of',
  'with',
  'users',
  'user',
  'session',
  'sessions',
  'token',
  'tokens',
  'refresh',
  'memory',
  'leak',
];

/** A deterministic stream of pseudo-random numbers in [0, 1). */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

function sentence(next: () => number, n: number): string {
  return Array.from({ length: n }, () => WORDS[Math.floor(next() * WORDS.length)]!).join(' ');
}

const byId = (xs: { id: string; similarity: number }[]) =>
  xs.map(({ id, similarity }) => ({ id, similarity })).sort((a, b) => (a.id < b.id ? -1 : 1));

describe('similarities', () => {
  it('equals rankSimilar’s percentages on generated goals', () => {
    const next = random(7);
    const candidates: SimilarCandidate[] = Array.from({ length: 120 }, (_, i) => ({
      id: `c${i}`,
      primary: `Task ${i}: ${sentence(next, 2 + Math.floor(next() * 7))}`,
    }));
    let matched = 0;
    for (let k = 0; k < 60; k++) {
      const task = sentence(next, 1 + Math.floor(next() * 8));
      const expected = byId(rankSimilar(task, candidates));
      matched += expected.length;
      expect(byId(similarities(task, candidates)), task).toEqual(expected);
      expect(byId(similarities(task, candidates, { min: 0.45 })), task).toEqual(
        byId(rankSimilar(task, candidates, { min: 0.45 })),
      );
    }
    expect(matched).toBeGreaterThan(100);
  });

  it('counts a match in any field, the percentage against the primary one', () => {
    const candidates: SimilarCandidate[] = [
      { id: 'p1', primary: 'Add JWT authentication', fields: { body: 'tokens for the login sessions' } },
      { id: 'p2', primary: 'Speed up the database layer', fields: { body: 'postgres caching' } },
    ];
    for (const task of ['JWT login sessions', 'postgres cache for the database', 'the of a'])
      expect(byId(similarities(task, candidates)), task).toEqual(byId(rankSimilar(task, candidates)));
  });

  it('matches a typo as MiniSearch does: two edits from nine letters', () => {
    // "middlwear" is two edits from the stem "middlewar": Math.round(9 × 0.2) = 2 allows them.
    const candidates: SimilarCandidate[] = [{ id: 'm', primary: 'Add the middleware' }];
    const expected = byId(rankSimilar('middlwear', candidates));
    expect(expected).toHaveLength(1);
    expect(byId(similarities('middlwear', candidates))).toEqual(expected);
  });
});
