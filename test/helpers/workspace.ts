/**
 * A fresh temporary workspace holding a copy of test/fixtures/express-app (an Express 5 app with
 * session login and its own node:test suite). `node_modules` is a symlink to this repository's
 * node_modules (express and express-session are its devDependencies), so nothing is installed.
 * By default the workspace is a git repository with one commit made under a local identity.
 */
import { cp, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURE_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'express-app');

export interface TempWorkspace {
  /** Real path of the workspace directory. */
  root: string;
  cleanup(): Promise<void>;
}

/** Runs git in `cwd` and returns its stdout; throws on a non-zero exit. */
export async function gitIn(cwd: string, args: string[]): Promise<string> {
  return (await execa('git', args, { cwd })).stdout;
}

/** `parent`: where the temporary directory is made (default: the OS temp directory). */
export async function makeTempWorkspace(
  opts: { git?: boolean; parent?: string } = {},
): Promise<TempWorkspace> {
  const root = await realpath(await mkdtemp(path.join(opts.parent ?? os.tmpdir(), 'claude-exec-ws-')));
  await cp(FIXTURE_DIR, root, {
    recursive: true,
    filter: (src) => path.basename(src) !== 'node_modules',
  });
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  if (opts.git ?? true) {
    await gitIn(root, ['init', '-q', '-b', 'main']);
    await gitIn(root, ['config', 'user.name', 'Test']);
    await gitIn(root, ['config', 'user.email', 'test@example.com']);
    await gitIn(root, ['config', 'commit.gpgsign', 'false']);
    await gitIn(root, ['add', '-A']);
    await gitIn(root, ['commit', '-q', '-m', 'Initial commit']);
  }
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}
