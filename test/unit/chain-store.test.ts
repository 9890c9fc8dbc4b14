import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newChainContext } from '../../src/chain/init.js';
import { ChainContextSchema } from '../../src/chain/schema.js';
import {
  createChain,
  findChain,
  listChainFiles,
  lockChain,
  newestChainFiles,
  readChainFile,
  saveChain,
} from '../../src/chain/store.js';
import { ContextFileError, UsageError } from '../../src/errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'claude-exec-store-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const models = { fast: 'f', default: 'd', smart: 's' };
const make = (goal: string, at = new Date()) =>
  createChain(dir, goal, at, (chainId, chainUid, slug) =>
    newChainContext({ chainId, chainUid, goal, slug, workspace: dir, model: 'd', models, now: at }),
  );

describe('context store', () => {
  it('allocates distinct ids to concurrent creators', async () => {
    const entries = await Promise.all(Array.from({ length: 20 }, (_, i) => make(`task number ${i}`)));
    const ids = entries.map((e) => e.chainId).sort();
    expect(new Set(ids).size).toBe(20);
    expect(ids[0]).toBe('001');
    expect(ids[19]).toBe('020');
    for (const e of entries)
      expect(ChainContextSchema.safeParse(JSON.parse(await readFile(e.path, 'utf8'))).success).toBe(true);
  });

  it('continues after the highest existing id', async () => {
    await make('first');
    await writeFile(path.join(dir, 'chain-041-old-2026-01-01-00-00-00.json'), '{}');
    expect((await make('next')).chainId).toBe('042');
  });

  it('lists by file name and finds a chain by any id spelling', async () => {
    const a = await make('alpha');
    await make('beta');
    await writeFile(path.join(dir, 'unrelated.json'), '{}');
    expect((await listChainFiles([dir, path.join(dir, 'missing')])).map((e) => e.chainId)).toEqual([
      '001',
      '002',
    ]);
    expect((await findChain([dir], '1')).path).toBe(a.path);
    await expect(findChain([dir], '9')).rejects.toBeInstanceOf(UsageError);
  });

  it('newestChainFiles(dirs, n) is what listChainFiles lists last, from the names alone', async () => {
    const other = path.join(dir, 'other');
    const touch = (d: string, names: string[]) =>
      Promise.all(names.map((n) => writeFile(path.join(d, n), '')));
    await mkdir(other);
    const missing = path.join(dir, 'missing');
    expect(await newestChainFiles([dir, missing], 1)).toEqual([]);
    // Names that only look like the newest chain: too few digits, no date, a journal, no dash.
    await touch(dir, [
      'chain-99-x-2026-01-01-00-00-00.json',
      'chain-999-x.json',
      'chain-5000-x-2026-01-01-00-00-00.journal.jsonl',
      'chain-7000x-2026-01-01-00-00-00.json',
      'chain-012-a-2026-01-02-00-00-00.json',
      'chain-012-b-2026-01-01-00-00-00.json',
      'chain-011-c-2026-02-01-00-00-00.json',
      'notes.json',
    ]);
    const lastListed = async (dirs: string[], n = 1) => (await listChainFiles(dirs)).slice(-n);
    const newest = async (dirs: string[]) => (await newestChainFiles(dirs, 1))[0];
    for (const n of [1, 2, 3, 4, 10])
      expect(await newestChainFiles([dir], n)).toEqual(await lastListed([dir], n));
    expect((await newest([dir]))?.file).toBe('chain-012-a-2026-01-02-00-00-00.json');
    // The same id and start in two directories: the later directory's, as in the list.
    await touch(other, ['chain-12-z-2026-01-02-00-00-00.json', 'chain-0012-z-2026-01-02-00-00-00.json']);
    for (const n of [1, 2, 3, 5, 10])
      expect(await newestChainFiles([dir, other], n)).toEqual(await lastListed([dir, other], n));
    expect((await newest([dir, other]))?.dir).toBe(other);
    await touch(dir, ['chain-100-new-2025-01-01-00-00-00.json']);
    expect((await newest([dir, other]))?.chainId).toBe('100');
    expect(await newestChainFiles([dir, other], 3)).toEqual(await lastListed([dir, other], 3));
  });

  it('reports a corrupt file without touching it', async () => {
    const file = path.join(dir, 'chain-003-bad-2026-01-01-00-00-00.json');
    await writeFile(file, '{"chain_id": ');
    await expect(readChainFile(file)).rejects.toBeInstanceOf(ContextFileError);
    await writeFile(file, '{"hello": "world"}');
    await expect(readChainFile(file)).rejects.toThrow(/not a claude-exec context file/);
    expect(await readFile(file, 'utf8')).toBe('{"hello": "world"}');
  });

  it('saves atomically, leaving no temp files', async () => {
    const e = await make('gamma');
    const ctx = await readChainFile(e.path);
    ctx.goal = 'changed';
    await saveChain(e.path, ctx);
    expect((await readChainFile(e.path)).goal).toBe('changed');
    expect((await readdir(dir)).filter((f) => f.includes('tmp'))).toEqual([]);
  });

  it('refuses a second driver of the same chain until the first releases it', async () => {
    const e = await make('delta');
    const release = await lockChain(e.path);
    await expect(lockChain(e.path)).rejects.toThrow(/another claude-exec process/);
    await release();
    const again = await lockChain(e.path);
    await again();
  });
});
