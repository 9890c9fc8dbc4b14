/**
 * Prompt file parsing (pure): markdown text with a YAML frontmatter block -> PromptDoc, or
 * `file: field: problem` issues. The frontmatter contract is DESIGN §4 and the writers' brief:
 * unknown keys, a missing field, a name that is not the file's stem and any `{{variable}}` outside
 * PROMPT_VARIABLES are errors.
 */
import path from 'node:path';
import matter from 'gray-matter';
import { z } from 'zod';
import { PHASES, type Phase } from '../chain/schema.js';
import type { PromptIssue } from '../errors.js';
import { PROMPT_TOOLS, type PromptTools } from '../tools/step.js';
import { FindingsSchema, PROMPT_VARIABLES, type PromptVariable } from '../phases/protocol.js';

/** Where a prompt came from, in override order: a later layer replaces a same-named prompt. */
export type Layer = 'built-in' | 'user' | 'extra' | 'workspace';

/** minimal <100 tokens | low 100-1,000 | medium 1,000-5,000 | high 5,000+ (seed §"Prompt Format"). */
const COST_ESTIMATES = ['minimal', 'low', 'medium', 'high'] as const;
/** Model tier; the config maps each to a model id. */
export const PROMPT_TIERS = ['fast', 'default', 'smart'] as const;

export type CostEstimate = (typeof COST_ESTIMATES)[number];
type PromptTier = (typeof PROMPT_TIERS)[number];

export const PROMPT_NAME_RE = /^[a-z][a-z0-9_]*$/;
/** `{{ name }}` occurrences in a body; group 1 is the name (surrounding spaces allowed). */
export const VARIABLE_RE = /\{\{\s*([^{}]*?)\s*\}\}/g;

const line = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .refine((s) => !s.includes('\n'), 'must be a single line');
const list = (min: number, max: number) =>
  z.array(line).min(min, `needs ${min}-${max} items`).max(max, `needs ${min}-${max} items`);

/** The frontmatter, strict: a key not listed here is an error. Counts follow the writers' contract. */
const FrontmatterSchema = z.strictObject({
  name: z.string().regex(PROMPT_NAME_RE, 'must be snake_case (a-z, 0-9 and _, starting with a letter)'),
  purpose: line.pipe(z.string().max(120, 'must be at most 120 characters')),
  good_for: list(3, 5),
  uncertainty_reduction: list(2, 5),
  example_context_needs: list(1, 4),
  cost_estimate: z.enum(COST_ESTIMATES),
  phases: z.array(z.enum(PHASES)).default([]),
  tools: z.enum(PROMPT_TOOLS).default('none'),
  tier: z.enum(PROMPT_TIERS).default('default'),
  /** Other names this prompt answers to: the names of prompts merged into it (they stay resolvable). */
  aliases: z
    .array(z.string().regex(PROMPT_NAME_RE, 'must be snake_case (a-z, 0-9 and _, starting with a letter)'))
    .default([]),
  /**
   * Top-level fields of record_findings this prompt's result must carry (e.g. `[verdict]` for a
   * gate); a result without one is sent back to the model naming it. Each must be a field of
   * FindingsSchema.
   */
  requires: z.array(z.string()).default([]),
});

/** One validated prompt. `file` is the path it was read from; `overrides` lists shadowed copies. */
export interface PromptDoc {
  name: string;
  category: string;
  purpose: string;
  good_for: string[];
  uncertainty_reduction: string[];
  example_context_needs: string[];
  cost_estimate: CostEstimate;
  phases: Phase[];
  tools: PromptTools;
  tier: PromptTier;
  /** Names of prompts merged into this one; `catalog.get(alias)` returns this prompt. */
  aliases: string[];
  /** Fields its result must contain (frontmatter `requires`). */
  requires: string[];
  /** The markdown after the frontmatter, trimmed. */
  body: string;
  file: string;
  layer: Layer;
  /** Same-named prompts of earlier layers that this one replaces, earliest first (set by the loader). */
  overrides?: { layer: Layer; file: string }[];
}

