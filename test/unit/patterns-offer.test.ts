import { describe, expect, it } from 'vitest';
import type { PatternDoc } from '../../src/patterns/file.js';
import {
  namedPattern,
  PATTERN_LIST_TOKENS,
  patternCandidates,
  patternListSection,
} from '../../src/patterns/offer.js';

const doc = (name: string, taskKind: string, goal: string) =>
  ({ name, task_kind: taskKind, source: { chain_id: '001', chain_uid: 'u', goal } }) as PatternDoc;

describe('patterns offered to new_case (matched by meaning)', () => {
  const jwt = doc(
    'session_to_token_auth',
    'Add token auth beside session login',
    'Add JWT authentication with refresh tokens',
  );

  it('a candidate is the name with its task kind and source goal, on one line', () => {
    expect(patternCandidates([doc('p', 'Kind\nof  work', 'The goal')])).toEqual([
      { name: 'p', summary: 'Kind of work (saved from: "The goal")' },
    ]);
  });

  it('no section without candidates; the list with how to answer when there are some', () => {
    expect(patternListSection([])).toBe('');
    const text = patternListSection(patternCandidates([jwt]));
    expect(text).toContain('## Saved patterns');
    expect(text).toContain(
      '- session_to_token_auth: Add token auth beside session login (saved from: "Add JWT authentication with refresh tokens")',
    );
    expect(text).toContain('decision `pattern`');
  });

  it('stays within its token budget and says how many were left out', () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ name: `pattern_${i}`, summary: 'x'.repeat(200) }));
    const text = patternListSection(many);
    expect(text.length / 4).toBeLessThanOrEqual(PATTERN_LIST_TOKENS + 10);
    const listed = text.split('\n').filter((l) => l.startsWith('- pattern_')).length;
    expect(listed).toBeGreaterThan(0);
    expect(text).toContain(`(${60 - listed} more not listed)`);
  });

  it('takes a name new_case gives only from the list it was shown', () => {
    const candidates = patternCandidates([jwt]);
    const decide = (choice: string, rationale = 'r') => ({
      decisions: [
        { key: 'token_format', choice: 'JWT', rationale: 'x' },
        { key: 'pattern', choice, rationale },
      ],
    });
    expect(namedPattern(decide(' `session_to_token_auth` ', 'both change\nauth'), candidates)).toEqual({
      name: 'session_to_token_auth',
      reason: 'both change auth',
    });
    expect(namedPattern(decide('invented_pattern'), candidates)).toBeNull();
    expect(
      namedPattern(
        { decisions: [{ key: 'token_format', choice: 'session_to_token_auth', rationale: 'r' }] },
        candidates,
      ),
    ).toBeNull();
    expect(namedPattern({}, candidates)).toBeNull();
    expect(namedPattern(null, candidates)).toBeNull();
  });
});
