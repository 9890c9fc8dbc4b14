import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newestChainFile, newestPointerOf } from '../../src/chain/newest.js';
import { newestChainFiles } from '../../src/chain/store.js';
import { loadChain } from '../../src/features/chains/chains.js';
import { writeChains } from '../bench/fixture.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ce-newest-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const touch = (d: string, names: string[]) => Promise.all(names.map((n) => writeFile(path.join(d, n), '')));
/** Sets a directory's mtime a minute back: settled, and any later change gives it another. */
const settle = async (d: string) => {
  const past = new Date(Date.now() - 60_000);
  await utimes(d, past, past);
};
const pointerOf = async (d: string) =>
  JSON.parse(await readFile(newestPointerOf(d), 'utf8')) as { dir_mtime_ms: number; file: string };

/** Lists once (writing the pointer: `.index` made, then settled), and again from the pointer. */
async function primed(d: string) {
  await mkdir(path.join(d, '.index'), { recursive: true });
  await settle(d);
  const listed = await newestChainFile([d]);
  expect((await pointerOf(d)).file).toBe(listed?.file);
  return listed;
}

describe('newestChainFile', () => {
  it('is what newestChainFiles(dirs, 1) returns, from a listing and from the pointers alike', async () => {
    const other = path.join(dir, 'other');
    await mkdir(other);
    expect(await newestChainFile([dir, path.join(dir, 'missing')])).toBeUndefined();
    await touch(dir, [
      'chain-99-x-2026-01-01-00-00-00.json',
      'chain-5000-x-2026-01-01-00-00-00.journal.jsonl',
      'chain-012-a-2026-01-02-00-00-00.json',
      'chain-012-b-2026-01-01-00-00-00.json',
      'chain-011-c-2026-02-01-00-00-00.json',
      'notes.json',
    ]);
    // The same id and start in both directories: the later directory's, as listed.
    await touch(other, ['chain-0012-z-2026-01-02-00-00-00.json']);
    for (const dirs of [[dir], [other], [dir, other], [other, dir]]) {
      const expected = (await newestChainFiles(dirs, 1))[0];
      for (const d of dirs) {
        await mkdir(path.join(d, '.index'), { recursive: true });
        await settle(d);
      }
      expect(await newestChainFile(dirs)).toEqual(expected); // listed, pointers written
      for (const d of dirs) expect(existsSync(newestPointerOf(d))).toBe(true);
      expect(await newestChainFile(dirs)).toEqual(expected); // from the pointers
    }
    expect((await newestChainFile([dir, other]))?.dir).toBe(other);
    expect((await newestChainFile([other, dir]))?.file).toBe('chain-012-a-2026-01-02-00-00-00.json');
  });

  it('takes the file the pointer names while the directory is unchanged', async () => {
    await touch(dir, ['chain-001-a-2026-01-01-00-00-00.json', 'chain-002-b-2026-01-01-00-00-00.json']);
    await primed(dir);
    const pointer = await pointerOf(dir);
    await writeFile(
      newestPointerOf(dir),
      JSON.stringify({ ...pointer, file: 'chain-001-a-2026-01-01-00-00-00.json' }),
    );
    expect((await newestChainFile([dir]))?.chainId).toBe('001');
  });

  it('lists again when a file is added, and records nothing for a directory that has not settled', async () => {
    await touch(dir, ['chain-001-a-2026-01-01-00-00-00.json']);
    const before = await pointerOf(dir).catch(() => null);
    expect(before).toBeNull();
    await primed(dir);
    const recorded = await pointerOf(dir);
    await touch(dir, ['chain-002-b-2026-01-01-00-00-00.json']); // copied in: the directory's mtime moves
    // Changed within the settle time (a mtime ahead of the clock stays within it however slow the test):
    // the listing is not recorded, since a change within the same mtime tick would hide behind it.
    const ahead = new Date(Date.now() + 60_000);
    await utimes(dir, ahead, ahead);
    expect((await newestChainFile([dir]))?.chainId).toBe('002');
    expect(await pointerOf(dir)).toEqual(recorded);
    await settle(dir);
    expect((await newestChainFile([dir]))?.chainId).toBe('002');
    expect((await pointerOf(dir)).file).toBe('chain-002-b-2026-01-01-00-00-00.json');
  });

  it('lists again when the file it names is removed, even with the directory mtime put back', async () => {
    await touch(dir, ['chain-001-a-2026-01-01-00-00-00.json', 'chain-002-b-2026-01-01-00-00-00.json']);
    await primed(dir);
    await unlink(path.join(dir, 'chain-002-b-2026-01-01-00-00-00.json'));
    expect((await newestChainFile([dir]))?.chainId).toBe('001');
    await touch(dir, ['chain-002-b-2026-01-01-00-00-00.json']);
    await primed(dir);
    const { dir_mtime_ms } = await pointerOf(dir);
    await unlink(path.join(dir, 'chain-002-b-2026-01-01-00-00-00.json'));
    // A removal within the recorded mtime tick: the pointer's mtime matches, its file is gone.
    await utimes(dir, new Date(dir_mtime_ms), new Date(dir_mtime_ms));
    expect((await pointerOf(dir)).dir_mtime_ms).toBe(dir_mtime_ms);
    expect((await newestChainFile([dir]))?.chainId).toBe('001');
  });

  it('ignores a pointer that names a path or a file that is not a context file', async () => {
    await touch(dir, ['chain-001-a-2026-01-01-00-00-00.json']);
    await mkdir(path.join(dir, 'sub'));
    await touch(path.join(dir, 'sub'), ['chain-009-x-2026-01-01-00-00-00.json']);
    await primed(dir);
    const pointer = await pointerOf(dir);
    for (const file of [
      'sub/chain-009-x-2026-01-01-00-00-00.json',
      '../chain-009-x-2026-01-01-00-00-00.json',
      'notes.json',
    ]) {
      await writeFile(newestPointerOf(dir), JSON.stringify({ ...pointer, file }));
      expect((await newestChainFile([dir]))?.chainId).toBe('001');
    }
    await writeFile(newestPointerOf(dir), '{"v":1,');
    expect((await newestChainFile([dir]))?.chainId).toBe('001');
  });

  it('loadChain reads the file the pointer names, so a file rewritten in place is shown as it is now', async () => {
    await writeChains(dir, 3, 2);
    const first = await loadChain([dir], undefined);
    await mkdir(path.join(dir, '.index'), { recursive: true });
    await settle(dir);
    expect(await loadChain([dir], undefined)).toEqual(first); // listed; the pointer written
    expect((await pointerOf(dir)).file).toBe(path.basename(first.file));
    const text = await readFile(first.file, 'utf8');
    await writeFile(first.file, text.replace(first.ctx.goal, 'Rewritten goal'));
    await settle(dir);
    const again = await loadChain([dir], undefined);
    expect(again.file).toBe(first.file);
    expect(again.ctx.goal).toBe('Rewritten goal');
    // A malformed newest file: the same warning and fallback as without the pointer.
    await writeFile(first.file, '{"chain_id": ');
    await settle(dir);
    const warnings: string[] = [];
    const shown = await loadChain([dir], undefined, (m) => warnings.push(m));
    expect(shown.ctx.chain_id).toBe('002');
    expect(warnings.join('\n')).toMatch(/not valid JSON/);
  });
});
