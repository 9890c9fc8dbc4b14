/**
 * The pre-implementation checkpoint and `rollback` (DESIGN §7). The checkpoint is a commit object
 * reachable only from `refs/claude-exec/chain-<id>/pre-implementation`: never a commit on the
 * user's branch, and neither the user's index nor working tree is touched.
 *
 * Why not `git stash create`: it leaves out untracked files, and rollback deletes every modified
 * file that is absent from the checkpoint, so an untracked file the model edited would be lost.
 * Instead the working tree (tracked + untracked, minus .gitignore'd) is snapshotted through a
 * temporary index (`GIT_INDEX_FILE`). A clean tree points the ref at HEAD itself.
 */
import { copyFile, mkdtemp, readdir, rm, rmdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { UsageError } from '../errors.js';
import { checkLexical } from './pathGuard.js';

/** Identity for the checkpoint commit object, so it works without a configured user. */
const CHECKPOINT_IDENTITY = {
  GIT_AUTHOR_NAME: 'claude-exec',
  GIT_AUTHOR_EMAIL: 'claude-exec@localhost',
  GIT_COMMITTER_NAME: 'claude-exec',
  GIT_COMMITTER_EMAIL: 'claude-exec@localhost',
};

/** Pure: the ref name of a chain's checkpoint. Throws `UsageError` for an id unfit for a ref. */
export function checkpointRef(chainId: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(chainId)) throw new UsageError(`invalid chain id for a git ref: ${JSON.stringify(chainId)}`);
  return `refs/claude-exec/chain-${chainId}/pre-implementation`;
}

async function git(root: string, args: string[], env?: Record<string, string>) {
  return execa('git', args, { cwd: root, reject: false, stdin: 'ignore', ...(env ? { env } : {}) });
}

export interface CheckpointOptions {
  /** Directories and files (workspace-relative) never snapshotted, e.g. the chain's `contexts/`. */
  exclude?: string[];
  /** Changed or untracked files larger than this (bytes) are left out and listed (config limits.checkpoint_file_bytes). */
  maxFileBytes?: number;
}

/**
 * Pure: the files of `git status --porcelain=v1 -z --untracked-files=all` output that the
 * snapshot would add (changed or untracked, not deleted), workspace-relative.
 */
export function changedPaths(porcelainZ: string): string[] {
  const out: string[] = [];
  const parts = porcelainZ.split('\0');
  for (let i = 0; i < parts.length; i++) {
    const entry = parts[i]!;
    if (entry.length < 4) continue;
    const xy = entry.slice(0, 2);
    if (xy[0] === 'R' || xy[0] === 'C') i++; // the rename's source follows
    if (xy.includes('D')) continue;
    out.push(entry.slice(3));
  }
  return out;
}

/**
 * Saves the workspace state as `refs/claude-exec/chain-<chainId>/pre-implementation` and returns
 * `{ git_ref, left_out }`, or null when `root` is not inside a git work tree (or git is missing).
 * Left out of the snapshot: git-ignored files, `opts.exclude` (the contexts directory), and
 * changed or untracked files over `opts.maxFileBytes` (listed in `left_out`, relative paths).
 * Throws `Error` with git's message when a git step fails unexpectedly.
 */
