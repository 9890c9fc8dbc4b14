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
import { copyFile, mkdtemp, readdir, rm, rmdir, stat, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { mayBeInGitRepository } from '../git/discover.js';
import { git as runGit, gitOk } from '../git/run.js';
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
  if (!/^[A-Za-z0-9_-]+$/.test(chainId))
    throw new UsageError(`invalid chain id for a git ref: ${JSON.stringify(chainId)}`);
  return `refs/claude-exec/chain-${chainId}/pre-implementation`;
}

/** A hardened git call (src/git/run.ts) with stdout trimmed of its final newline, never throwing. */
async function git(root: string, args: string[], env?: Record<string, string>) {
  const r = await runGit(root, args, env ? { env } : {});
  return { ...r, stdout: r.stdout.replace(/\n$/, '') };
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
export async function createCheckpoint(
  root: string,
  chainId: string,
  opts: CheckpointOptions = {},
): Promise<{ git_ref: string; left_out: string[] } | null> {
  return saveWorkspace(
    root,
    checkpointRef(chainId),
    `claude-exec checkpoint: chain ${chainId} before implementation`,
    opts,
  );
}

/**
 * Saves the workspace state (tracked + untracked, minus git-ignored files, `opts.exclude` and
 * files over `opts.maxFileBytes`) as a commit object at `ref` (created or moved), leaving the
 * user's index, branch and files alone; a clean tree points `ref` at HEAD. Returns
 * `{ git_ref, left_out }`, or null when `root` is not inside a git work tree. Throws on a git failure.
 */
export async function saveWorkspace(
  root: string,
  ref: string,
  message: string,
  opts: CheckpointOptions = {},
): Promise<{ git_ref: string; left_out: string[] } | null> {
  const snap = await workspaceTree(root, opts);
  if (!snap) return null;
  let target: string;
  if (snap.head && (await must(root, ['rev-parse', `${snap.head}^{tree}`])).trim() === snap.tree) {
    target = snap.head;
  } else {
    const parent = snap.head ? ['-p', snap.head] : [];
    target = (
      await must(root, ['commit-tree', snap.tree, ...parent, '-m', message], CHECKPOINT_IDENTITY)
    ).trim();
  }
  await must(root, ['update-ref', '-m', message, ref, target]);
  return { git_ref: ref, left_out: snap.left_out };
}

/**
 * The git tree object of the workspace as it is now (what `saveWorkspace` would save), written to
 * the object store through a temporary index; `head` is HEAD's commit or null. Returns null when
 * `root` is not inside a git work tree. Throws on a git failure.
 */
export async function workspaceTree(
  root: string,
  opts: CheckpointOptions = {},
): Promise<{ tree: string; head: string | null; left_out: string[] } | null> {
  const inside = await git(root, ['rev-parse', '--is-inside-work-tree']);
  if (!inside.ok || inside.stdout.trim() !== 'true') return null;
  const prefix = (await must(root, ['rev-parse', '--show-prefix'])).trim();
  const exclude = (opts.exclude ?? []).filter((p) => p && p !== '.' && !p.startsWith('..'));
  const left_out: string[] = [];
  if (opts.maxFileBytes !== undefined) {
    const status = await must(root, [
      'status',
      '--porcelain=v1',
      '-z',
      '--untracked-files=all',
      '--ignore-submodules=dirty',
      '--',
      '.',
    ]);
    for (const top of changedPaths(status)) {
      // Porcelain paths are relative to the top of the repository.
      const rel = prefix && top.startsWith(prefix) ? top.slice(prefix.length) : top;
      if (isExcluded(rel, exclude)) continue;
      const size = await stat(path.join(root, rel)).then(
        (st) => (st.isFile() ? st.size : 0),
        () => 0,
      );
      if (size > opts.maxFileBytes) left_out.push(rel);
    }
  }
  const head = await git(root, ['rev-parse', '--verify', '-q', 'HEAD^{commit}']);
  const headSha = head.ok ? head.stdout.trim() : null;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'claude-exec-index-'));
  try {
    const index = path.join(tmp, 'index');
    const indexEnv = { GIT_INDEX_FILE: index };
    // Start from the user's index so unchanged files need not be re-hashed.
    const userIndex = path.resolve(root, (await must(root, ['rev-parse', '--git-path', 'index'])).trim());
    const copied = await copyIndex(userIndex, index);
    if (!copied && headSha) await must(root, ['read-tree', headSha], indexEnv);
    await addAll(root, [...exclude, ...left_out], indexEnv);
    return { tree: (await must(root, ['write-tree'], indexEnv)).trim(), head: headSha, left_out };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Copies the index at `from` to `to` with `from`'s modification time, rounded down to the second.
 * Git trusts an entry's cached stat only when the file was changed before the index was written
 * (its "racily clean" rule compares with the index file's mtime); a copy stamped "now" would make a
 * file rewritten in the same second as the last index write, with the same size, look unchanged, and
 * the checkpoint would keep its old content. Returns false when there is no index to copy.
 */
async function copyIndex(from: string, to: string): Promise<boolean> {
  try {
    const st = await stat(from);
    await copyFile(from, to);
    const sec = Math.floor(st.mtimeMs / 1000);
    await utimes(to, sec, sec);
    return true;
  } catch {
    return false;
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
  return executeRollback(root, gitRef, plan);
}

/**
 * Does what a plan of `planRollback` (possibly narrowed by the caller) says: restores `plan.restore`
 * from `gitRef` in the working tree only, deletes `plan.remove` and the directories that thereby
 * become empty. Returns what it did, with `plan.keep` as `kept`.
 */
export async function executeRollback(
  root: string,
  gitRef: string,
  plan: { restore: string[]; remove: string[]; keep: string[] },
): Promise<{ restored: string[]; removed: string[]; kept: string[] }> {
  const removed: string[] = [];
  for (const rel of plan.restore)
    await must(root, ['restore', `--source=${gitRef}`, '--worktree', '--', `:(literal)${rel}`]);
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
export async function planRollback(
  root: string,
  gitRef: string,
  filesModified: string[],
): Promise<{ restore: string[]; remove: string[]; keep: string[] }> {
  const verified = await git(root, ['rev-parse', '--verify', '-q', `${gitRef}^{commit}`]);
  if (verified.exitCode !== 0) {
    throw new UsageError(
      `checkpoint ${gitRef} not found in ${root}`,
      'The chain has no checkpoint to roll back to in this workspace.',
    );
  }
  const restore: string[] = [];
  const remove: string[] = [];
  const keep: string[] = [];
  for (const file of [...new Set(filesModified)]) {
    const check = checkLexical(root, file);
    if (!check.ok || check.rel === '.')
      throw new UsageError(
        `refusing to roll back ${JSON.stringify(file)}: ${check.ok ? 'the workspace root' : check.reason}`,
      );
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
export async function changedSinceCheckpoint(
  root: string,
  gitRef: string,
  keep: (rel: string) => boolean,
): Promise<string[]> {
  const diff = await git(root, [
    'diff',
    '--name-only',
    '-z',
    '--relative',
    '--diff-filter=ACMR',
    gitRef,
    '--',
    '.',
  ]);
  const others = await git(root, ['ls-files', '--others', '--exclude-standard', '-z', '--', '.']);
  if (diff.exitCode !== 0 || others.exitCode !== 0) return [];
  const out = new Set(diff.stdout.split('\0').filter((f) => f && keep(f)));
  // A path ending in `/` is a nested repository, not a file.
  for (const rel of others.stdout.split('\0').filter((f) => f && !f.endsWith('/') && keep(f))) {
    const was = await git(root, ['rev-parse', '-q', '--verify', `${gitRef}:./${rel}`]);
    const now = await git(root, ['hash-object', `./${rel}`]);
    if (was.exitCode !== 0 || was.stdout.trim() !== now.stdout.trim()) out.add(rel);
  }
  return [...out];
}

/**
 * The text of `rel` (workspace-relative) as it is in `gitRef`, read as the stored blob (no
 * textconv, no filters), or null when the path is absent there. Throws nothing: a failure of git
 * also reads as null.
 */
export async function readAtRef(root: string, gitRef: string, rel: string): Promise<string | null> {
  const check = checkLexical(root, rel);
  if (!check.ok || check.rel === '.') return null;
  // The bytes as stored (the hardened runner keeps the final newline).
  const r = await runGit(root, ['cat-file', 'blob', `${gitRef}:./${check.rel}`]);
  return r.exitCode === 0 ? r.stdout : null;
}

/**
 * The HEAD commit of the repository `root` is in, and `root`'s path inside it ('' at the top);
 * `commit` null outside a repository or before its first commit.
 */
export async function workspaceCommit(root: string): Promise<{ commit: string | null; prefix: string }> {
  if (!(await mayBeInGitRepository(root))) return { commit: null, prefix: '' };
  const head = await git(root, ['rev-parse', '--verify', '-q', 'HEAD^{commit}']);
  const prefix = await git(root, ['rev-parse', '--show-prefix']);
  return {
    commit: head.exitCode === 0 ? head.stdout.trim() : null,
    prefix: prefix.exitCode === 0 ? prefix.stdout.trim() : '',
  };
}

async function removeEmptyParents(root: string, dir: string): Promise<void> {
  const stop = path.resolve(root);
  for (let d = path.resolve(dir); d !== stop && d.startsWith(stop + path.sep); d = path.dirname(d)) {
    const entries = await readdir(d).catch(() => null);
    if (entries === null || entries.length > 0) return;
    await rmdir(d);
  }
}

/** Runs git and returns stdout (final newline removed); throws `GitError` with git's stderr on a non-zero exit. */
async function must(root: string, args: string[], env?: Record<string, string>): Promise<string> {
  return (await gitOk(root, args, env ? { env } : {})).replace(/\n$/, '');
}

/** Pure: is workspace-relative `rel` one of `excluded` or inside one of them? */
export function isExcluded(rel: string, excluded: readonly string[]): boolean {
  const r = rel.replace(/\/$/, '');
  return excluded.some((e) => r === e || r.startsWith(`${e}/`));
}

/**
 * `git add -A -- .` into the index of `env` (GIT_INDEX_FILE), leaving out `excluded` paths.
 * Not `add` with `:(exclude)` pathspecs: git (2.39) exits 1 when an excluded path is itself
 * git-ignored ("The following paths are ignored…"), e.g. `contexts/` in .gitignore. Instead the
 * changed, deleted and untracked-not-ignored files under `.` are listed, filtered here, and
 * recorded with `update-index`, which checks no ignore rules. Nested repositories (untracked
 * directories with their own .git) are left out.
 */
async function addAll(root: string, excluded: readonly string[], env: Record<string, string>): Promise<void> {
  const listed = await must(
    root,
    ['ls-files', '-z', '--modified', '--deleted', '--others', '--exclude-standard', '--', '.'],
    env,
  );
  const paths = [...new Set(listed.split('\0'))].filter(
    (p) => p && !p.endsWith('/') && !isExcluded(p, excluded),
  );
  if (!paths.length) return;
  const r = await runGit(root, ['update-index', '--add', '--remove', '-z', '--stdin'], {
    env,
    input: paths.map((p) => `${p}\0`).join(''),
  });
  if (!r.ok) throw new Error(`git update-index failed: ${r.stderr.trim()}`);
}
