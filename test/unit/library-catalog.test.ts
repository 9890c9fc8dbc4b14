import { describe, expect, it } from 'vitest';
import { createCatalog, selectablePrompts, serializeCatalog } from '../../src/library/catalog.js';
import { parsePromptFile, type PromptDoc } from '../../src/library/parse.js';
import { searchPrompts, searchTerm } from '../../src/library/search.js';
import { promptMarkdown, type PromptFixture } from '../helpers/prompt-files.js';

function doc(category: string, f: PromptFixture): PromptDoc {
  const { doc: d, issues } = parsePromptFile(promptMarkdown(f), `${category}/${f.name}.md`, category);
  if (!d) throw new Error(JSON.stringify(issues));
  return d;
}

const docs = [
  doc('discovery', {
    name: 'trace_existing_flow',
    purpose: 'Follow a request from its entry point to side effects',
    extra: 'phases: [context-building]\ntools: read',
  }),
  doc('debug', {
    name: 'stack_trace_analyzer',
    purpose: 'Read an error stack and find the failing frame',
    goodFor: ['Crashes in production', 'A failing flow test', 'Unhandled promise rejections'],
  }),
  doc('quality', {
    name: 'security_scanner',
    purpose: 'Check changed code for injection and auth flaws',
    cost: 'medium',
  }),
  doc('design', { name: 'cache_strategy_planner', purpose: 'Design a caching   approach\tfor slow reads' }),
];

describe('createCatalog', () => {
  it('sorts by category then name and answers get/has', () => {
    const c = createCatalog(docs);
    expect(c.prompts.map((d) => `${d.category}/${d.name}`)).toEqual([
      'debug/stack_trace_analyzer',
      'design/cache_strategy_planner',
      'discovery/trace_existing_flow',
      'quality/security_scanner',
    ]);
    expect(c.get('security_scanner')?.cost_estimate).toBe('medium');
    expect(c.has('trace_existing_flow')).toBe(true);
    expect(c.has('nope')).toBe(false);
    expect(c.get('nope')).toBeUndefined();
  });
});

describe('aliases', () => {
  const merged = doc('system', {
    name: 'cost_monitor',
    purpose: 'Read the spend and cut the rest',
    extra: 'aliases: [cost_optimizer]',
  });

  it('resolve to the prompt they were merged into; a real name wins over an alias', () => {
    const c = createCatalog([...docs, merged]);
    expect(c.get('cost_optimizer')?.name).toBe('cost_monitor');
    expect(c.has('cost_optimizer')).toBe(true);
    const real = doc('meta', { name: 'cost_optimizer', purpose: 'A workspace prompt under the old name' });
    expect(createCatalog([...docs, merged, real]).get('cost_optimizer')?.category).toBe('meta');
  });
});

describe('selectablePrompts', () => {
  it('keeps the prompts tagged for context-building that the chain does not run itself', () => {
    const c = createCatalog(docs);
    expect(selectablePrompts(c, []).map((d) => d.name)).toEqual(['trace_existing_flow']);
    expect(selectablePrompts(c, ['trace_existing_flow'])).toEqual([]);
  });
});

describe('serializeCatalog', () => {
  const selectable = [docs[0]!, docs[3]!, { ...docs[1]!, phases: ['context-building' as const] }];

  it('is byte-identical for the same prompts in any input order', () => {
    expect(serializeCatalog([...selectable].reverse())).toBe(serializeCatalog(selectable));
  });

  it('lists each prompt on one line: name, cost class, purpose, what it reduces (first two)', () => {
    const text = serializeCatalog(selectable);
    expect(text).toContain(
      '[discovery]\ntrace_existing_flow [low] Follow a request from its entry point to side effects | Where the code lives; How it is wired\n',
    );
    expect(text).toContain('cache_strategy_planner [low] Design a caching approach for slow reads |');
    expect(text.indexOf('[debug]')).toBeLessThan(text.indexOf('[design]'));
    expect(text).toMatch(/^Prompt catalog: the 3 prompts choose_next_prompts may name\./);
    expect(text).not.toContain('security_scanner');
  });

  it('takes measured cost classes over the declared ones', () => {
    expect(serializeCatalog(selectable, { trace_existing_flow: 'high' })).toContain(
      'trace_existing_flow [high] Follow',
    );
  });

  it('changes when a prompt changes', () => {
    const changed = [{ ...selectable[0]!, cost_estimate: 'high' as const }, ...selectable.slice(1)];
    expect(serializeCatalog(changed)).not.toBe(serializeCatalog(selectable));
  });
});

describe('searchPrompts', () => {
  const catalog = createCatalog(docs);

  it('stems terms and drops stop words', () => {
    expect(['Tests', 'testing', 'tested'].map(searchTerm)).toEqual(['test', 'test', 'test']);
    expect(['the', 'of', 'my'].map(searchTerm)).toEqual([null, null, null]);
    expect(searchTerm('Leaking')).toBe('leak');
  });

  it('ranks a name match above a purpose match above a good_for match', () => {
    // "flow": name of trace_existing_flow; good_for of stack_trace_analyzer ("A failing flow test")
    const hits = searchPrompts(catalog, 'flow');
    expect(hits.map((h) => h.doc.name)).toEqual(['trace_existing_flow', 'stack_trace_analyzer']);
    // "injection": purpose of security_scanner only
    expect(searchPrompts(catalog, 'INJECTION').map((h) => h.doc.name)).toEqual(['security_scanner']);
    // "request" in trace's purpose beats "wired" (uncertainty_reduction of all)
    const byScore = searchPrompts(catalog, 'request wired');
    expect(byScore[0]?.doc.name).toBe('trace_existing_flow');
    expect(byScore).toHaveLength(4);
  });

  it('puts the exact name first and matches prefixes at a lower score', () => {
    expect(searchPrompts(catalog, 'stack trace analyzer')[0]?.doc.name).toBe('stack_trace_analyzer');
    const prefix = searchPrompts(catalog, 'strat');
    expect(prefix.map((h) => h.doc.name)).toEqual(['cache_strategy_planner']);
    expect(prefix[0]!.score).toBeLessThan(searchPrompts(catalog, 'strategy')[0]!.score);
  });

  it('returns nothing for an empty query or one of stop words only', () => {
    expect(searchPrompts(catalog, '  ')).toEqual([]);
    expect(searchPrompts(catalog, 'the of')).toEqual([]);
    expect(searchPrompts(catalog, 'kubernetes')).toEqual([]);
  });
});
