/**
 * `prompts search` over the shipped library: natural queries a developer would type, and the
 * prompt that must come first (or in the top 3). Stemming, stop words, synonyms of common
 * words, fuzzy terms and field boosts are what make these pass; exact-word matching did not.
 */
import { describe, expect, it } from 'vitest';
import { loadLibrary } from '../../src/library/load.js';
import { searchPrompts } from '../../src/library/search.js';

const { catalog } = await loadLibrary({
  workspace: '/nonexistent/workspace',
  userDir: '/nonexistent/user-prompts',
});
const ranked = (q: string) => searchPrompts(catalog, q).map((h) => h.doc.name);

const TABLE: { query: string; expect: string; within: 1 | 3 }[] = [
  { query: 'flaky test', expect: 'heisenbug_hunter', within: 1 },
  { query: 'tests fail randomly', expect: 'heisenbug_hunter', within: 3 },
  { query: 'the app is slow', expect: 'performance_profiler', within: 1 },
  { query: 'n+1 queries', expect: 'performance_profiler', within: 1 }, // performance_auditor was merged into it (an alias)
  { query: 'security vulnerabilities', expect: 'security_scanner', within: 1 },
  { query: 'write tests first', expect: 'test_generator', within: 1 },
  { query: 'how does data flow through the code', expect: 'trace_existing_flow', within: 1 },
  { query: 'database migration', expect: 'migration_strategist', within: 3 },
  { query: 'review my code', expect: 'code_reviewer', within: 1 },
  { query: 'release notes', expect: 'release_notes_generator', within: 1 },
  { query: 'production incident', expect: 'incident_postmortem', within: 1 },
  { query: 'unused code', expect: 'dead_code_detector', within: 1 },
  { query: 'which packages are outdated', expect: 'dependency_auditor', within: 3 },
  { query: 'explain this stack trace', expect: 'stack_trace_analyzer', within: 1 },
  { query: 'roll back a bad deploy', expect: 'rollback_planner', within: 3 },
  { query: 'design the error responses', expect: 'error_handler_designer', within: 1 },
  { query: 'mock an external api', expect: 'mock_generator', within: 1 },
  { query: 'trace_existing_flow', expect: 'trace_existing_flow', within: 1 },
];

describe('prompts search: natural queries over the shipped library', () => {
  it.each(TABLE)('"$query" → $expect within the top $within', ({ query, expect: name, within }) => {
    const names = ranked(query);
    expect(names.slice(0, within), names.slice(0, 5).join(', ')).toContain(name);
  });

  it('"memory leak" no longer ranks memory_consolidator (chain memory) first; a performance prompt is in the top 5', () => {
    for (const q of ['memory leak', 'leaking memory']) {
      const names = ranked(q);
      expect(names[0]).not.toBe('memory_consolidator');
      expect(
        names
          .slice(0, 5)
          .some((n) => ['performance_profiler', 'performance_auditor', 'load_test_planner'].includes(n)),
        names.join(', '),
      ).toBe(true);
    }
  });

  it('a typo of five letters or more still finds the prompt', () => {
    expect(ranked('refactorng planner')[0]).toBe('refactoring_planner');
  });
});
