/**
 * Whether git could find a repository for a directory, decided without starting git. The hardened
 * runner (./run.ts) strips GIT_DIR, GIT_WORK_TREE and every other discovery variable, so git finds
 * a repository only by its own discovery: from the directory up to the root, a `.git` entry (a
 * directory or a worktree's file) or a directory that is itself a git directory (a bare
 * repository: `HEAD` beside `objects/` and `refs/`). This check says "maybe" for any `.git` or
 * `HEAD` entry on that path, whatever its kind, so it only ever says "no" where git would find
 * nothing: then a caller can skip a git process whose answer is known ("not a git repository"),
 * and where it says "maybe" git runs, hardened, as always.
 */
import { lstat } from 'node:fs/promises';
import path from 'node:path';

const exists = (p: string) =>
  lstat(p).then(
    () => true,
    (err: NodeJS.ErrnoException) => err.code !== 'ENOENT' && err.code !== 'ENOTDIR',
  );

/**
 * False when neither `dir` nor any parent holds a `.git` or `HEAD` entry, so no git call in `dir`
 * (without GIT_DIR) can find a repository; true otherwise, also when an entry cannot be checked
 * (a permission error). Never throws.
 */
export async function mayBeInGitRepository(dir: string): Promise<boolean> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if ((await exists(path.join(d, '.git'))) || (await exists(path.join(d, 'HEAD')))) return true;
    if (path.dirname(d) === d) return false;
  }
}
