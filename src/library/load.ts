/**
 * The library loader (the I/O edge of src/library): reads prompt directories laid out as
 * `<dir>/<category>/<name>.md` and layers them built-in < user < extra < workspace (DESIGN §4).
 * Files directly in `<dir>`, dot-entries and README.md files are not prompts and are skipped.
 */
import { promises as fs, readFileSync, type Dirent } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PromptIssue } from '../errors.js';
import { compareText, createCatalog, type Catalog } from './catalog.js';
import type { Layer, ParseResult, PromptDoc } from './parse.js';
import { fromSnapshot, readSnapshot, type LibrarySnapshot } from './snapshot.js';

/** The package's `prompts/` folder; the same relative path from `src/library` and `dist/library`. */
export function builtinPromptsDir(): string {
  return fileURLToPath(new URL('../../prompts', import.meta.url));
}

/** `$CLAUDE_EXEC_USER_PROMPTS`, else `~/.config/claude-exec/prompts`. */
export function defaultUserPromptsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CLAUDE_EXEC_USER_PROMPTS || path.join(os.homedir(), '.config', 'claude-exec', 'prompts');
}

export interface DirResult {
  docs: PromptDoc[];
  issues: PromptIssue[];
}

async function readdirOrEmpty(dir: string): Promise<Dirent[]> {
  try {
    return await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
}

const isPromptFile = (name: string) =>
  name.endsWith('.md') && !name.startsWith('.') && name.toLowerCase() !== 'readme.md';

/**
 * Reads one prompt directory as one layer. A name defined twice in it (in two categories) is an
 * issue on the later file (category order) and the first one is kept. A missing directory gives
 * nothing. Invalid files are issues, not errors. The built-in folder's files are taken from the
 * build's snapshot (./snapshot.ts) where their bytes match it; `snapshot` replaces that snapshot
 * (null: parse every file).
 */
export async function readPromptDir(
  dir: string,
  layer: Layer,
  snapshot: LibrarySnapshot | null = layer === 'built-in' && path.resolve(dir) === builtinPromptsDir()
    ? readSnapshot()
    : null,
): Promise<DirResult> {
  const categories = (await readdirOrEmpty(dir))
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort(compareText);
  const files = (
    await Promise.all(categories.map((category) => promptFilesIn(path.join(dir, category), category)))
  ).flat();
  return parsePromptFiles(files, layer, snapshot ? { snapshot, root: dir } : undefined);
}

/** Parses one prompt file's text; the parser (YAML, the frontmatter schema) is loaded on first use. */
async function parseText(text: string, file: string, category: string, layer: Layer): Promise<ParseResult> {
  const { parsePromptFile } = await import('./parse.js');
  return parsePromptFile(text, file, category, layer);
}

/** The prompt files directly in `dir` (not README.md, not dot files), sorted, tagged with `category`. */
export async function promptFilesIn(
  dir: string,
  category: string,
): Promise<{ file: string; category: string }[]> {
  return (await readdirOrEmpty(dir))
    .filter((e) => e.isFile() && isPromptFile(e.name))
    .map((e) => ({ category, file: path.join(dir, e.name) }))
    .sort((a, b) => compareText(a.file, b.file));
}

/**
 * Reads and parses `files` as one layer (in parallel): invalid files and second definitions of a
 * name are issues; the first valid definition of each name is kept. With `from`, a file whose
 * bytes match its entry in `from.snapshot` (keyed by its path relative to `from.root`) is taken
 * from there instead of parsed.
 */
export async function parsePromptFiles(
  files: { file: string; category: string }[],
  layer: Layer,
  from?: { snapshot: LibrarySnapshot; root: string },
): Promise<DirResult> {
  const parsed = await Promise.all(
    files.map(async ({ category, file }): Promise<ParseResult> => {
      // The snapshot's files synchronously: about a hundred small files, where the promise API's
      // open, stat, read and close of each cost more than the reading.
      const text = from ? readFileSync(file, 'utf8') : await fs.readFile(file, 'utf8');
      const rel = from && path.relative(from.root, file).split(path.sep).join('/');
      const hit = from && rel ? fromSnapshot(from.snapshot, rel, text, file) : null;
      if (hit && hit.category === category) return { doc: { ...hit, layer }, issues: [] };
      return parseText(text, file, category, layer);
    }),
  );
  const docs: PromptDoc[] = [];
  const issues: PromptIssue[] = [];
  const seen = new Map<string, PromptDoc>();
  for (const r of parsed) {
    issues.push(...r.issues);
    if (!r.doc) continue;
    const first = seen.get(r.doc.name);
    if (first) {
      issues.push({
        file: r.doc.file,
        field: 'name',
        problem: `"${r.doc.name}" is already defined in this layer by ${first.file}`,
      });
      continue;
    }
    seen.set(r.doc.name, r.doc);
    docs.push(r.doc);
  }
  issues.push(...aliasClashes(docs));
  return { docs, issues };
}

/**
 * Aliases of one layer that clash with a prompt name or with another prompt's alias in that
 * layer (each is an issue on the file declaring the alias). Across layers a real name wins over
 * an alias, so a later layer may define a prompt under a merged prompt's old name.
 */
function aliasClashes(docs: readonly PromptDoc[]): PromptIssue[] {
  const names = new Map(docs.map((d) => [d.name, d] as const));
  const owners = new Map<string, PromptDoc>();
  const issues: PromptIssue[] = [];
  for (const d of docs) {
    for (const alias of d.aliases) {
      const named = names.get(alias);
      const owner = owners.get(alias);
      if (named)
        issues.push({
          file: d.file,
          field: 'aliases',
          problem: `"${alias}" is the name of another prompt (${named.file})`,
        });
      else if (owner && owner !== d)
        issues.push({
          file: d.file,
          field: 'aliases',
          problem: `"${alias}" is already an alias of ${owner.name} (${owner.file})`,
        });
      else owners.set(alias, d);
    }
  }
  return issues;
}

async function realDir(dir: string): Promise<string> {
  try {
    return await fs.realpath(dir);
  } catch {
    return path.resolve(dir);
  }
}

export interface LoadLibraryOptions {
  /** The workspace; its `prompts/` folder is the last layer. */
  workspace: string;
  /** Default: defaultUserPromptsDir(). */
  userDir?: string;
  /** Layered after the user library, in order (config `prompt_dirs`). */
  extraDirs?: string[];
  /** Read the workspace's `prompts/` (default true); false for a workspace the user has not trusted. */
  workspaceLayer?: boolean;
}

/** The layers loadLibrary reads, in override order; a directory listed twice is read once. */
export async function libraryLayers(opts: LoadLibraryOptions): Promise<{ dir: string; layer: Layer }[]> {
  const wanted: { dir: string; layer: Layer }[] = [
    { dir: builtinPromptsDir(), layer: 'built-in' },
    { dir: opts.userDir ?? defaultUserPromptsDir(), layer: 'user' },
    ...(opts.extraDirs ?? []).map((dir) => ({
      dir: path.resolve(opts.workspace, dir),
      layer: 'extra' as const,
    })),
    ...(opts.workspaceLayer === false
      ? []
      : [{ dir: path.join(opts.workspace, 'prompts'), layer: 'workspace' as const }]),
  ];
  const seen = new Set<string>();
  const out: { dir: string; layer: Layer }[] = [];
  for (const l of wanted) {
    const real = await realDir(l.dir);
    if (seen.has(real)) continue;
    seen.add(real);
    out.push(l);
  }
  return out;
}

/**
 * Loads the layered library. A prompt of a later layer replaces a same-named one of an earlier
 * layer and records it in `overrides`. Invalid files and in-layer name clashes come back as
 * `issues` (the caller decides whether they are fatal); the catalog holds the valid prompts.
 * Throws only on unexpected I/O errors (e.g. EACCES).
 */
export async function loadLibrary(
  opts: LoadLibraryOptions,
): Promise<{ catalog: Catalog; issues: PromptIssue[] }> {
  const layers = await libraryLayers(opts);
  const results = await Promise.all(layers.map((l) => readPromptDir(l.dir, l.layer)));
  const byName = new Map<string, PromptDoc>();
  const issues: PromptIssue[] = [];
  for (const r of results) {
    issues.push(...r.issues);
    for (const doc of r.docs) {
      const earlier = byName.get(doc.name);
      const overrides = earlier
        ? [...(earlier.overrides ?? []), { layer: earlier.layer, file: earlier.file }]
        : undefined;
      byName.set(doc.name, overrides ? { ...doc, overrides } : doc);
    }
  }
  return { catalog: createCatalog([...byName.values()]), issues };
}
