import { describe, expect, it } from 'vitest';
import { createCatalog, serializeCatalog } from '../../src/library/catalog.js';
import { parsePromptFile, type PromptDoc } from '../../src/library/parse.js';
import { searchPrompts, searchTerm } from '../../src/library/search.js';
import { promptMarkdown, type PromptFixture } from '../helpers/prompt-files.js';

function doc(category: string, f: PromptFixture): PromptDoc {
  const { doc: d, issues } = parsePromptFile(promptMarkdown(f), `${category}/${f.name}.md`, category);
  if (!d) throw new Error(JSON.stringify(issues));
  return d;
}

const docs = [
  doc('discovery', { name: 'trace_existing_flow', purpose: 'Follow a request from its entry point to side effects', extra: 'phases: [context-building]\ntools: read' }),
  doc('debug', { name: 'stack_trace_analyzer', purpose: 'Read an error stack and find the failing frame', goodFor: ['Crashes in production', 'A failing flow test', 'Unhandled promise rejections'] }),
  doc('quality', { name: 'security_scanner', purpose: 'Check changed code for injection and auth flaws', cost: 'medium' }),
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

describe('serializeCatalog', () => {
  it('is byte-identical for the same prompts in any input order', () => {
    const a = serializeCatalog(createCatalog(docs));
    const b = serializeCatalog(createCatalog([...docs].reverse()));
    expect(b).toBe(a);
  });

  it('lists every prompt with cost, tools, phases, purpose, good_for and uncertainty_reduction', () => {
    const text = serializeCatalog(createCatalog(docs));
    expect(text).toContain('[discovery]\ntrace_existing_flow [low; read; context-building] Follow a request from its entry point to side effects\n');
    expect(text).toContain('  good for: Crashes in production; A failing flow test; Unhandled promise rejections\n');
    expect(text).toContain('  reduces: Where the code lives; How it is wired\n');
    expect(text).toContain('security_scanner [medium; none] Check changed code');
    expect(text).toContain('Design a caching approach for slow reads');
    expect(text.indexOf('[debug]')).toBeLessThan(text.indexOf('[design]'));
    expect(text).toMatch(/^Prompt catalog \(4 prompts\)/);
  });

  it('changes when a prompt changes', () => {
    const changed = [...docs.slice(1), { ...docs[0]!, cost_estimate: 'high' as const }];
    expect(serializeCatalog(createCatalog(changed))).not.toBe(serializeCatalog(createCatalog(docs)));
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
