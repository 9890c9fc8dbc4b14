/**
 * `apply ID` changes only the directory it runs in (another with --workspace), only applies patches
 * kept in the contexts directory, and refuses a patch whose symlink points outside the workspace.
 */
import { existsSync } from 'node:fs';
import { readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyChain } from '../../src/features/split/apply.js';
import { UsageError } from '../../src/errors.js';
import { plainGit, saveTestChain, tempRepo } from '../helpers/gitRepo.js';

let repo: Awaited<ReturnType<typeof tempRepo>>;

/** A patch (made in a clone of the repository by `change`) saved as `name`, and a complete sub-chain 002 that points at it. */
async function subChainWithPatch(
  change: (dir: string) => Promise<void>,
  name = path.join(repo.contexts, 'chain-002.patch'),
): Promise<string> {
  const scratch = path.join(repo.tmp, `scratch-${Math.random().toString(36).slice(2)}`);
  await plainGit(repo.tmp, ['clone', '-q', repo.root, scratch]);
  await change(scratch);
  await plainGit(scratch, ['add', '-A']);
  await writeFile(name, `${await plainGit(scratch, ['diff', '--cached', '--binary'])}\n`);
  await saveTestChain(repo.contexts, repo.root, '002', {
    status: 'complete',
    parent: '001',
    sub: {
      key: 'k',
      depends_on: [],
      root: repo.root,
      worktree: null,
      branch: null,
      base_commit: null,
      patch: name,
    },
  });
  return name;
}

beforeEach(async () => {
  repo = await tempRepo({ 'a.txt': 'a\n' });
});
afterEach(() => repo.cleanup());

describe('apply', () => {
  it('refuses another directory without --workspace, and applies there with it', async () => {
    await subChainWithPatch((d) => writeFile(path.join(d, 'b.txt'), 'b\n'));
    const copy = path.join(repo.tmp, 'copy');
    await plainGit(repo.tmp, ['clone', '-q', repo.root, copy]);
    const err = await applyChain('002', [repo.contexts], { cwd: copy }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(`chain 002 ran in ${repo.root}, not in ${copy}: nothing was applied`);
    expect(existsSync(path.join(copy, 'b.txt'))).toBe(false);
    expect(existsSync(path.join(repo.root, 'b.txt'))).toBe(false);

    const r = await applyChain('002', [repo.contexts], { cwd: repo.root, workspace: copy });
    expect(r).toMatchObject({ workspace: copy, files: ['b.txt'] });
    expect(await readFile(path.join(copy, 'b.txt'), 'utf8')).toBe('b\n');
    expect(existsSync(path.join(repo.root, 'b.txt'))).toBe(false);
  });

  it('refuses a patch outside the contexts directory', async () => {
    const outside = path.join(repo.tmp, 'elsewhere.patch');
    await subChainWithPatch((d) => writeFile(path.join(d, 'b.txt'), 'b\n'), outside);
    await expect(applyChain('002', [repo.contexts], { cwd: repo.root })).rejects.toThrow(
      `refusing the patch of chain 002: ${outside} is outside the contexts directory`,
    );
    expect(existsSync(path.join(repo.root, 'b.txt'))).toBe(false);
  });

  it('refuses a patch that adds a symlink pointing outside the workspace, naming it; nothing is applied', async () => {
    await subChainWithPatch(async (d) => {
      await writeFile(path.join(d, 'b.txt'), 'b\n');
      await symlink('../../../etc/passwd', path.join(d, 'passwd-link'));
    });
    await expect(applyChain('002', [repo.contexts], { cwd: repo.root })).rejects.toThrow(
      'refusing to apply: the patch adds the symlink passwd-link -> ../../../etc/passwd, which points outside the workspace',
    );
    expect(existsSync(path.join(repo.root, 'b.txt'))).toBe(false);
    expect(existsSync(path.join(repo.root, 'passwd-link'))).toBe(false);
  });

  it('refuses an absolute symlink target and one into .git/', async () => {
    await subChainWithPatch((d) => symlink('/home', path.join(d, 'home-link')));
    await expect(applyChain('002', [repo.contexts], { cwd: repo.root })).rejects.toThrow(
      'the patch adds the symlink home-link -> /home',
    );
    await subChainWithPatch((d) => symlink('.git/config', path.join(d, 'cfg')));
    await expect(applyChain('002', [repo.contexts], { cwd: repo.root })).rejects.toThrow(
      'the patch adds the symlink cfg -> .git/config',
    );
  });

  it('applies a symlink that stays inside the workspace', async () => {
    await subChainWithPatch((d) => symlink('a.txt', path.join(d, 'alias.txt')));
    const r = await applyChain('002', [repo.contexts], { cwd: repo.root });
    expect(r.files).toEqual(['alias.txt']);
    expect(await readlink(path.join(repo.root, 'alias.txt'))).toBe('a.txt');
  });
});
