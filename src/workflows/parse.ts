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
import { kindOf, STEP_KINDS, WorkflowFileSchema, type Step, type WorkflowFile } from './schema.js';

export type WorkflowLayer = 'built-in' | 'user' | 'workspace';

export interface WorkflowDoc extends WorkflowFile {
  file: string;
  layer: WorkflowLayer;
  /** Files of lower layers this one replaces. */
  overrides: { layer: WorkflowLayer; file: string }[];
}

/** What a check needs to know about prompt names: whether one resolves in the library. */
export interface PromptNames {
  has(name: string): boolean;
}

export const WORKFLOW_EXTENSIONS = ['.yaml', '.yml', '.md'] as const;

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

/** Every step of a valid workflow with its dotted path, depth first. */
export function walkSteps(steps: Step[], at = 'steps'): { at: string; step: Step }[] {
  const out: { at: string; step: Step }[] = [];
  steps.forEach((step, i) => {
    const here = `${at}.${i}`;
    out.push({ at: here, step });
    if ('if' in step)
      out.push(...walkSteps(step.then, `${here}.then`), ...walkSteps(step.else ?? [], `${here}.else`));
    else if ('switch' in step) {
      for (const [k, v] of Object.entries(step.cases)) out.push(...walkSteps(v, `${here}.cases.${k}`));
      out.push(...walkSteps(step.default ?? [], `${here}.default`));
    } else if ('loop' in step) out.push(...walkSteps(step.loop.steps, `${here}.loop.steps`));
    else if ('parallel' in step) out.push(...walkSteps(step.parallel.branches, `${here}.parallel.branches`));
  });
  return out;
}

/** Problems zod cannot see: unknown prompt names, duplicate ids, parallel branches that share a prompt. */
function crossIssues(doc: WorkflowFile, prompts: PromptNames | null): { field: string; problem: string }[] {
  const out: { field: string; problem: string }[] = [];
  const ids = new Map<string, string>();
  for (const { at, step } of walkSteps(doc.steps)) {
    if (step.id) {
      const first = ids.get(step.id);
      if (first) out.push({ field: `${at}.id`, problem: `"${step.id}" is already the id of ${first}` });
      else ids.set(step.id, at);
    }
    if (prompts && 'prompt' in step && !prompts.has(step.prompt))
      out.push({ field: `${at}.prompt`, problem: `no prompt "${step.prompt}" in the library` });
    if (prompts && 'plan_split' in step && !prompts.has(step.plan_split))
      out.push({ field: `${at}.plan_split`, problem: `no prompt "${step.plan_split}" in the library` });
    if ('parallel' in step) {
      const names = step.parallel.branches.map((b) => b.prompt);
      names.forEach((n, i) => {
        if (names.indexOf(n) !== i)
          out.push({
            field: `${at}.parallel.branches.${i}.prompt`,
            problem: `"${n}" is already a branch of this step: run it once, or in another step`,
          });
      });
      const merge = step.parallel.merge;
      if (merge && names.includes(merge))
        out.push({
          field: `${at}.parallel.merge`,
          problem: `"${merge}" is also a branch; the merge must be another prompt`,
        });
      if (merge && prompts && !prompts.has(merge))
        out.push({ field: `${at}.parallel.merge`, problem: `no prompt "${merge}" in the library` });
    }
  }
  return out;
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
