/**
 * Parses and checks one workflow file (YAML, or Markdown whose YAML frontmatter is the workflow
 * and whose body, when `description` is absent, is its description). Pure: text in, a document
 * and its problems out. Problems are `{ file, field, problem }` with `field` the dotted path in
 * the file (`steps.2.loop.max`), printed as `file: path: problem`.
 */
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { PromptIssue } from '../errors.js';
import { kindOf, STEP_KINDS, WorkflowFileSchema, type WorkflowFile } from './schema.js';
import { crossIssues, type PromptNames } from './walk.js';

/** @public the tests import it from here, beside the parser. */
export { walkSteps } from './walk.js';

export type WorkflowLayer = 'built-in' | 'user' | 'workspace';

export interface WorkflowDoc extends WorkflowFile {
  file: string;
  layer: WorkflowLayer;
  /** Files of lower layers this one replaces. */
  overrides: { layer: WorkflowLayer; file: string }[];
}

/** Splits Markdown into frontmatter text and body; null when it has no frontmatter. */
function frontmatter(text: string): { yaml: string; body: string } | null {
  const m = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)([\s\S]*)$/.exec(text.replace(/^\uFEFF/, ''));
  return m ? { yaml: m[1]!, body: m[2]!.trim() } : null;
}

const dotted = (p: readonly PropertyKey[]) => p.map(String).join('.') || '(file)';

const CONDITION_KEYS = 'confidence, verdict, tests, finding, git_commits, all, any, not';
const KIND_KEYS = Object.keys(STEP_KINDS).join(', ');

/** True when `p` addresses an element of a step list (steps.N, then.N, cases.x.N, …). */
function isStepPath(p: readonly PropertyKey[]): boolean {
  if (p.length < 2 || typeof p.at(-1) !== 'number') return false;
  const list = String(p.at(-2));
  return (
    list === 'steps' ||
    list === 'then' ||
    list === 'else' ||
    list === 'default' ||
    String(p.at(-3)) === 'cases'
  );
}

/** A zod issue in plain words: a missing key is "required", an unknown one is named. */
function problemOf(issue: z.core.$ZodIssue, kind: string | null): string {
  if (issue.code === 'invalid_union') return `not a condition: use one of ${CONDITION_KEYS}`;
  if (issue.code === 'unrecognized_keys')
    return `unknown key(s) ${issue.keys.join(', ')}${kind ? ` for a ${kind} step` : ''}`;
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message))
    return `required (${issue.expected})`;
  return issue.message;
}

/** Problems of one step list at `at`, each step checked against its own kind (recursively). */
function stepListIssues(
  raw: unknown,
  at: (string | number)[],
  out: { field: string; problem: string }[],
): void {
  if (!Array.isArray(raw)) return;
  raw.forEach((step, i) => {
    const here = [...at, i];
    const kind = kindOf(step);
    if (!kind) {
      out.push({ field: dotted(here), problem: `a step needs one of: ${KIND_KEYS}` });
      return;
    }
    const r = STEP_KINDS[kind].safeParse(step);
    if (!r.success) {
      for (const issue of r.error.issues) {
        const p = [...here, ...issue.path];
        // Nested steps are checked one by one below, with their own kind's messages.
        if (issue.code === 'invalid_union' && isStepPath(p)) continue;
        out.push({ field: dotted(p), problem: problemOf(issue, kind) });
      }
    }
    const s = step as Record<string, unknown>;
    if (kind === 'if') {
      stepListIssues(s.then, [...here, 'then'], out);
      stepListIssues(s.else, [...here, 'else'], out);
    } else if (kind === 'switch') {
      for (const [k, v] of Object.entries((s.cases as Record<string, unknown>) ?? {}))
        stepListIssues(v, [...here, 'cases', k], out);
      stepListIssues(s.default, [...here, 'default'], out);
    } else if (kind === 'loop') {
      stepListIssues((s.loop as Record<string, unknown> | undefined)?.steps, [...here, 'loop', 'steps'], out);
    }
  });
}

/**
 * Parses workflow file `file` (text `text`) of `layer`. `prompts`: the library, to check prompt
 * names (null skips that check). The file's name (without extension) must equal `name`.
 * Returns the document, or null with at least one issue.
 */
export function parseWorkflowFile(
  text: string,
  file: string,
  layer: WorkflowLayer,
  prompts: PromptNames | null,
): { doc: WorkflowDoc | null; issues: PromptIssue[] } {
  const issue = (field: string, problem: string): PromptIssue => ({ file, field, problem });
  const ext = path.extname(file).toLowerCase();
  let raw: unknown;
  let body = '';
  try {
    if (ext === '.md') {
      const fm = frontmatter(text);
      if (!fm)
        return {
          doc: null,
          issues: [issue('(file)', 'a Markdown workflow starts with YAML frontmatter between --- lines')],
        };
      raw = parseYaml(fm.yaml);
      body = fm.body;
    } else {
      raw = parseYaml(text);
    }
  } catch (err) {
    return {
      doc: null,
      issues: [
        issue('(file)', `not valid YAML: ${(err as Error).message.split('\n')[0]!.replace(/:$/, '')}`),
      ],
    };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    return {
      doc: null,
      issues: [issue('(file)', 'a workflow is a mapping with name, description and steps')],
    };
  const obj = { ...(raw as Record<string, unknown>) };
  if (obj.description === undefined && body) obj.description = body;

  const found: { field: string; problem: string }[] = [];
  const top = z
    .strictObject({ ...WorkflowFileSchema.shape, steps: z.array(z.unknown()).min(1) })
    .safeParse(obj);
  if (!top.success)
    for (const i of top.error.issues) found.push({ field: dotted(i.path), problem: problemOf(i, null) });
  stepListIssues(obj.steps, ['steps'], found);
  const base = path.basename(file, ext);
  if (typeof obj.name === 'string' && obj.name !== base)
    found.push({ field: 'name', problem: `"${obj.name}" differs from the file name "${base}"` });
  if (found.length) return { doc: null, issues: found.map((f) => issue(f.field, f.problem)) };

  const parsed = WorkflowFileSchema.safeParse(obj);
  if (!parsed.success)
    return { doc: null, issues: parsed.error.issues.map((i) => issue(dotted(i.path), i.message)) };
  const cross = crossIssues(parsed.data, prompts);
  if (cross.length) return { doc: null, issues: cross.map((f) => issue(f.field, f.problem)) };
  return { doc: { ...parsed.data, file, layer, overrides: [] }, issues: [] };
}
