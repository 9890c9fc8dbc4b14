/**
 * The catalog: the prompts a chain may run, and its compact text form for the cached system
 * prompt (DESIGN §5: the library is part of every request's cached prefix, so the text must be
 * byte-identical for identical input and as short as the model can still choose from). Pure.
 */
import type { PromptDoc } from './parse.js';

export interface Catalog {
  /** Sorted by category, then name. */
  prompts: PromptDoc[];
  /** The prompt named `name`, else the prompt that has `name` as an alias (a merged prompt's old name). */
  get(name: string): PromptDoc | undefined;
  has(name: string): boolean;
}

/** Code-unit order, independent of the locale (localeCompare is not). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePrompts(a: PromptDoc, b: PromptDoc): number {
  return compareText(a.category, b.category) || compareText(a.name, b.name);
}

/**
 * Builds a catalog from docs with unique names (a later duplicate replaces an earlier one).
 * Aliases resolve to their prompt unless a prompt has that name (a real name wins).
 */
export function createCatalog(docs: readonly PromptDoc[]): Catalog {
  const byName = new Map<string, PromptDoc>();
  for (const doc of docs) byName.set(doc.name, doc);
  const prompts = [...byName.values()].sort(comparePrompts);
  const byAlias = new Map<string, PromptDoc>();
  for (const doc of prompts)
    for (const alias of doc.aliases ?? [])
      if (!byName.has(alias) && !byAlias.has(alias)) byAlias.set(alias, doc);
  const get = (name: string) => byName.get(name) ?? byAlias.get(name);
  return { prompts, get, has: (name) => get(name) !== undefined };
}

/**
 * The prompts the context-building selector may choose: those tagged for context-building,
 * except `exclude` (the prompts the chain runs itself, and the configured quality gates). The
 * rest of the library is reached where the chain runs it, or alone (`claude-exec prompt run`).
 */
export function selectablePrompts(catalog: Catalog, exclude: Iterable<string>): PromptDoc[] {
  const out = new Set(exclude);
  return catalog.prompts.filter((d) => d.phases.includes('context-building') && !out.has(d.name));
}

/** Cost classes by prompt name, e.g. measured medians that replace the declared `cost_estimate`. */
export type CostClasses = Readonly<Record<string, PromptDoc['cost_estimate']>>;

const flat = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * The selector's catalog as compact text, one line per prompt grouped under its category:
 *
 *     [discovery]
 *     trace_existing_flow [medium] Follow one request… | reduces: Which functions…; Where data…
 *
 * `docs` are the prompts it may choose; `costClasses` replace a prompt's declared class (measured
 * medians). Sorted by category then name (code-unit order); whitespace inside fields is collapsed
 * so a field can never break the layout. The same input gives byte-identical text.
 */
export function serializeCatalog(docs: readonly PromptDoc[], costClasses: CostClasses = {}): string {
  const sorted = [...docs].sort(comparePrompts);
  const out: string[] = [
    `Prompt catalog: the ${sorted.length} prompts choose_next_prompts may name. Line: name [cost] purpose | what it reduces. ` +
      'Cost per run: minimal <100 tokens, low 100-1k, medium 1k-5k, high 5k+ (measured medians where known).',
  ];
  let category: string | undefined;
  for (const d of sorted) {
    if (d.category !== category) {
      category = d.category;
      out.push(`[${category}]`);
    }
    out.push(
      `${d.name} [${costClasses[d.name] ?? d.cost_estimate}] ${flat(d.purpose)} | ${d.uncertainty_reduction.slice(0, 2).map(flat).join('; ')}`,
    );
  }
  return `${out.join('\n')}\n`;
}
