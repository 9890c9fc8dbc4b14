import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { selectChainRows } from '../../src/features/chains/chains.js';
import { indexPathOf } from '../../src/chain/chains-index-line.js';
import { indexedChains } from '../../src/chain/chains-index.js';
import { listChainFiles, readChainFile, saveChain, saveChainSync } from '../../src/chain/store.js';
import { chainRow } from '../../src/chain/row.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import { fakeChain } from '../helpers/chains.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ce-index-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const table = loadPriceTable();
function save(n: number, calls = 3): string {
  const { file, ctx } = fakeChain({ n, startedAt: new Date(Date.UTC(2026, 0, n)), calls, table });
  const p = path.join(dir, file);
  saveChainSync(p, ctx);
  return p;
}

/** Moves the mtimes of `paths` 10 s into the past, as if nothing had changed them for a while. */
function settle(paths: string[]): void {
  const past = new Date(Date.now() - 10_000);
  for (const p of paths) utimesSync(p, past, past);
}

/** What a full read of every file gives: the source of truth the index must agree with. */
async function rowsFromFiles(files: string[]) {
  return Promise.all(files.map(async (f) => chainRow(await readChainFile(f), f)));
}

describe('chain index', () => {
  it('lists every saved chain with the row a full read of its file gives, oldest first', async () => {
    const files = [save(2), save(1), save(3)];
    const got = await indexedChains([dir]);
    expect(got.map((c) => c.entry.chainId)).toEqual(['001', '002', '003']);
    expect(got.map((c) => c.entry)).toEqual(await listChainFiles([dir]));
    expect(got.map((c) => c.row())).toEqual(await rowsFromFiles([files[1]!, files[0]!, files[2]!]));
    // The same JSON text, keys in the same order (serve sends a document again only when its text changed).
    expect(JSON.stringify(got.map((c) => c.row()))).toBe(
      JSON.stringify(await rowsFromFiles([files[1]!, files[0]!, files[2]!])),
    );
  });

  it('reads a current index as it is: a settled compaction, then the lines of later saves', async () => {
    const files = [save(1), save(2)];
    settle([...files, dir]);
    await indexedChains([dir]);
    const compacted = readFileSync(indexPathOf(dir), 'utf8');
    expect(JSON.parse(compacted.split('\n')[0]!)).toEqual({ dir_mtime_ms: statSync(dir).mtimeMs });
    files.push(save(3));
    const ctx = await readChainFile(files[0]!);
    ctx.status = 'complete';
    saveChainSync(files[0]!, ctx);
    // A save that waits for the disk off the main thread (what a running chain makes) keeps custody too.
    const other = await readChainFile(files[1]!);
    other.goal = 'saved asynchronously';
    await saveChain(files[1]!, other);
    const before = readFileSync(indexPathOf(dir), 'utf8');
    expect(before.startsWith(compacted)).toBe(true);
    const got = await indexedChains([dir]);
    expect(got.map((c) => c.row())).toEqual(await rowsFromFiles(files));
    // Not rebuilt: the saves' lines carried the directory's mtime on from the header's.
    expect(readFileSync(indexPathOf(dir), 'utf8')).toBe(before);
  });

  it("does not trust an index that lost a save's line to a concurrent compaction", async () => {
    const files = [save(1), save(2)];
    settle([...files, dir]);
    await indexedChains([dir]);
    const compacted = readFileSync(indexPathOf(dir), 'utf8');
    const ctx = await readChainFile(files[0]!);
    ctx.goal = 'changed after the compaction listed it';
    saveChainSync(files[0]!, ctx);
    // A reader's compaction, begun before that save, renames its index over the one the save appended to.
    writeFileSync(indexPathOf(dir), compacted);
    files.push(save(3));
    const got = await indexedChains([dir]);
    expect(got[0]!.row()?.goal).toBe(ctx.goal);
    expect(got.map((c) => c.row())).toEqual(await rowsFromFiles(files));
  });

  it('trusts no compaction of a directory or file changed within one mtime tick of its listing', async () => {
    const a = save(1);
    const b = save(2);
    // One recent mtime in whole ms (what utimes can set back exactly), less than a settle time ago.
    const tick = new Date(Date.now() - 500);
    for (const p of [a, b, dir]) utimesSync(p, tick, tick);
    await indexedChains([dir]);
    // A save in the same tick as the listing: same size, same mtimes.
    const text = readFileSync(a, 'utf8');
    const ctx = await readChainFile(a);
    const goal = ctx.goal.replace(/^./, (c) => (c === 'X' ? 'Y' : 'X'));
    writeFileSync(a, text.replace(JSON.stringify(ctx.goal), JSON.stringify(goal)));
    expect(statSync(a).size).toBe(Buffer.byteLength(text));
    for (const p of [a, dir]) utimesSync(p, tick, tick);
    const got = await indexedChains([dir]);
    expect(got[0]!.row()?.goal).toBe(goal);
  });

  it('follows a later save, a file copied in and a file removed', async () => {
    const a = save(1);
    save(2);
    await indexedChains([dir]);
    const ctx = await readChainFile(a);
    ctx.status = 'complete';
    saveChainSync(a, ctx);
    const { file, ctx: other } = fakeChain({
      n: 7,
      startedAt: new Date(Date.UTC(2026, 1, 1)),
      calls: 2,
      table,
    });
    writeFileSync(path.join(dir, file), JSON.stringify(other));
    rmSync(path.join(dir, (await indexedChains([dir]))[1]!.entry.file));
    const got = await indexedChains([dir]);
    expect(got.map((c) => [c.entry.chainId, c.row()?.status])).toEqual([
      ['001', 'complete'],
      ['007', other.status],
    ]);
  });

  it('rebuilds from the files when the index is missing, damaged or stale, and keeps an unreadable file as a warning', async () => {
    const files = [save(1), save(2)];
    writeFileSync(path.join(dir, 'chain-003-bad-2026-01-03-00-00-00.json'), '{ not json');
    rmSync(indexPathOf(dir));
    const first = await indexedChains([dir]);
    expect(first.map((c) => c.row())).toEqual([...(await rowsFromFiles(files)), null]);
    expect(first[2]!.error).toMatch(/not valid JSON/);
    // A torn line and a file changed in place (same name, new mtime): the stale row is read again.
    appendFileSync(indexPathOf(dir), '{"file":"chain-00');
    const ctx = await readChainFile(files[0]!);
    ctx.goal = 'rewritten in place';
    writeFileSync(files[0]!, JSON.stringify(ctx));
    utimesSync(dir, new Date(), new Date(Date.now() + 5000));
    const again = await indexedChains([dir]);
    expect(again[0]!.row()?.goal).toBe('rewritten in place');
    expect(again[2]!.error).toBe(first[2]!.error);
  });
});

describe('selectChainRows', () => {
  const row = (i: number, status = 'complete', calls = 1) => ({
    id: i,
    status,
    calls,
    updated_at: new Date(Date.UTC(2026, 0, i)).toISOString(),
  });
  const rows = [row(1), row(2, 'failed', 0), ...Array.from({ length: 60 }, (_, i) => row(i + 3))];

  it('shows the newest 50 by default, hiding chains that failed before their first call', () => {
    const s = selectChainRows(rows);
    expect(s.shown.map((r) => r.id)).toEqual(Array.from({ length: 50 }, (_, i) => i + 13));
    expect(s).toMatchObject({ hidden: 1, older: 11 });
  });

  it('--limit, --since and --all', () => {
    expect(selectChainRows(rows, { limit: 2 }).shown.map((r) => r.id)).toEqual([61, 62]);
    const since = selectChainRows(rows, { sinceMs: Date.UTC(2026, 0, 60) });
    expect(since.shown.map((r) => r.id)).toEqual([60, 61, 62]);
    expect(since.older).toBe(0);
    const all = selectChainRows(rows, { all: true });
    expect(all.shown).toHaveLength(62);
    expect(all).toMatchObject({ hidden: 0, older: 0 });
  });
});
