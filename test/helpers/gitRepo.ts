/**
 * A small real git repository for the git tests, and chain context files in its `contexts/`.
 */
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { newChainContext } from '../../src/chain/init.js';
import { chainFileName } from '../../src/chain/names.js';
import type { ChainContext } from '../../src/chain/schema.js';
import { saveChain } from '../../src/chain/store.js';

const IDENTITY = {
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@x',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@x',
};
const MODELS = { fast: 'claude-haiku-4-5', default: 'claude-sonnet-4-5', smart: 'claude-opus-4-1' };

/** Plain git in `cwd`; returns stdout, throws on a non-zero exit. */
export async function plainGit(cwd: string, args: string[]): Promise<string> {
  return (await execa('git', args, { cwd, stdin: 'ignore', env: IDENTITY })).stdout;
}

/** A temporary directory with `repo/` (git, one commit of `files`, `contexts/` ignored) when `git`, else a plain directory. */
export async function tempRepo(
  files: Record<string, string>,
  opts: { git?: boolean } = {},
): Promise<{ tmp: string; root: string; contexts: string; cleanup(): Promise<void> }> {
  const tmp = await realpath(await mkdtemp(path.join(os.tmpdir(), 'claude-exec-git-')));
  const root = path.join(tmp, 'repo');
  const contexts = path.join(root, 'contexts');
  await mkdir(contexts, { recursive: true });
  for (const [rel, text] of Object.entries({ '.gitignore': 'contexts/\n', ...files })) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text);
  }
  if (opts.git ?? true) {
    await plainGit(root, ['init', '-q', '-b', 'main']);
    await plainGit(root, ['add', '-A']);
    await plainGit(root, ['commit', '-q', '-m', 'init']);
  }
  return { tmp, root, contexts, cleanup: () => rm(tmp, { recursive: true, force: true }) };
}

const startOf = (id: string) => new Date(Date.UTC(2026, 11, 1, 10, 0, Number(id)));

/** Where `saveTestChain` saves chain `id`. */
export function testChainFile(contexts: string, id: string): string {
  return path.join(contexts, chainFileName(id, 'test', startOf(id)));
}

/** Saves chain `id` (workspace `root`) with `patch` applied over a fresh context; returns its file. */
export async function saveTestChain(
  contexts: string,
  root: string,
  id: string,
  patch: Partial<ChainContext>,
): Promise<string> {
  const ctx = {
    ...newChainContext({
      chainId: id,
      chainUid: `uid-${id}-test`,
      goal: `chain ${id}`,
      slug: 'test',
      workspace: root,
      model: MODELS.default,
      models: MODELS,
      now: startOf(id),
    }),
    ...patch,
  };
  const file = testChainFile(contexts, id);
  await saveChain(file, ctx);
  return file;
}
