/**
 * rollback never destroys work it did not make: two chains changed index.js, then the user did.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChainContext } from '../../src/chain/schema.js';
import { rollbackChain } from '../../src/features/chains/chains.js';
import { keepOriginal } from '../../src/engine/originals.js';
import { fileHash } from '../../src/engine/rollbackSafety.js';
import { createCheckpoint } from '../../src/tools/git.js';
import { plainGit, saveTestChain, tempRepo, testChainFile } from '../helpers/gitRepo.js';

let repo: Awaited<ReturnType<typeof tempRepo>>;
const read = (rel: string) => readFile(path.join(repo.root, rel), 'utf8');
const write = async (rel: string, text: string) => {
  await mkdir(path.dirname(path.join(repo.root, rel)), { recursive: true });
  await writeFile(path.join(repo.root, rel), text);
};
const memory = (files: string[]) => ({
  files_modified: files,
  tests_written: [],
  mistakes_corrected: [],
  patterns_identified: [],
  context_health: 10,
});

/** A chain as the driver leaves it: checkpoint (with git), its writes, and the hash of each file it left. */
async function runChain(id: string, writes: Record<string, string>, git = true): Promise<void> {
  const patch: Partial<ChainContext> = { status: 'complete', written: {}, originals: [] };
  if (git) {
    const cp = await createCheckpoint(repo.root, id, { exclude: ['contexts'] });
    patch.checkpoints = [
      { phase: 'implementation', git_ref: cp!.git_ref, created_at: '2026-12-01T10:00:00.000Z', left_out: [] },
    ];
  }
  const ctx = {
    workspace: repo.root,
    checkpoints: patch.checkpoints ?? [],
    originals: [] as ChainContext['originals'],
  } as unknown as ChainContext;
  const file = testChainFile(repo.contexts, id);
  for (const [rel, text] of Object.entries(writes)) {
    if (!git) await keepOriginal(ctx, file, rel);
    await write(rel, text);
    patch.written![rel] = (await fileHash(path.join(repo.root, rel)))!;
  }
  await saveTestChain(repo.contexts, repo.root, id, {
    ...patch,
    originals: ctx.originals,
    session_memory: memory(Object.keys(writes)),
  });
}

describe('rollback with git', () => {
  beforeEach(async () => {
    repo = await tempRepo({ 'index.js': 'v0\n' });
    await runChain('001', { 'index.js': 'v1\n', 'test/one.test.js': 'one\n' });
    await runChain('002', { 'index.js': 'v2\n', 'test/two.test.js': 'two\n' });
  });
  afterEach(() => repo.cleanup());

  it("keeps the user's edit and chain 002's change, lists them, and removes only chain 001's own new file", async () => {
    await write('index.js', 'v3 by the user\n');
    const r = await rollbackChain([repo.contexts], '001', { cwd: repo.root });
    expect(r.changed).toEqual([{ path: 'index.js', reason: 'changed since the chain wrote it' }]);
    expect(r.restored).toEqual([]);
    expect(r.removed).toEqual(['test/one.test.js']);
    expect(await read('index.js')).toBe('v3 by the user\n');
    expect(await read('test/two.test.js')).toBe('two\n');
    expect(existsSync(path.join(repo.root, 'test/one.test.js'))).toBe(false);
    // The removed file was saved first, and the printed command brings it back.
    expect(r.saved?.to).toBe('refs/claude-exec/chain-001/before-rollback');
    await execa('sh', ['-c', r.saved!.command], { cwd: repo.root });
    expect(await read('test/one.test.js')).toBe('one\n');
  });

  it('--force restores the old file too, after saving what was there; the saved command brings the edit back', async () => {
    await write('index.js', 'v3 by the user\n');
    const r = await rollbackChain([repo.contexts], '001', { cwd: repo.root, force: true });
    expect(r.forced).toBe(true);
    expect(r.restored).toEqual(['index.js']);
    expect(await read('index.js')).toBe('v0\n');
    await execa('sh', ['-c', r.saved!.command], { cwd: repo.root });
    expect(await read('index.js')).toBe('v3 by the user\n');
  });

  it('newest first (002, then 001) gives back the tree as it was before both', async () => {
    const second = await rollbackChain([repo.contexts], '002', { cwd: repo.root });
    expect(second).toMatchObject({ restored: ['index.js'], removed: ['test/two.test.js'], changed: [] });
    expect(await read('index.js')).toBe('v1\n');
    const first = await rollbackChain([repo.contexts], '001', { cwd: repo.root });
    expect(first).toMatchObject({ restored: ['index.js'], removed: ['test/one.test.js'], changed: [] });
    expect(await plainGit(repo.root, ['status', '--porcelain'])).toBe('');
  });

  it('a file the chain has no record of is kept unless --force', async () => {
    const file = testChainFile(repo.contexts, '002');
    const ctx = JSON.parse(await readFile(file, 'utf8'));
    ctx.written = {};
    await writeFile(file, JSON.stringify(ctx));
    const r = await rollbackChain([repo.contexts], '002', { cwd: repo.root });
    expect(r.changed.map((c) => c.reason)).toEqual([
      'no record of what the chain left',
      'no record of what the chain left',
    ]);
    expect(await read('index.js')).toBe('v2\n');
  });
});

describe('rollback without git (originals)', () => {
  beforeEach(async () => {
    repo = await tempRepo({ 'index.js': 'v0\n' }, { git: false });
    await runChain('001', { 'index.js': 'v1\n', 'new.js': 'new\n' }, false);
  });
  afterEach(() => repo.cleanup());

  it('keeps a file the user changed since, and --force copies it aside before restoring', async () => {
    await write('index.js', 'v2 by the user\n');
    const kept = await rollbackChain([repo.contexts], '001', { cwd: repo.root });
    expect(kept).toMatchObject({
      from: 'originals',
      restored: [],
      removed: ['new.js'],
      changed: [{ path: 'index.js', reason: 'changed since the chain wrote it' }],
    });
    expect(await read('index.js')).toBe('v2 by the user\n');
    const forced = await rollbackChain([repo.contexts], '001', { cwd: repo.root, force: true });
    expect(forced.restored).toEqual(['index.js']);
    expect(await read('index.js')).toBe('v0\n');
    expect(forced.saved!.to).toMatch(/\.before-rollback$/);
    expect(await readFile(path.join(forced.saved!.to, 'index.js'), 'utf8')).toBe('v2 by the user\n');
  });
});