export async function createCheckpoint(root: string, chainId: string, opts: CheckpointOptions = {}): Promise<{ git_ref: string; left_out: string[] } | null> {
  const ref = checkpointRef(chainId);
  const inside = await git(root, ['rev-parse', '--is-inside-work-tree']);
  if (inside.failed || inside.stdout.trim() !== 'true') return null;
  const prefix = (await must(root, ['rev-parse', '--show-prefix'])).trim();
  const exclude = (opts.exclude ?? []).filter((p) => p && p !== '.' && !p.startsWith('..'));
  const left_out: string[] = [];
  if (opts.maxFileBytes !== undefined) {
    const status = await must(root, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', '.']);
    for (const top of changedPaths(status)) {
      // Porcelain paths are relative to the top of the repository.
      const rel = prefix && top.startsWith(prefix) ? top.slice(prefix.length) : top;
      if (exclude.some((e) => rel === e || rel.startsWith(`${e}/`))) continue;
      const size = await stat(path.join(root, rel)).then((st) => (st.isFile() ? st.size : 0), () => 0);
      if (size > opts.maxFileBytes) left_out.push(rel);
    }
  }
  const excluded = [...exclude, ...left_out].map((p) => `:(exclude,literal)${p}`);

  const head = await git(root, ['rev-parse', '--verify', '-q', 'HEAD^{commit}']);
  const headSha = head.exitCode === 0 ? head.stdout.trim() : null;

  const tmp = await mkdtemp(path.join(os.tmpdir(), 'claude-exec-index-'));
  try {
    const index = path.join(tmp, 'index');
    const indexEnv = { GIT_INDEX_FILE: index };
    // Start from the user's index so unchanged files need not be re-hashed.
    const userIndex = path.resolve(root, (await must(root, ['rev-parse', '--git-path', 'index'])).trim());
    const copied = await copyFile(userIndex, index).then(
      () => true,
      () => false,
    );
    if (!copied && headSha) await must(root, ['read-tree', headSha], indexEnv);
    await must(root, ['add', '-A', '--', '.', ...excluded], indexEnv);
    const tree = (await must(root, ['write-tree'], indexEnv)).trim();

    let target: string;
    if (headSha && (await must(root, ['rev-parse', `${headSha}^{tree}`])).trim() === tree) {
      target = headSha;
    } else {
      const parent = headSha ? ['-p', headSha] : [];
      const message = `claude-exec checkpoint: chain ${chainId} before implementation`;
      target = (await must(root, ['commit-tree', tree, ...parent, '-m', message], CHECKPOINT_IDENTITY)).trim();
    }
    await must(root, ['update-ref', '-m', 'claude-exec checkpoint', ref, target]);
    return { git_ref: ref, left_out };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Restores each of `filesModified` (paths relative to `root`) to its state at `gitRef`: files
 * present there are restored in the working tree only (the index is left alone); files absent
 * there are deleted, with directories that thereby become empty. Returns what it did.
 * Throws `UsageError` when the ref does not exist or a path leaves the workspace.
 * Files ignored by .gitignore are not in the checkpoint, so their earlier content is unknown:
 * they are left as they are and listed in `kept` (never deleted: that could lose user data).
 */
export async function rollback(
  root: string,
  gitRef: string,
  filesModified: string[],
): Promise<{ restored: string[]; removed: string[]; kept: string[] }> {
  const plan = await planRollback(root, gitRef, filesModified);
  const removed: string[] = [];
  for (const rel of plan.restore) await must(root, ['restore', `--source=${gitRef}`, '--worktree', '--', `:(literal)${rel}`]);
  for (const rel of plan.remove) {
    const abs = path.join(root, rel);
    const existed = await rm(abs).then(
      () => true,
      () => false,
    );
    if (existed) removed.push(rel);
    await removeEmptyParents(root, path.dirname(abs));
  }
  return { restored: plan.restore, removed, kept: plan.keep };
}

/**
 * What `rollback` would do, without doing it: files to restore from `gitRef`, files to delete
 * (absent there), and git-ignored files it must keep. Throws `UsageError` when the ref does not
 * exist or a path leaves the workspace.
 */
export async function planRollback(root: string, gitRef: string, filesModified: string[]): Promise<{ restore: string[]; remove: string[]; keep: string[] }> {
  const verified = await git(root, ['rev-parse', '--verify', '-q', `${gitRef}^{commit}`]);
  if (verified.exitCode !== 0) {
    throw new UsageError(`checkpoint ${gitRef} not found in ${root}`, 'The chain has no checkpoint to roll back to in this workspace.');
  }
  const restore: string[] = [];
  const remove: string[] = [];
  const keep: string[] = [];
  for (const file of [...new Set(filesModified)]) {
    const check = checkLexical(root, file);
    if (!check.ok || check.rel === '.') throw new UsageError(`refusing to roll back ${JSON.stringify(file)}: ${check.ok ? 'the workspace root' : check.reason}`);
    const rel = check.rel;
    if ((await git(root, ['cat-file', '-e', `${gitRef}:./${rel}`])).exitCode === 0) restore.push(rel);
    else if ((await git(root, ['check-ignore', '-q', '--', rel])).exitCode === 0) keep.push(rel);
    else remove.push(rel);
  }
  return { restore, remove, keep };
}

/**
 * Workspace-relative files that differ from `gitRef` and satisfy `keep` (e.g. test files): tracked
 * files changed since, and untracked files absent there or with other content. Returns [] when git
 * fails (the caller then relies on what it recorded itself).
 */
export async function changedSinceCheckpoint(root: string, gitRef: string, keep: (rel: string) => boolean): Promise<string[]> {
  const diff = await git(root, ['diff', '--name-only', '-z', '--relative', '--diff-filter=ACMR', gitRef, '--', '.']);
  const others = await git(root, ['ls-files', '--others', '--exclude-standard', '-z', '--', '.']);
  if (diff.exitCode !== 0 || others.exitCode !== 0) return [];
  const out = new Set(diff.stdout.split('\0').filter((f) => f && keep(f)));
  for (const rel of others.stdout.split('\0').filter((f) => f && keep(f))) {
    const was = await git(root, ['rev-parse', '-q', '--verify', `${gitRef}:./${rel}`]);
    const now = await git(root, ['hash-object', `./${rel}`]);
    if (was.exitCode !== 0 || was.stdout.trim() !== now.stdout.trim()) out.add(rel);
  }
  return [...out];
}

/**
 * The HEAD commit of the repository `root` is in, and `root`'s path inside it ('' at the top);
 * `commit` null outside a repository or before its first commit.
 */
export async function workspaceCommit(root: string): Promise<{ commit: string | null; prefix: string }> {
  const head = await git(root, ['rev-parse', '--verify', '-q', 'HEAD^{commit}']);
  const prefix = await git(root, ['rev-parse', '--show-prefix']);
  return { commit: head.exitCode === 0 ? head.stdout.trim() : null, prefix: prefix.exitCode === 0 ? prefix.stdout.trim() : '' };
}

async function removeEmptyParents(root: string, dir: string): Promise<void> {
  const stop = path.resolve(root);
  for (let d = path.resolve(dir); d !== stop && d.startsWith(stop + path.sep); d = path.dirname(d)) {
    const entries = await readdir(d).catch(() => null);
    if (entries === null || entries.length > 0) return;
    await rmdir(d);
  }
}

/** Runs git and returns stdout; throws `Error` with git's stderr on a non-zero exit. */
async function must(root: string, args: string[], env?: Record<string, string>): Promise<string> {
  const r = await git(root, args, env);
  if (r.exitCode !== 0) throw new Error(`git ${args[0]} failed: ${r.stderr.trim() || r.shortMessage}`);
  return r.stdout;
}
