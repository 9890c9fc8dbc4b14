/**
 * The catalog: the prompts a chain may run, and its compact text form for the cached system
 * prompt (DESIGN §5: the library is part of every request's cached prefix, so the text must be
 * byte-identical for identical input and as short as the model can still choose from). Pure.
 */
import type { PromptDoc } from './parse.js';

export interface Catalog {
  /** Sorted by category, then name. */
  prompts: PromptDoc[];
  get(name: string): PromptDoc | undefined;
  has(name: string): boolean;
}

/** Code-unit order, independent of the locale (localeCompare is not). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function comparePrompts(a: PromptDoc, b: PromptDoc): number {
  return compareText(a.category, b.category) || compareText(a.name, b.name);
}

/** Builds a catalog from docs with unique names (a later duplicate replaces an earlier one). */
export function createCatalog(docs: readonly PromptDoc[]): Catalog {
  const byName = new Map<string, PromptDoc>();
  for (const doc of docs) byName.set(doc.name, doc);
  const prompts = [...byName.values()].sort(comparePrompts);
  return {
    prompts,
    get: (name) => byName.get(name),
    has: (name) => byName.has(name),
  };
}

const flat = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * The catalog as compact text, one block per prompt grouped under its category:
 *
 *     [discovery]
 *     trace_existing_flow [medium; read; context-building] Follow one request…
 *       good for: Planning a change…; Debugging a wrong result…
 *       reduces: Which functions…; Where data is validated…
 *
 * Sorted by category then name (code-unit order); whitespace inside fields is collapsed so a
 * field can never break the layout. Identical catalogs give byte-identical text.
 */
export function serializeCatalog(catalog: Catalog): string {
  const docs = [...catalog.prompts].sort(comparePrompts);
  const out: string[] = [
    `Prompt catalog (${docs.length} prompts). Entry: name [cost; tools; phases where it helps] purpose. ` +
      'Cost: minimal <100 tokens, low 100-1k, medium 1k-5k, high 5k+. ' +
      'Tools: none; read = list/read/search workspace files; write = also edit files and run tests.',
  ];
  let category: string | undefined;
  for (const d of docs) {
    if (d.category !== category) {
      category = d.category;
      out.push('', `[${category}]`);
    }
    const phases = d.phases.length ? `; ${d.phases.join(', ')}` : '';
    out.push(`${d.name} [${d.cost_estimate}; ${d.tools}${phases}] ${flat(d.purpose)}`);
    out.push(`  good for: ${d.good_for.map(flat).join('; ')}`);
    out.push(`  reduces: ${d.uncertainty_reduction.map(flat).join('; ')}`);
  }
  return `${out.join('\n')}\n`;
}
