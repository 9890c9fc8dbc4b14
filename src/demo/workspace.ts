/**
 * The demo's workspace: a fresh copy of the bundled sample app (./sample-app, shipped in the
 * package), in a new temporary directory or in an empty directory the user names, made a git
 * repository with one commit when git is installed (so the checkpoint and `rollback` work).
 */
import { cp, mkdtemp, readdir, readFile, realpath, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import { git as runGit } from '../git/run.js';

/** The bundled sample app (the same path from src/demo and dist/demo). */
export function sampleAppDir(): string {
  return fileURLToPath(new URL('../../src/demo/sample-app', import.meta.url));
}

async function git(cwd: string, args: string[]): Promise<boolean> {
  const who = {
    GIT_AUTHOR_NAME: 'claude-exec demo',
    GIT_AUTHOR_EMAIL: 'demo@localhost',
    GIT_COMMITTER_NAME: 'claude-exec demo',
    GIT_COMMITTER_EMAIL: 'demo@localhost',
  };
  const r = await runGit(cwd, args, { env: who });
  return r.ok;
}

/** The files of `dir` below it (relative paths, sorted), leaving out the top-level entries of `skip`. */
async function filesOf(dir: string, skip: readonly string[] = []): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const rel = path.relative(dir, path.join(e.parentPath, e.name));
    if (skip.includes(rel.split(path.sep)[0]!)) continue;
    if (!e.isDirectory()) out.push(rel);
  }
  return out.sort();
}

/**
 * Whether `dir` holds only what an interrupted set-up of the demo left (Ctrl-C during the copy or
 * after it, before the chain's first save): files of the sample app of `source` (its `gitignore`
 * under either name), each its bytes or the start of them (a copy cut short), besides at most a
 * `.git` the set-up began and a `contexts` directory with no context file. Such a directory can be
 * set up again without losing anything of the user's.
 */
async function isInterruptedSetup(dir: string, source: string): Promise<boolean> {
  try {
    const saved = await readdir(path.join(dir, 'contexts')).catch(() => []);
    if (saved.some((f) => f.startsWith('chain-'))) return false;
    const ours = new Set(await filesOf(source));
    for (const f of await filesOf(dir, ['.git', 'contexts'])) {
      const from = f === '.gitignore' ? 'gitignore' : f;
      if (!ours.has(from)) return false;
      const [mine, theirs] = await Promise.all([
        readFile(path.join(source, from)),
        readFile(path.join(dir, f)),
      ]);
      if (theirs.length > mine.length || !mine.subarray(0, theirs.length).equals(theirs)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Copies the sample app into `dir` (which must be an empty directory, or hold only what an
 * interrupted set-up of the demo left: it is emptied and set up again) or into a new temporary
 * directory, and commits it when git is available. Returns the workspace's real path and
 * whether it is a git repository (`source`: the app to copy, default the bundled one). Throws
 * UsageError when `dir` holds anything else; when the copy fails, removes what it made and rethrows.
 */
export async function prepareDemoWorkspace(
  dir?: string,
  source: string = sampleAppDir(),
): Promise<{ root: string; git: boolean }> {
  let root: string;
  if (dir) {
    const entries = await readdir(dir);
    if (entries.length > 0 && (await isInterruptedSetup(dir, source)))
      await Promise.all(entries.map((e) => rm(path.join(dir, e), { recursive: true, force: true })));
    else if (entries.length > 0) {
      throw new UsageError(
        `${dir} is not empty and holds no unfinished demo chain`,
        'The demo copies its sample app into an empty directory; leave out --cwd to use a new temporary one.',
      );
    }
    root = await realpath(dir);
  } else {
    root = await realpath(await mkdtemp(path.join(os.tmpdir(), 'claude-exec-demo-')));
  }
  try {
    await cp(source, root, { recursive: true });
    // npm leaves .gitignore files out of packages, so the bundle holds it as "gitignore".
    await rename(path.join(root, 'gitignore'), path.join(root, '.gitignore'));
  } catch (err) {
    // Leave nothing behind: a new temporary directory goes, a named one is emptied again.
    if (dir)
      await Promise.all(
        (await readdir(root)).map((e) => rm(path.join(root, e), { recursive: true, force: true })),
      );
    else await rm(root, { recursive: true, force: true });
    throw err;
  }
  const repo =
    (await git(root, ['init', '-q', '-b', 'main']).catch(() => false)) &&
    (await git(root, ['add', '-A'])) &&
    (await git(root, ['commit', '-q', '-m', 'notes-api: the sample app of claude-exec demo']));
  return { root, git: repo };
}
