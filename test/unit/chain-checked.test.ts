import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkedDir,
  MEMO_MAX_AGE_MS,
  memoSlot,
  pruneMemo,
  recall,
  type CheckMemo,
} from '../../src/chain/checked.js';
import { readChainFile } from '../../src/chain/store.js';
import { ContextFileError } from '../../src/errors.js';
import { writeChains } from '../bench/fixture.js';

let dir: string;
let memo: CheckMemo;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ce-checked-'));
  await mkdir(path.join(dir, 'contexts'));
  memo = { dir: path.join(dir, 'cache'), buildId: 'a'.repeat(64) };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const chainFile = (n: number) => {
  const names = readdirSync(path.join(dir, 'contexts')).filter((f) => f.endsWith('.json'));
  return path.join(dir, 'contexts', names.sort()[n - 1]!);
};
/** The unchecked document of `file` as readChainFile reads it (head and journal joined). */
async function documentOf(file: string): Promise<unknown> {
  const { joinJournal } = await import('../../src/chain/journal.js');
  return joinJournal(file, JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>);
}
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (err: unknown) => err,
  );

describe('the memo of schema checks', () => {
  it('gives back what the check returned, byte for byte, and is what a second read takes', async () => {
    await writeChains(path.join(dir, 'contexts'), 3, 4);
    for (const n of [1, 2, 3]) {
      const file = chainFile(n);
      const checked = await readChainFile(file);
      expect(JSON.stringify(await readChainFile(file, memo))).toBe(JSON.stringify(checked)); // checked, remembered
      const slot = memoSlot(memo, file, await documentOf(file))!;
      expect(JSON.stringify(recall(slot))).toBe(JSON.stringify(checked));
      expect(JSON.stringify(await readChainFile(file, memo))).toBe(JSON.stringify(checked)); // recalled
    }
    // The memo is what the second read takes: an entry under the document's key is returned as it is.
    const file = chainFile(1);
    const slot = memoSlot(memo, file, await documentOf(file))!;
    const kept = JSON.parse(await readFile(slot.file, 'utf8')) as { key: string; checked: { goal: string } };
    kept.checked.goal = 'from the memo';
    await writeFile(slot.file, JSON.stringify(kept));
    expect((await readChainFile(file, memo)).goal).toBe('from the memo');
  });

  it('checks a changed file again: a malformed one is rejected with the same error as without the memo', async () => {
    await writeChains(path.join(dir, 'contexts'), 1, 2);
    const file = chainFile(1);
    await readChainFile(file, memo);
    const slot = memoSlot(memo, file, await documentOf(file))!;
    expect(recall(slot)).toBeDefined();
    const head = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    for (const broken of [
      { ...head, status: 'exploded', chain_id: 'x1' },
      { ...head, goal: '', phase_history: 'none' },
      { hello: 'world' },
    ]) {
      await writeFile(file, JSON.stringify(broken, null, 2));
      const plain = await errorOf(readChainFile(file));
      expect(plain).toBeInstanceOf(ContextFileError);
      for (let i = 0; i < 2; i++) expect(await errorOf(readChainFile(file, memo))).toEqual(plain);
    }
    await writeFile(file, '{"chain_id": ');
    expect(String(await errorOf(readChainFile(file, memo)))).toMatch(/not valid JSON/);
  });

  it("never takes another build's entry, nor keeps one without a build id", async () => {
    await writeChains(path.join(dir, 'contexts'), 1, 2);
    const file = chainFile(1);
    await readChainFile(file, memo);
    const doc = await documentOf(file);
    expect(recall(memoSlot(memo, file, doc)!)).toBeDefined();
    const other: CheckMemo = { ...memo, buildId: 'b'.repeat(64) };
    expect(recall(memoSlot(other, file, doc)!)).toBeUndefined();
    // An entry kept under another key is not taken for this document: it is checked again.
    const slot = memoSlot(memo, file, doc)!;
    const kept = JSON.parse(await readFile(slot.file, 'utf8')) as { checked: { goal: string } };
    kept.checked.goal = 'stale';
    await writeFile(slot.file, JSON.stringify({ key: 'f'.repeat(64), checked: kept.checked }));
    expect((await readChainFile(file, memo)).goal).not.toBe('stale');

    const off: CheckMemo = { dir: path.join(dir, 'off'), buildId: null };
    expect(memoSlot(off, file, doc)).toBeNull();
    await readChainFile(file, off);
    expect(existsSync(off.dir)).toBe(false);
  });

  it('lives in the user cache directory, never in the workspace', () => {
    expect(checkedDir({ XDG_CACHE_HOME: '/xdg', HOME: '/home/u' })).toBe('/xdg/claude-exec/checked');
    expect(checkedDir({ XDG_CACHE_HOME: 'relative', HOME: '/home/u' })).toBe(
      '/home/u/.cache/claude-exec/checked',
    );
  });

  it('removes files not written for 30 days, at most once a day', async () => {
    const day = 24 * 60 * 60 * 1000;
    const now = Date.now();
    await mkdir(memo.dir, { recursive: true });
    const at = async (name: string, ms: number) => {
      await writeFile(path.join(memo.dir, name), '{}');
      await utimes(path.join(memo.dir, name), new Date(ms), new Date(ms));
    };
    await at('old.json', now - MEMO_MAX_AGE_MS - day);
    await at('fresh.json', now - MEMO_MAX_AGE_MS + day);
    await at('notes.txt', now - MEMO_MAX_AGE_MS - day);
    pruneMemo(memo.dir, now);
    expect(readdirSync(memo.dir).sort()).toEqual(['.pruned', 'fresh.json', 'notes.txt']);
    await at('old.json', now - MEMO_MAX_AGE_MS - day);
    pruneMemo(memo.dir, now + day / 2); // pruned less than a day ago
    expect(existsSync(path.join(memo.dir, 'old.json'))).toBe(true);
    pruneMemo(memo.dir, now + 2 * day);
    expect(readdirSync(memo.dir).sort()).toEqual(['.pruned', 'notes.txt']);
  });
});
