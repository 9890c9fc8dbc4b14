/**
 * The workflow loader (the I/O edge of src/workflows): reads `*.yaml`, `*.yml` and `*.md` files
 * of three directories and layers them built-in < user < workspace, like the prompt library: a
 * later layer's file replaces an earlier one of the same name. Invalid files are reported and
 * left out, never fatal, and never change the lower layer's workflow of that name.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PromptIssue } from '../errors.js';
import type { WorkflowDoc, WorkflowLayer } from './parse.js';
import { fromWorkflowSnapshot, readWorkflowSnapshot, type WorkflowSnapshot } from './snapshot.js';
import { crossIssues, WORKFLOW_EXTENSIONS, type PromptNames } from './walk.js';

/** The package's `workflows/` folder (same relative path from src/workflows and dist/workflows). */
export function builtinWorkflowsDir(): string {
  return fileURLToPath(new URL('../../workflows', import.meta.url));
}

/** `$CLAUDE_EXEC_USER_WORKFLOWS`, else `~/.config/claude-exec/workflows`. */
function defaultUserWorkflowsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CLAUDE_EXEC_USER_WORKFLOWS || path.join(os.homedir(), '.config', 'claude-exec', 'workflows');
}

const isWorkflowFile = (name: string) =>
  !name.startsWith('.') &&
  name.toLowerCase() !== 'readme.md' &&
  (WORKFLOW_EXTENSIONS as readonly string[]).includes(path.extname(name).toLowerCase());

/** The workflow files directly in `dir`, sorted; a missing directory has none. */
export async function workflowFilesIn(dir: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && isWorkflowFile(e.name))
      .map((e) => path.join(dir, e.name))
      .sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
}

/** The build's snapshot when `files` are the package's built-in workflows (directly in its folder), else null. */
function snapshotFor(files: string[], layer: WorkflowLayer): WorkflowSnapshot | null {
  if (layer !== 'built-in' || files.length === 0) return null;
  const dir = builtinWorkflowsDir();
  return files.every((f) => path.dirname(path.resolve(f)) === dir) ? readWorkflowSnapshot() : null;
}

/**
 * One workflow file's document or issues: from `snapshot` when it has the file with these bytes
 * (its prompt names still checked against `prompts`), else parsed (the YAML parser and the
 * schemas are loaded on first use).
 */
async function checkWorkflowText(
  text: string,
  file: string,
  layer: WorkflowLayer,
  prompts: PromptNames | null,
  snapshot: WorkflowSnapshot | null,
): Promise<{ doc: WorkflowDoc | null; issues: PromptIssue[] }> {
  const known = fromWorkflowSnapshot(snapshot, path.basename(file), text);
  if (known) {
    const cross = crossIssues(known, prompts);
    if (cross.length) return { doc: null, issues: cross.map((f) => ({ file, ...f })) };
    return { doc: { ...known, file, layer, overrides: [] }, issues: [] };
  }
  const { parseWorkflowFile } = await import('./parse.js');
  return parseWorkflowFile(text, file, layer, prompts);
}

/**
 * Reads and checks `files` as one layer; a second file with the same name in it is an issue.
 * The package's built-in files are taken from the build's snapshot (./snapshot.ts) where their
 * bytes match it; `snapshot` replaces that snapshot (null: parse every file).
 */
export async function readWorkflowFiles(
  files: string[],
  layer: WorkflowLayer,
  prompts: PromptNames | null,
  snapshot: WorkflowSnapshot | null = snapshotFor(files, layer),
): Promise<{ docs: WorkflowDoc[]; issues: PromptIssue[] }> {
  const docs: WorkflowDoc[] = [];
  const issues: PromptIssue[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      issues.push({ file, field: '(file)', problem: `cannot read: ${(err as Error).message}` });
      continue;
    }
    const r = await checkWorkflowText(text, file, layer, prompts, snapshot);
    issues.push(...r.issues);
    if (!r.doc) continue;
    const first = docs.find((d) => d.name === r.doc!.name);
    if (first)
      issues.push({
        file,
        field: 'name',
        problem: `"${r.doc.name}" is already defined in this layer by ${first.file}`,
      });
    else docs.push(r.doc);
  }
  return { docs, issues };
}

export interface LoadWorkflowsOptions {
  /** The workspace; its `workflows/` folder is the last layer. */
  workspace: string;
  /** The library, to check prompt names. */
  prompts: PromptNames | null;
  builtinDir?: string;
  userDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Read the workspace's `workflows/` (default true); false for a workspace the user has not trusted. */
  workspaceLayer?: boolean;
  /**
   * Read only the files named `only` (plus an extension): the one workflow a chain runs. A file
   * defines the workflow of its own name (parse.ts), so no other file can define this one.
   */
  only?: string;
}

/** Every workflow of the three layers, by name (sorted), with the problems of files left out. */
export async function loadWorkflows(
  opts: LoadWorkflowsOptions,
): Promise<{ workflows: WorkflowDoc[]; issues: PromptIssue[] }> {
  const layers: [WorkflowLayer, string][] = [
    ['built-in', opts.builtinDir ?? builtinWorkflowsDir()],
    ['user', opts.userDir ?? defaultUserWorkflowsDir(opts.env)],
    ...(opts.workspaceLayer === false
      ? []
      : [['workspace', path.join(opts.workspace, 'workflows')] as [WorkflowLayer, string]]),
  ];
  const byName = new Map<string, WorkflowDoc>();
  const issues: PromptIssue[] = [];
  const seenDirs = new Set<string>();
  for (const [layer, dir] of layers) {
    const real = path.resolve(dir);
    if (seenDirs.has(real)) continue;
    seenDirs.add(real);
    const files = await workflowFilesIn(dir);
    const r = await readWorkflowFiles(
      opts.only === undefined
        ? files
        : files.filter((f) => path.basename(f, path.extname(f).toLowerCase()) === opts.only),
      layer,
      opts.prompts,
    );
    issues.push(...r.issues);
    for (const doc of r.docs) {
      const lower = byName.get(doc.name);
      byName.set(
        doc.name,
        lower ? { ...doc, overrides: [...lower.overrides, { layer: lower.layer, file: lower.file }] } : doc,
      );
    }
  }
  const workflows = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { workflows, issues };
}
