/**
 * Use cases of `claude-exec workflows list|show|validate` and of `--workflow NAME`: the layered
 * workflows of a workspace, checked against its prompt library.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import leven from 'leven';
import type { ChainContext } from '../../chain/schema.js';
import { UsageError, type PromptIssue } from '../../errors.js';
import type { Catalog } from '../../library/catalog.js';
import { DEFAULT_WORKFLOW, workflowRunOf } from '../../workflows/run.js';
import {
  loadWorkflows,
  readWorkflowFiles,
  workflowFilesIn,
  type LoadWorkflowsOptions,
} from '../../workflows/load.js';
import type { WorkflowDoc } from '../../workflows/parse.js';
import { stepKindOf, walkSteps } from '../../workflows/walk.js';
import type { ValidateReport } from './prompts.js';

export { DEFAULT_WORKFLOW };

const names = (catalog: Catalog) => ({ has: (n: string) => catalog.get(n) !== undefined });

/** The workflows of workspace `cwd` (built-in < user < workspace), prompt names checked against `catalog`. */
export async function openWorkflows(
  cwd: string,
  catalog: Catalog,
  opts: Omit<LoadWorkflowsOptions, 'workspace' | 'prompts'> = {},
): Promise<{ workflows: WorkflowDoc[]; issues: PromptIssue[] }> {
  return loadWorkflows({ ...opts, workspace: cwd, prompts: names(catalog) });
}

export interface WorkflowListEntry {
  name: string;
  description: string;
  layer: string;
  file: string;
  overrides: string[];
  /** Steps, nested ones included. */
  steps: number;
  /** Step kinds used, in first-use order. */
  kinds: string[];
  prompts: string[];
}

/** One line per workflow for `workflows list`. */
export function listWorkflows(workflows: WorkflowDoc[]): WorkflowListEntry[] {
  return workflows.map((w) => {
    const all = walkSteps(w.steps);
    const prompts = new Set<string>();
    for (const { step } of all) {
      if ('prompt' in step) prompts.add(step.prompt);
      if ('plan_split' in step) prompts.add(step.plan_split);
      if ('parallel' in step && step.parallel.merge) prompts.add(step.parallel.merge);
    }
    return {
      name: w.name,
      description: w.description.split('\n')[0]!,
      layer: w.layer,
      file: w.file,
      overrides: w.overrides.map((o) => o.layer),
      steps: all.length,
      kinds: [...new Set(all.map(({ step }) => stepKindOf(step) ?? 'step'))],
      prompts: [...prompts],
    };
  });
}

/** The workflow named `name`. Throws UsageError (exit 2) naming the near ones. */
export function findWorkflow(workflows: WorkflowDoc[], name: string): WorkflowDoc {
  const doc = workflows.find((w) => w.name === name);
  if (doc) return doc;
  const near = workflows
    .map((w) => ({ n: w.name, d: leven(w.name, name) }))
    .filter((x) => x.d <= 3)
    .sort((a, b) => a.d - b.d)
    .map((x) => x.n);
  throw new UsageError(
    `no workflow named "${name}"`,
    near.length
      ? `Did you mean: ${near.join(', ')}? (\`claude-exec workflows list\` shows them all)`
      : `Workflows: ${workflows.map((w) => w.name).join(', ')}.`,
  );
}

/**
 * The chain's `workflow` field for `name` (absent: `feature`, the phase machine's whole flow, run
 * like every other workflow). `trusted`: the workspace's `workflows/` count, so a trusted
 * workspace's `feature.yaml` replaces the built-in one. Throws UsageError for an unknown name or
 * an invalid file of that name.
 */
export async function workflowForChain(
  cwd: string,
  catalog: Catalog,
  name: string | undefined,
  trusted: boolean,
): Promise<NonNullable<ChainContext['workflow']>> {
  name ??= DEFAULT_WORKFLOW;
  // Only the files of that name can define it; every file is read when none does (to name the near ones).
  const one = await openWorkflows(cwd, catalog, { workspaceLayer: trusted, only: name });
  const { workflows, issues } =
    one.workflows.length || one.issues.length
      ? one
      : await openWorkflows(cwd, catalog, { workspaceLayer: trusted });
  const bad = issues.filter((i) => path.basename(i.file).replace(/\.(ya?ml|md)$/i, '') === name);
  if (bad.length && !workflows.some((w) => w.name === name && w.layer === 'workspace')) {
    throw new UsageError(
      `the workflow file for "${name}" is not valid:\n${bad.map((i) => `${i.file}: ${i.field}: ${i.problem}`).join('\n')}`,
      'Fix it, then check with `claude-exec workflows validate`.',
    );
  }
  return workflowRunOf(findWorkflow(workflows, name));
}

/** The same report as `prompts validate` (src/features/library/prompts.ts ValidateReport), for workflow files. */
export type WorkflowValidateReport = ValidateReport;

/**
 * Validates workflow files: `paths` (files or directories, relative to `cwd`), each one layer;
 * with none, every layer of the workspace. Prompt names are checked against the workspace's library.
 */
export async function validateWorkflows(
  paths: string[],
  cwd: string,
  opts: Omit<LoadWorkflowsOptions, 'workspace' | 'prompts'> = {},
): Promise<WorkflowValidateReport> {
  // The prompt use cases (and the prompt search they bring) only for validation, not a chain's workflow.
  const { openLibrary, relativeTo } = await import('./prompts.js');
  const { catalog } = await openLibrary(cwd);
  const prompts = names(catalog);
  let files = 0;
  let valid = 0;
  const issues: PromptIssue[] = [];
  if (paths.length === 0) {
    const r = await loadWorkflows({ ...opts, workspace: cwd, prompts });
    valid = r.workflows.length + r.workflows.reduce((n, w) => n + w.overrides.length, 0);
    files = valid + new Set(r.issues.map((i) => i.file)).size;
    issues.push(...r.issues);
  } else {
    for (const p of paths) {
      const target = path.resolve(cwd, p);
      const stat = await fs.stat(target).catch(() => null);
      if (!stat) {
        issues.push({ file: target, field: 'path', problem: 'does not exist' });
        continue;
      }
      const list = stat.isDirectory() ? await workflowFilesIn(target) : [target];
      const r = await readWorkflowFiles(list, 'workspace', prompts);
      files += list.length;
      valid += r.docs.length;
      issues.push(...r.issues);
    }
  }
  return {
    ok: issues.length === 0,
    files,
    valid,
    issues: issues.map((i) => ({ ...i, file: relativeTo(cwd, i.file) })),
  };
}
