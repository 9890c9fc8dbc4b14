/**
 * A linked worktree's `.git` is a file naming its gitdir (`gitdir: <repo>/.git/worktrees/<name>`).
 * Code that ran in the worktree (a sub-chain's tests) could have replaced that file to point git
 * at a directory it wrote, with its own config. Before git runs there, the file is checked, and
 * git is then pointed at the checked gitdir explicitly (GIT_DIR, GIT_WORK_TREE), so what git
 * uses is what was checked.
 */
import { lstat, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { ClaudeExecError, ExitCode } from '../errors.js';
import { git, gitOk, type GitOptions, type GitResult } from './run.js';

/** Pure: the path a `.git` file names (`gitdir: PATH`, relative to `worktree` when not absolute); null when the text is not one. */
export function parseGitFile(text: string, worktree: string): string | null {
  const m = /^gitdir: (.+?)\r?\n?$/.exec(text);
  return m ? path.resolve(worktree, m[1]!) : null;
}

/** Pure: is `child` `parent/<one name>`? (both absolute, real paths) */
function directChild(parent: string, child: string): boolean {
  return path.dirname(child) === parent && path.basename(child) !== '' && child !== parent;
}

/**
 * Checks the `.git` file of linked worktree `worktree` of the repository at `repoRoot`: a regular
 * file (not a symlink, not a directory) naming a gitdir that is `<common dir>/worktrees/<name>`
 * of that repository, whose `commondir` leads back to it. Returns the gitdir (real path).
 * Throws ClaudeExecError (exit 1) naming the file and where it points otherwise.
 */
async function checkWorktreeGitdir(worktree: string, repoRoot: string): Promise<string> {
  const file = path.join(worktree, '.git');
  const refuse = (why: string) =>
    new ClaudeExecError(
      `refusing to run git in the worktree ${worktree}: ${file} ${why}`,
      ExitCode.failed,
      'Something in the worktree changed its .git file; remove the worktree (`git worktree remove --force PATH`) and resume the chain.',
    );
  const st = await lstat(file).catch(() => null);
  if (!st || !st.isFile()) throw refuse(st ? 'is not a regular file' : 'is missing');
  const named = parseGitFile(await readFile(file, 'utf8'), worktree);
  if (!named) throw refuse('is not a `gitdir:` file');
  const common = await realpath(
    path.resolve(repoRoot, (await gitOk(repoRoot, ['rev-parse', '--git-common-dir'])).trim()),
  );
  const gitdir = await realpath(named).catch(() => null);
  if (!gitdir || !directChild(path.join(common, 'worktrees'), gitdir))
    throw refuse(`points to ${named}, outside ${path.join(common, 'worktrees')}`);
  const commondir = await readFile(path.join(gitdir, 'commondir'), 'utf8').catch(() => null);
  const back =
    commondir === null ? null : await realpath(path.resolve(gitdir, commondir.trim())).catch(() => null);
  if (back !== common) throw refuse(`points to ${gitdir}, whose commondir does not lead back to ${common}`);
  return gitdir;
}

/**
 * A git runner for linked worktree `worktree` of `repoRoot`: checks its `.git` file first
 * (`checkWorktreeGitdir`, which throws), then runs every call with GIT_DIR/GIT_WORK_TREE set to
 * what was checked.
 */
export async function worktreeGit(
  worktree: string,
  repoRoot: string,
): Promise<(args: readonly string[], opts?: GitOptions) => Promise<GitResult>> {
  const gitdir = await checkWorktreeGitdir(worktree, repoRoot);
  const bound = { GIT_DIR: gitdir, GIT_WORK_TREE: worktree };
  return (args, opts = {}) => git(worktree, args, { ...opts, env: { ...bound, ...opts.env } });
}
