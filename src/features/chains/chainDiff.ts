/**
 * `claude-exec diff ID`: everything changed in the chain's workspace since its pre-implementation
 * checkpoint — new and deleted files included, the contexts directory left out — through the
 * hardened git module (no external diff, no textconv). Without git, from the originals the chain
 * kept (src/engine/originals.ts) against the files as they are now.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { ChainContext } from '../../chain/schema.js';
import { UsageError } from '../../errors.js';
import { git, gitOk } from '../../git/run.js';
import { workspaceTree } from '../../tools/git.js';
import { loadChain } from './chains.js';
import { originalsDir } from '../../engine/originals.js';

/** One changed file of a chain's diff. Line counts are null for a binary file. */
export interface DiffFile {
  path: string;
  status: 'added' | 'modified' | 'deleted';
  insertions: number | null;
  deletions: number | null;
  /** The chain wrote it (false: someone else changed it since the checkpoint). */
  by_chain: boolean;
}

/** Everything a chain changed since its checkpoint: the `diff@1` document (src/contract/diff.ts checks the shape). */
export interface ChainDiff {
  schema: 'claude-exec/diff@1';
  chain_id: string;
  workspace: string;
  from: 'git' | 'originals';
  git_ref: string | null;
  files: DiffFile[];
  /** The unified diff; null with --stat. */
  patch: string | null;
}

/**
 * Pure: `text` (workspace content) fit for a terminal: escape sequences and control characters
 * other than newline and tab become `^X`-style visible text, so a file cannot drive the terminal.
 */
export function sanitizeForTerminal(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) =>
    c.charCodeAt(0) < 0x20
      ? `^${String.fromCharCode(c.charCodeAt(0) + 64)}`
      : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Pure: `git diff --name-status -z` output as `[{ path, status }]` (renames are off). */
export function parseNameStatus(z: string): { path: string; status: DiffFile['status'] }[] {
  const parts = z.split('\0');
  const out: { path: string; status: DiffFile['status'] }[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const code = parts[i]!;
    const status = code.startsWith('A') ? 'added' : code.startsWith('D') ? 'deleted' : 'modified';
    out.push({ path: parts[i + 1]!, status });
  }
  return out;
}

/** Pure: `git diff --numstat -z` output (renames off) as path -> counts (null for binary). */
export function parseNumstat(
  z: string,
): Map<string, { insertions: number | null; deletions: number | null }> {
  const out = new Map<string, { insertions: number | null; deletions: number | null }>();
  for (const rec of z.split('\0')) {
    const [a, d, p] = rec.split('\t');
    if (p === undefined) continue;
    out.set(p, { insertions: a === '-' ? null : Number(a), deletions: d === '-' ? null : Number(d) });
  }
  return out;
}

/** The contexts directory relative to `root` when inside it (to leave out), else []. */
function contextsExclude(root: string, contextFile: string): string[] {
  const rel = path
    .relative(root, path.dirname(path.resolve(contextFile)))
    .split(path.sep)
    .join('/');
  return rel && rel !== '.' && !rel.startsWith('..') && !path.isAbsolute(rel) ? [rel] : [];
}

async function fromGit(
  ctx: ChainContext,
  file: string,
  root: string,
  gitRef: string,
  withPatch: boolean,
): Promise<{ files: DiffFile[]; patch: string | null }> {
  if (!(await git(root, ['rev-parse', '--verify', '-q', `${gitRef}^{commit}`])).ok) {
    throw new UsageError(
      `checkpoint ${gitRef} not found in ${root}`,
      'The chain has no checkpoint in this workspace to compare with.',
    );
  }
  const exclude = contextsExclude(root, file);
  const now = await workspaceTree(root, { exclude });
  if (!now)
    throw new UsageError(
      `${root} is no longer a git work tree`,
      'The checkpoint is a git ref; run the command where the chain ran.',
    );
  const range = [
    '--no-renames',
    '--relative',
    gitRef,
    now.tree,
    '--',
    '.',
    ...exclude.map((e) => `:(exclude,literal)${e}`),
  ];
  const [names, numstat] = await Promise.all([
    gitOk(root, ['diff', '--name-status', '-z', ...range]),
    gitOk(root, ['diff', '--numstat', '-z', ...range]),
  ]);
  const counts = parseNumstat(numstat);
  const modified = new Set(ctx.session_memory.files_modified);
  const files = parseNameStatus(names).map((f) => ({
    ...f,
    ...(counts.get(f.path) ?? { insertions: null, deletions: null }),
    by_chain: modified.has(f.path),
  }));
  const patch = withPatch ? await gitOk(root, ['diff', ...range]) : null;
  return { files, patch };
}

async function fromOriginals(
  ctx: ChainContext,
  file: string,
  root: string,
  withPatch: boolean,
): Promise<{ files: DiffFile[]; patch: string | null }> {
  const files: DiffFile[] = [];
  const patches: string[] = [];
  for (const o of ctx.originals) {
    const before = o.existed
      ? await readFile(path.join(originalsDir(file), o.path), 'utf8').catch(() => null)
      : null;
    const after = await readFile(path.join(root, o.path), 'utf8').catch(() => null);
    if (before === after) continue;
    const patch = createTwoFilesPatch(
      before === null ? '/dev/null' : `a/${o.path}`,
      after === null ? '/dev/null' : `b/${o.path}`,
      before ?? '',
      after ?? '',
    );
    const lines = patch.split('\n').slice(4);
    files.push({
      path: o.path,
      status: before === null ? 'added' : after === null ? 'deleted' : 'modified',
      insertions: lines.filter((l) => l.startsWith('+')).length,
      deletions: lines.filter((l) => l.startsWith('-')).length,
      by_chain: true,
    });
    patches.push(patch);
  }
  return { files, patch: withPatch ? patches.join('') : null };
}

/**
 * What chain `id` changed in its workspace since its checkpoint (or its kept originals).
 * `opts.stat`: leave the patch out. Throws UsageError when the chain has neither.
 */
export async function chainDiff(
  dirs: string[],
  id: string,
  opts: { stat?: boolean } = {},
): Promise<ChainDiff> {
  const { ctx, file } = await loadChain(dirs, id);
  const root = ctx.workspace;
  const checkpoint = ctx.checkpoints.find((c) => c.phase === 'implementation');
  const base = { schema: 'claude-exec/diff@1' as const, chain_id: ctx.chain_id, workspace: root };
  if (checkpoint)
    return {
      ...base,
      from: 'git',
      git_ref: checkpoint.git_ref,
      ...(await fromGit(ctx, file, root, checkpoint.git_ref, !opts.stat)),
    };
  if (ctx.originals.length)
    return {
      ...base,
      from: 'originals',
      git_ref: null,
      ...(await fromOriginals(ctx, file, root, !opts.stat)),
    };
  throw new UsageError(
    `chain ${ctx.chain_id} has no checkpoint and kept no originals: it changed no file`,
    `\`claude-exec status ${ctx.chain_id}\` shows where it stopped.`,
  );
}
