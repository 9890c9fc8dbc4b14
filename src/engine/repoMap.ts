/**
 * Builds the repository map of a workspace (src/memory/repoMap.ts): the tracked files from
 * `git ls-files` (through the hardened git module), or, outside git, the workspace walk of
 * list_files; secrets files, lockfiles and the chain's contexts directory are left out. Regular
 * source files (never a symbolic link) up to 128 KB are read for their symbols, at most 2,000 of them (in path order), so a large
 * repository costs a bounded read.
 */
import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { mayBeInGitRepository } from '../git/discover.js';
import { git } from '../git/run.js';
import { extractSymbols, hasSymbols, renderRepoMap, type MapFile } from '../memory/repoMap.js';
import { isSecretFile } from '../tools/pathGuard.js';
import { isLockName, walk } from '../tools/walk.js';

/** Source files read for symbols at most. */
const FILES_READ = 2_000;
/** Larger source files are listed by name only, bytes. */
const MAX_FILE_BYTES = 128 * 1024;
/** Files listed at most from the walk of a workspace without git. */
const WALKED_FILES = 20_000;

/** The workspace's file list, sorted, and where it came from. */
async function trackedFiles(root: string): Promise<{ files: string[]; source: string }> {
  // Outside any repository git would only fail: the walk, without starting a git process.
  const r = (await mayBeInGitRepository(root))
    ? await git(root, ['ls-files', '-z', '--cached', '--others', '--exclude-standard'])
    : null;
  if (r?.ok) return { files: r.stdout.split('\0').filter(Boolean).sort(), source: 'git ls-files' };
  const files: string[] = [];
  for await (const e of walk(root, root, 32)) {
    if (e.kind === 'file') files.push(e.rel);
    if (files.length >= WALKED_FILES) break;
  }
  return { files: files.sort(), source: 'workspace walk' };
}

/**
 * The rendered map of `root` (see src/memory/repoMap.ts), leaving out `contextsDir` when it lies
 * inside the workspace. Never throws: an unreadable file is listed without symbols.
 */
export async function buildRepoMap(root: string, contextsDir?: string): Promise<string> {
  const { files, source } = await trackedFiles(root);
  const contextsRel = contextsDir
    ? path.relative(path.resolve(root), path.resolve(contextsDir)).split(path.sep).join('/')
    : '';
  const inContexts = (f: string) =>
    contextsRel !== '' &&
    !contextsRel.startsWith('..') &&
    (f === contextsRel || f.startsWith(`${contextsRel}/`));
  const kept = files.filter(
    (f) =>
      !isSecretFile(f) &&
      !isLockName(path.posix.basename(f)) &&
      !inContexts(f) &&
      !f.split('/').includes('.git'),
  );
  let read = 0;
  const out: MapFile[] = [];
  for (const f of kept) {
    let symbols: string[] = [];
    if (hasSymbols(f) && read < FILES_READ) {
      read++;
      // Only regular files: a tracked symbolic link may point outside the workspace.
      const regular = await lstat(path.join(root, f)).then(
        (s) => s.isFile(),
        () => false,
      );
      const buf = regular ? await readFile(path.join(root, f)).catch(() => null) : null;
      if (buf && buf.length <= MAX_FILE_BYTES) symbols = extractSymbols(f, buf.toString('utf8'));
    }
    out.push({ path: f, symbols });
  }
  return renderRepoMap(out, source);
}