export interface ParseResult {
  doc?: PromptDoc;
  issues: PromptIssue[];
}

const refuse = () => {
  throw new Error('only YAML frontmatter is allowed');
};
// gray-matter evaluates `---js` frontmatter with eval(); prompt files may come from the model.
const MATTER_OPTIONS = {
  language: 'yaml',
  engines: { javascript: refuse, js: refuse, coffee: refuse, coffeescript: refuse, cson: refuse },
};

export function isPromptVariable(name: string): name is PromptVariable {
  return (PROMPT_VARIABLES as readonly string[]).includes(name);
}

/** Names of the `{{…}}` occurrences in `body` that are not PROMPT_VARIABLES, in order, unique. */
export function unknownVariables(body: string): string[] {
  const out: string[] = [];
  for (const m of body.matchAll(VARIABLE_RE)) {
    const name = m[1] ?? '';
    if (!isPromptVariable(name) && !out.includes(name)) out.push(name);
  }
  return out;
}

/**
 * Parses one prompt file. `file` names it in issues and its stem must equal `name`; `category` is
 * the folder it sits in; `layer` is recorded on the doc (default 'workspace'). Never throws: every
 * problem is an issue `{file, field, problem}`, and `doc` is set only when there are none.
 */
export function parsePromptFile(
  text: string,
  file: string,
  category: string,
  layer: Layer = 'workspace',
): ParseResult {
  const issue = (field: string, problem: string): PromptIssue => ({ file, field, problem });
  const source = text.replace(/^\uFEFF/, '');
  if ((source.split('\n', 1)[0] ?? '').trimEnd() !== '---') {
    return {
      issues: [issue('frontmatter', 'missing: the file must start with a line "---" opening a YAML block')],
    };
  }
  let parsed: { data: Record<string, unknown>; content: string };
  try {
    parsed = matter(source, MATTER_OPTIONS);
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0] ?? 'unreadable';
    return { issues: [issue('frontmatter', `invalid YAML: ${reason}`)] };
  }
  const data = parsed.data ?? {};
  const issues: PromptIssue[] = [];
  const fm = FrontmatterSchema.safeParse(data);
  if (!fm.success) {
    for (const i of fm.error.issues) {
      if (i.code === 'unrecognized_keys') {
        for (const key of i.keys)
          issues.push(
            issue(key, 'unknown key (allowed: ' + Object.keys(FrontmatterSchema.shape).join(', ') + ')'),
          );
        continue;
      }
      const field = i.path.map(String).join('.') || 'frontmatter';
      const missing = i.path.length === 1 && data[String(i.path[0])] === undefined;
      issues.push(issue(field, missing ? 'required field is missing' : i.message));
    }
  }
  const stem = path.basename(file).replace(/\.md$/i, '');
  if (typeof data.name === 'string' && data.name !== stem) {
    issues.push(issue('name', `"${data.name}" must equal the file name stem "${stem}"`));
  }
  if (Array.isArray(data.aliases) && data.aliases.includes(data.name)) {
    issues.push(issue('aliases', `"${String(data.name)}" is the prompt's own name`));
  }
  if (Array.isArray(data.requires)) {
    for (const field of data.requires) {
      if (typeof field === 'string' && !(field in FindingsSchema.shape))
        issues.push(
          issue(
            'requires',
            `"${field}" is not a field of the result (record_findings: ${Object.keys(FindingsSchema.shape).join(', ')})`,
          ),
        );
    }
  }
  const body = parsed.content.trim();
  if (!body) issues.push(issue('body', 'is empty'));
  for (const name of unknownVariables(body)) {
    issues.push(issue('body', `unknown variable {{${name}}} (allowed: ${PROMPT_VARIABLES.join(', ')})`));
  }
  if (issues.length > 0 || !fm.success) return { issues };
  return { doc: { ...fm.data, category, body, file, layer }, issues };
}
