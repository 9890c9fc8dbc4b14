import { access, mkdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changedPaths, changedSinceCheckpoint, createCheckpoint, rollback } from '../../src/tools/git.js';
import { isTestPath } from '../../src/tools/writeTools.js';
import { gitIn, makeTempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

let ws: TempWorkspace;
const file = (rel: string) => path.join(ws.root, rel);
const exists = (rel: string) =>
  access(file(rel)).then(
    () => true,
    () => false,
  );

beforeEach(async () => {
  ws = await makeTempWorkspace();
});
afterEach(() => ws.cleanup());

describe('createCheckpoint', () => {
  it('returns null outside a git repository', async () => {
    const plain = await makeTempWorkspace({ git: false });
    try {
      expect(await createCheckpoint(plain.root, '001')).toBeNull();
    } finally {
      await plain.cleanup();
    }
  });

  it('points the ref at HEAD when the tree is clean', async () => {
    const head = (await gitIn(ws.root, ['rev-parse', 'HEAD'])).trim();
    const cp = await createCheckpoint(ws.root, '047');
    expect(cp).toEqual({ git_ref: 'refs/claude-exec/chain-047/pre-implementation', left_out: [] });
    expect((await gitIn(ws.root, ['rev-parse', cp!.git_ref])).trim()).toBe(head);
  });

  it("snapshots uncommitted and untracked work without touching the user's branch, index or files", async () => {
    await writeFile(file('src/server.js'), '// uncommitted edit\n');
    await writeFile(file('notes.md'), 'untracked notes\n');
    await writeFile(file('src/app.js'), '// staged edit\n');
    await gitIn(ws.root, ['add', 'src/app.js']);
    const head = (await gitIn(ws.root, ['rev-parse', 'HEAD'])).trim();
    const statusBefore = await gitIn(ws.root, ['status', '--porcelain']);

    const cp = await createCheckpoint(ws.root, '048');
    const ref = cp!.git_ref;

    expect((await gitIn(ws.root, ['rev-parse', 'HEAD'])).trim()).toBe(head);
    expect(await gitIn(ws.root, ['status', '--porcelain'])).toBe(statusBefore);
    expect(await gitIn(ws.root, ['stash', 'list'])).toBe('');
    expect(await gitIn(ws.root, ['show', `${ref}:src/server.js`])).toBe('// uncommitted edit');
    expect(await gitIn(ws.root, ['show', `${ref}:notes.md`])).toBe('untracked notes');
    expect(await gitIn(ws.root, ['show', `${ref}:src/app.js`])).toBe('// staged edit');
    expect((await gitIn(ws.root, ['rev-parse', `${ref}^`])).trim()).toBe(head);
    await expect(gitIn(ws.root, ['cat-file', '-e', `${ref}:node_modules`])).rejects.toThrow();
  });

  it('sees a file rewritten in the second of the last index write, with the same size (racy git)', async () => {
    // Every stat field git compares then matches the old content's, so only the index file's own
    // mtime tells git to look at the content. ctime is left out, as on file systems without it.
    await gitIn(ws.root, ['config', 'core.trustctime', 'false']);
    const second = Math.floor(Date.now() / 1000) - 100;
    await writeFile(file('racy.txt'), 'v0\n');
    await utimes(file('racy.txt'), second, second);
    await gitIn(ws.root, ['add', 'racy.txt']);
    await utimes(path.join(ws.root, '.git/index'), second + 0.5, second + 0.5);
    await writeFile(file('racy.txt'), 'v1\n');
    await utimes(file('racy.txt'), second, second);

    const cp = await createCheckpoint(ws.root, '003');
    expect(await gitIn(ws.root, ['show', `${cp!.git_ref}:racy.txt`])).toBe('v1');
  });

  it('works in a repository without commits', async () => {
    const fresh = await makeTempWorkspace({ git: false });
    try {
      await gitIn(fresh.root, ['init', '-q']);
      const cp = await createCheckpoint(fresh.root, '002');
      expect(await gitIn(fresh.root, ['show', `${cp!.git_ref}:src/server.js`])).toContain('createApp');
    } finally {
      await fresh.cleanup();
    }
  });
});

describe('rollback', () => {
  it('restores modified files, deletes created ones, and keeps untracked originals', async () => {
    await writeFile(file('notes.md'), 'my untracked notes\n');
    const original = await readFile(file('src/app.js'), 'utf8');
    const cp = await createCheckpoint(ws.root, '049');

    // What an implementation phase might do:
    await writeFile(file('src/app.js'), '// rewritten by the model\n');
    await writeFile(file('notes.md'), 'overwritten\n');
    await mkdir(file('src/auth'), { recursive: true });
    await writeFile(file('src/auth/jwt.js'), 'export {};\n');
    await rm(file('src/users.js'));

    const result = await rollback(ws.root, cp!.git_ref, [
      'src/app.js',
      'notes.md',
      'src/auth/jwt.js',
      'src/users.js',
      'src/app.js',
    ]);

    expect(result.restored.sort()).toEqual(['notes.md', 'src/app.js', 'src/users.js']);
    expect(result.removed).toEqual(['src/auth/jwt.js']);
    expect(await readFile(file('src/app.js'), 'utf8')).toBe(original);
    expect(await readFile(file('notes.md'), 'utf8')).toBe('my untracked notes\n');
    expect(await exists('src/users.js')).toBe(true);
    expect(await exists('src/auth')).toBe(false);
    // Only the working tree changes: nothing is staged.
    expect(await gitIn(ws.root, ['diff', '--cached', '--name-only'])).toBe('');
  });

  it('never deletes a git-ignored file it cannot restore', async () => {
    await writeFile(file('.gitignore'), 'node_modules\nlocal.log\n');
    await writeFile(file('local.log'), 'the user kept this\n');
    const cp = await createCheckpoint(ws.root, '051');
    await writeFile(file('local.log'), 'changed by the model\n');
    const result = await rollback(ws.root, cp!.git_ref, ['local.log']);
    expect(result).toMatchObject({ kept: ['local.log'], removed: [] });
    expect(await exists('local.log')).toBe(true);
  });

  it('refuses an unknown ref and paths outside the workspace', async () => {
    await expect(
      rollback(ws.root, 'refs/claude-exec/chain-999/pre-implementation', ['src/app.js']),
    ).rejects.toThrow(/not found/);
    const cp = await createCheckpoint(ws.root, '050');
    await expect(rollback(ws.root, cp!.git_ref, ['../outside.txt'])).rejects.toThrow(/outside/);
  });
});

describe('what the checkpoint leaves out', () => {
  it('leaves out the contexts directory, git-ignored files and files over the size limit, and lists the large ones', async () => {
    await mkdir(file('contexts'), { recursive: true });
    await writeFile(file('contexts/chain-047-x.json'), '{}\n');
    await writeFile(file('.gitignore'), 'node_modules\n*.tmp\n');
    await writeFile(file('scratch.tmp'), 'ignored\n');
    await mkdir(file('logs'), { recursive: true });
    await writeFile(file('logs/run.log'), 'x'.repeat(4096));
    await writeFile(file('src/new.js'), 'export const n = 1;\n');
    const cp = await createCheckpoint(ws.root, '047', { exclude: ['contexts'], maxFileBytes: 1024 });
    expect(cp!.left_out).toEqual(['logs/run.log']);
    const tree = (await gitIn(ws.root, ['ls-tree', '-r', '--name-only', cp!.git_ref])).split('\n');
    expect(tree).toContain('src/new.js');
    expect(tree).toContain('.gitignore');
    expect(
      tree.filter((f) => f.startsWith('contexts/') || f === 'scratch.tmp' || f === 'logs/run.log'),
    ).toEqual([]);
    // The user's index is untouched.
    expect(await gitIn(ws.root, ['diff', '--cached', '--name-only'])).toBe('');
  });

  it('changedPaths reads porcelain -z output: renames skip their source, deletions are left out', () => {
    expect(changedPaths(' M src/a.js\0?? new.txt\0R  b.js\0old-b.js\0 D gone.js\0')).toEqual([
      'src/a.js',
      'new.txt',
      'b.js',
    ]);
  });
});

describe('changedSinceCheckpoint', () => {
  it('finds the test files changed or created since the checkpoint, not the ones left as they were', async () => {
    await writeFile(file('test/untracked.test.js'), 'old\n');
    const cp = (await createCheckpoint(ws.root, '048'))!;
    expect(await changedSinceCheckpoint(ws.root, cp.git_ref, isTestPath)).toEqual([]);
    await writeFile(file('test/auth.test.js'), '// changed\n');
    await writeFile(file('test/new.test.js'), 'new\n');
    await writeFile(file('src/app.js'), '// not a test\n');
    expect((await changedSinceCheckpoint(ws.root, cp.git_ref, isTestPath)).sort()).toEqual([
      'test/auth.test.js',
      'test/new.test.js',
    ]);
    await writeFile(file('test/untracked.test.js'), 'changed\n');
    expect(await changedSinceCheckpoint(ws.root, cp.git_ref, isTestPath)).toContain('test/untracked.test.js');
  });
});
