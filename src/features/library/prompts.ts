/**
 * Use cases behind `claude-exec prompts …`. Each returns data; src/cli/commands/prompts.ts renders
 * it. The `--json` output of each subcommand is the value returned here, stable in shape:
 *
 * - `list`     → PromptListEntry[]  `{name, category, cost_estimate, tools, tier, phases, layer, overrides, purpose, file}`
 *                (`overrides`: layers of the same-named prompts this one replaces, earliest first)
 * - `show`     → PromptDoc          `{name, category, purpose, good_for, uncertainty_reduction, example_context_needs,
 *                                    cost_estimate, phases, tools, tier, aliases, body, file, layer, overrides?}`
 *                (an alias — the name of a prompt merged into another — shows the prompt it resolves to)
 * - `search`   → SearchEntry[]      `{name, category, score, cost_estimate, tools, purpose}`, best first
 * - `validate` → ValidateReport     `{ok, files, valid, issues: [{file, field, problem}]}` (files relative to cwd)
 * - `stats`    → PromptStatsReport  `{chains, prompts: PromptStat[], skipped: [{file, error}]}`
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { loadStoredConfig } from '../../config/load.js';
import { UsageError, type PromptIssue } from '../../errors.js';
import type { Catalog } from '../../library/catalog.js';
import {
  libraryLayers,
  loadLibrary,
  parsePromptFiles,
  promptFilesIn,
  readPromptDir,
  type DirResult,
  type LoadLibraryOptions,
} from '../../library/load.js';
import type { Layer, PromptDoc } from '../../library/parse.js';
import { searchPrompts } from '../../library/search.js';

export {
  computePromptStats,
  promptStats,
  type PromptStat,
  type PromptStatsReport,
} from '../learning/promptStats.js';

export interface PromptListEntry {
  name: string;
  category: string;
  cost_estimate: PromptDoc['cost_estimate'];
  tools: PromptDoc['tools'];
  tier: PromptDoc['tier'];
  phases: PromptDoc['phases'];
  layer: Layer;
  overrides: Layer[];
  purpose: string;
  file: string;
}

/** The catalog's prompts (sorted by category, name), optionally of one category. */
export function listPrompts(catalog: Catalog, opts: { category?: string } = {}): PromptListEntry[] {
  return catalog.prompts
    .filter((d) => !opts.category || d.category === opts.category)
    .map((d) => ({
      name: d.name,
      category: d.category,
      cost_estimate: d.cost_estimate,
      tools: d.tools,
      tier: d.tier,
      phases: d.phases,
      layer: d.layer,
      overrides: (d.overrides ?? []).map((o) => o.layer),
      purpose: d.purpose,
      file: d.file,
    }));
}

/** One prompt by name. Throws UsageError naming close matches when there is none. */
export function showPrompt(catalog: Catalog, name: string): PromptDoc {
  const doc = catalog.get(name);
  if (doc) return doc;
  const near = searchPrompts(catalog, name)
    .slice(0, 3)
    .map((h) => h.doc.name);
  throw new UsageError(
    `no prompt named "${name}"`,
    near.length ? `Did you mean: ${near.join(', ')}?` : '`claude-exec prompts list` shows the library.',
  );
}

export interface SearchEntry {
  name: string;
  category: string;
  score: number;
  cost_estimate: PromptDoc['cost_estimate'];
  tools: PromptDoc['tools'];
  purpose: string;
}

/** Ranked matches for `text` (see searchPrompts for the scoring). */
export function searchLibrary(catalog: Catalog, text: string): SearchEntry[] {
  return searchPrompts(catalog, text).map(({ doc, score }) => ({
    name: doc.name,
    category: doc.category,
    score,
    cost_estimate: doc.cost_estimate,
    tools: doc.tools,
    purpose: doc.purpose,
  }));
}

export interface ValidateReport {
  ok: boolean;
  /** Prompt files examined. */
  files: number;
  /** Files that parsed without an issue (and were not a second definition of a name). */
  valid: number;
  issues: PromptIssue[];
}

/** `file` relative to `cwd` when it lies inside it, else as given (for the `file: field: problem` lines). */
export function relativeTo(cwd: string, file: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

async function validatePath(target: string): Promise<DirResult & { files: number }> {
  let stat;
  try {
    stat = await fs.stat(target);
  } catch {
    return { docs: [], files: 0, issues: [{ file: target, field: 'path', problem: 'does not exist' }] };
  }
  let files: { file: string; category: string }[];
  if (stat.isDirectory()) {
    // Either a library root (<dir>/<category>/*.md) or one category folder: take both levels.
    const subdirs = (await fs.readdir(target, { withFileTypes: true })).filter(
      (e) => e.isDirectory() && !e.name.startsWith('.'),
    );
    const nested = await Promise.all(subdirs.map((e) => promptFilesIn(path.join(target, e.name), e.name)));
    files = [...(await promptFilesIn(target, path.basename(target))), ...nested.flat()];
  } else {
    files = [{ file: target, category: path.basename(path.dirname(target)) }];
  }
  return { ...(await parsePromptFiles(files, 'workspace')), files: files.length };
}

/**
 * Validates prompt files. `paths` (files or directories, relative to `cwd`) are each checked as
 * one layer (a name clash inside one path is an issue); with no paths, the layers `loadLibrary`
 * would read for the workspace `cwd`. Issue files are made relative to `cwd` when inside it.
 */
export async function validatePrompts(
  paths: string[],
  opts: Omit<LoadLibraryOptions, 'workspace'> & { cwd: string },
): Promise<ValidateReport> {
  const results: (DirResult & { files: number })[] = [];
  if (paths.length === 0) {
    for (const { dir, layer } of await libraryLayers({
      extraDirs: configPromptDirs(opts.cwd),
      ...opts,
      workspace: opts.cwd,
    })) {
      const r = await readPromptDir(dir, layer);
      results.push({ ...r, files: r.docs.length + new Set(r.issues.map((i) => i.file)).size });
    }
  } else {
    for (const p of paths) results.push(await validatePath(path.resolve(opts.cwd, p)));
  }
  const issues = results.flatMap((r) => r.issues).map((i) => ({ ...i, file: relativeTo(opts.cwd, i.file) }));
  const files = results.reduce((n, r) => n + r.files, 0);
  const valid = results.reduce((n, r) => n + r.docs.length, 0);
  return { ok: issues.length === 0, files, valid, issues };
}

/**
 * Loads the workspace's library for list/show/search; invalid files come back as issues.
 * Extra directories default to the workspace config's `prompt_dirs`.
 */
export async function openLibrary(
  cwd: string,
  opts: Omit<LoadLibraryOptions, 'workspace'> = {},
): Promise<{ catalog: Catalog; issues: PromptIssue[] }> {
  return loadLibrary({ extraDirs: configPromptDirs(cwd), ...opts, workspace: cwd });
}

/** The config's `prompt_dirs`, resolved against the workspace. Throws ConfigError for a bad config. */
function configPromptDirs(cwd: string): string[] {
  return loadStoredConfig(cwd).config.prompt_dirs.map((d) => path.resolve(cwd, d));
}
