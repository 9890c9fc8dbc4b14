/**
 * `chains` from the chain index (chainsFromIndex: the index read lazily, only the rows shown
 * parsed) gives what a full read of every context file gives (listChains, then selectChainRows),
 * over a varied workspace: hidden and failed chains, dead and live drivers, two files of one
 * chain id saved out of order, an unreadable file, names of non-ASCII and of great length, and
 * the index as saves append it, as a rebuild compacts it, and with saves appended after that.
 */
import { execa } from 'execa';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexPathOf } from '../../src/chain/chains-index-line.js';
import { chainRow } from '../../src/chain/row.js';
import type { ChainContext } from '../../src/chain/schema.js';
import { readChainFile, saveChainSync } from '../../src/chain/store.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import {
  chainsFromIndex,
  listChains,
  selectChainRows,
  type ChainSelection,
} from '../../src/features/chains/chains.js';
import { fakeChain } from '../helpers/chains.js';

const table = loadPriceTable();
let dir: string;
let deadPid: number;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ce-chains-from-index-'));
  const child = execa('node', ['-e', '0']);
  deadPid = child.pid!;
  await child;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Chain `n` started on day `day` of 2026, changed by `edit`, saved as the engine saves (one index line). */
function save(n: number, day: number, edit: (ctx: ChainContext) => void = () => {}): string {
  const { file, ctx } = fakeChain({ n, startedAt: new Date(Date.UTC(2026, 0, day)), calls: n % 3, table });
  edit(ctx);
  const p = path.join(dir, file);
  saveChainSync(p, ctx);
  return p;
}

/** What `chains` shows when every file is read: the source of truth. */
async function fromFiles(sel: ChainSelection) {
  const warnings: string[] = [];
  const all = await listChains([dir], (m) => warnings.push(m));
  const { shown, hidden, older } = selectChainRows(
    all.map(({ ctx, file }) => chainRow(ctx, file)),
    sel,
  );
  return { shown, hidden, older, warnings };
}

const selections: ChainSelection[] = [
  {},
  { all: true },
  { limit: 3 },
  { limit: 1000 },
  { sinceMs: Date.UTC(2026, 0, 20) },
  { limit: 4, sinceMs: Date.UTC(2026, 0, 10) },
  { all: true, sinceMs: Date.UTC(2026, 0, 30) },
];

async function expectSameAsFiles(): Promise<void> {
  for (const sel of selections) {
    const got = await chainsFromIndex([dir], sel);
    const want = await fromFiles(sel);
    // The same JSON text: the rows' keys in the same order, as `chains --json` prints them.
    expect(JSON.stringify(got), JSON.stringify(sel)).toBe(JSON.stringify(want));
  }
}

const indexLines = () => readFileSync(indexPathOf(dir), 'utf8').trim().split('\n');

/** Moves the mtimes of the directory and all in it 10 s into the past, as if nothing had changed them for a while. */
function settle(): void {
  const past = new Date(Date.now() - 10_000);
  for (const f of readdirSync(dir)) utimesSync(path.join(dir, f), past, past);
  utimesSync(dir, past, past);
}

describe('chainsFromIndex', () => {
  it('lists what a full read of the files lists, for every selection, from an index rebuilt, compacted and then appended to', async () => {
    // Saves out of order (chain 3 before 2; chain 5's later file before its earlier one).
    for (const n of [1, 3, 2, 4]) save(n, n);
    save(5, 9);
    save(5, 6, (ctx) => (ctx.status = 'complete'));
    for (let n = 6; n <= 60; n++)
      save(n, n, (ctx) => {
        if (n % 7 === 0) ctx.status = 'failed'; // calls n % 3: some failed before their first call
        if (n % 11 === 0) ctx.status = 'running';
      });
    const running = save(61, 61, (ctx) => (ctx.status = 'running'));
    writeFileSync(`${running}.owner`, JSON.stringify({ pid: deadPid, host: os.hostname() }));
    // Files copied in: an unreadable one, a name of non-ASCII characters, and one whose keys
    // pass the bytes a line's keys are read from.
    writeFileSync(path.join(dir, 'chain-063-broken-2026-03-04-00-00-00.json'), '{ not json');
    const copy = async (n: number, slug: string) => {
      const saved = save(n, n);
      const ctx = await readChainFile(saved);
      rmSync(saved);
      writeFileSync(
        path.join(dir, `chain-0${n}-${slug}-2026-03-0${n - 63}-00-00-00.json`),
        JSON.stringify({ ...ctx, journal: null }),
      );
    };
    await copy(64, 'café-ünïcödé');
    await copy(65, 'long-'.repeat(40).slice(0, -1));
    // Rebuilt from the files (just changed: the index vouches for nothing yet), then once settled
    // rebuilt and compacted with the directory's mtime.
    await expectSameAsFiles();
    settle();
    await expectSameAsFiles();
    const compacted = indexLines();
    expect(JSON.parse(compacted[0]!)).toEqual({ dir_mtime_ms: statSync(dir).mtimeMs });
    expect(compacted.join('\n')).toContain('café-ünïcödé');

    // Saves after the compaction: one chain changed, new ones out of order, two files of one id.
    save(4, 4, (ctx) => (ctx.status = 'failed'));
    save(70, 70);
    save(67, 67);
    save(68, 40);
    save(68, 30, (ctx) => (ctx.status = 'failed'));
    const appended = indexLines();
    expect(appended.length).toBe(compacted.length + 5);
    await expectSameAsFiles();
    // Read from the index as it is: nothing was rebuilt or rewritten.
    expect(indexLines()).toEqual(appended);
    const { shown, warnings, hidden, older } = await chainsFromIndex([dir], { all: true });
    expect(shown.find((r) => r.chain_id === '061')?.status).toBe('cancelled');
    expect(shown.map((r) => r.chain_id).slice(-4)).toEqual(['067', '068', '068', '070']);
    expect(warnings).toEqual([expect.stringMatching(/^skipped .*chain-063-broken/)]);
    const newest = await chainsFromIndex([dir], {});
    expect(newest.hidden).toBeGreaterThan(0);
    expect(newest.older).toBeGreaterThan(0);
    expect({ hidden, older }).toEqual({ hidden: 0, older: 0 });
  });
});
