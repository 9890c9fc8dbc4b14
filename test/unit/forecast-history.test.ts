/**
 * The forecast's history index (src/features/learning/forecastHistory.ts): an estimate is the same with the
 * index missing, present, stale or damaged as one made from the context files themselves, and a
 * current line is used instead of the file.
 */
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  forecast,
  forecastFor,
  MAX_HISTORY,
  type ForecastDeps,
} from '../../src/features/learning/forecast.js';
import { historyIndexPathOf } from '../../src/features/learning/forecastHistory.js';
import { listChainFiles, readChainFile } from '../../src/chain/store.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import { createCatalog } from '../../src/library/catalog.js';
import { builtinPromptsDir, readPromptDir } from '../../src/library/load.js';
import { writeChains } from '../bench/fixture.js';

const SIMILAR = 'Task 3: jwt auth in the Express app';
const OTHER = 'Translate the error messages into French';

let dir: string;
/** A time a while ago, in whole seconds (an mtime set from a Date keeps only milliseconds). */
const EARLIER = new Date(Math.floor(Date.now() / 1000) * 1000 - 120_000);
let deps: ForecastDeps;

/** The forecast made from every context file read and validated, without any index. */
async function fromFiles(task: string) {
  const chains = [];
  for (const e of (await listChainFiles([dir])).slice(-MAX_HISTORY)) {
    try {
      chains.push(await readChainFile(e.path));
    } catch {
      // left out, as the forecast leaves it out
    }
  }
  return forecast(task, chains, deps);
}

async function headOf(n: number): Promise<string> {
  const e = (await listChainFiles([dir]))[n - 1]!;
  return e.path;
}

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'claude-exec-history-index-'));
  await writeChains(dir, 12, 9);
  writeFileSync(
    path.join(dir, 'chain-013-broken-2026-02-01-00-00-00.json'),
    '{"schema_version": 1, "not": "a chain"}\n',
  );
  // Saved a while ago: the index keeps no line of a file changed in the last 2 seconds.
  for (const f of readdirSync(dir)) utimesSync(path.join(dir, f), EARLIER, EARLIER);
  const catalog = createCatalog((await readPromptDir(builtinPromptsDir(), 'built-in')).docs);
  deps = { catalog, model: 'claude-sonnet-4-5', prices: loadPriceTable({}) };
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the forecast history index', () => {
  it('gives the forecast of the files when missing, then when present', async () => {
    for (const task of [SIMILAR, OTHER]) {
      const expected = await fromFiles(task);
      await rm(historyIndexPathOf(dir), { force: true });
      expect(await forecastFor(task, [dir], deps)).toEqual(expected);
      expect(existsSync(historyIndexPathOf(dir))).toBe(true);
      expect(await forecastFor(task, [dir], deps)).toEqual(expected);
    }
    // Both bases are covered: similar chains for one task, measured prompt runs for the other.
    expect((await fromFiles(SIMILAR)).basis).toBe('similar-chains');
    expect((await fromFiles(OTHER)).basis).toBe('prompt-costs');
  });

  it('reads a current line instead of the file (same size and mtime)', async () => {
    const head = await headOf(5);
    // A whole second: an mtime set again from a Date keeps only milliseconds.
    const t = new Date('2026-03-01T00:00:00Z');
    utimesSync(head, t, t);
    const before = await forecastFor(SIMILAR, [dir], deps);
    const st = statSync(head);
    // Same bytes count, same mtime, different content: only the index can still know chain 5.
    const text = readFileSync(head, 'utf8');
    writeFileSync(head, text.replace('"status": "complete"', '"status": "failed"  '));
    utimesSync(head, t, t);
    expect(statSync(head).mtimeMs).toBe(st.mtimeMs);
    expect(statSync(head).size).toBe(st.size);
    expect(await forecastFor(SIMILAR, [dir], deps)).toEqual(before);
    expect(await fromFiles(SIMILAR)).not.toEqual(before);
  });

  it('reads a changed file again (stale line) and follows it', async () => {
    const before = await forecastFor(SIMILAR, [dir], deps);
    const head = await headOf(7);
    const doc = JSON.parse(readFileSync(head, 'utf8')) as { status: string };
    doc.status = 'failed';
    writeFileSync(head, `${JSON.stringify(doc, null, 2)}\n`);
    utimesSync(head, new Date(), new Date(Date.now() + 5_000));
    const expected = await fromFiles(SIMILAR);
    expect(expected).not.toEqual(before);
    expect(await forecastFor(SIMILAR, [dir], deps)).toEqual(expected);
  });

  it('reads a file again when only its journal changed', async () => {
    const head = await headOf(4);
    // A whole second: an mtime set again from a Date keeps only milliseconds.
    const t = new Date('2026-03-01T00:00:00Z');
    utimesSync(head, t, t);
    const before = await forecastFor(SIMILAR, [dir], deps);
    const st = statSync(head);
    writeFileSync(head, readFileSync(head, 'utf8').replace('"status": "complete"', '"status": "failed"  '));
    utimesSync(head, t, t);
    expect(statSync(head).mtimeMs).toBe(st.mtimeMs);
    // The head looks unchanged; its journal's new mtime alone makes the line stale.
    const journal = head.replace(/\.json$/, '.journal.jsonl');
    utimesSync(journal, new Date(), new Date(Date.now() + 10_000));
    const expected = await fromFiles(SIMILAR);
    expect(expected).not.toEqual(before);
    expect(await forecastFor(SIMILAR, [dir], deps)).toEqual(expected);
  });

  it('is rebuilt from the files when damaged', async () => {
    const expected = await fromFiles(OTHER);
    await forecastFor(OTHER, [dir], deps);
    const index = historyIndexPathOf(dir);
    const lines = readFileSync(index, 'utf8').split('\n');
    // A torn line, a line of another version, and garbage.
    writeFileSync(
      index,
      [lines[0]!.slice(0, 40), lines[1]!.replace('"v":1', '"v":99'), 'not json', ...lines.slice(2)].join(
        '\n',
      ),
    );
    expect(await forecastFor(OTHER, [dir], deps)).toEqual(expected);
    expect(
      readFileSync(index, 'utf8')
        .split('\n')
        .filter(Boolean)
        .every((l) => (JSON.parse(l) as { v: number }).v === 1),
    ).toBe(true);
  });
});

describe('changes within one tick of the clock', () => {
  it('a file saved in the last 2 seconds is read again, even when a second save keeps its size and mtime', async () => {
    const head = await headOf(6);
    const t = new Date(Math.floor(Date.now() / 1000) * 1000);
    utimesSync(head, t, t);
    const before = await forecastFor(SIMILAR, [dir], deps);
    writeFileSync(head, readFileSync(head, 'utf8').replace('"status": "complete"', '"status": "failed"  '));
    utimesSync(head, t, t);
    const expected = await fromFiles(SIMILAR);
    expect(expected).not.toEqual(before);
    expect(await forecastFor(SIMILAR, [dir], deps)).toEqual(expected);
  });

  it('a directory changed in the last 2 seconds is listed again: a file added in the same tick is seen', async () => {
    const t = new Date(Math.floor(Date.now() / 1000) * 1000);
    await forecastFor(OTHER, [dir], deps); // creates .index/
    utimesSync(dir, t, t);
    await forecastFor(OTHER, [dir], deps);
    expect(readFileSync(historyIndexPathOf(dir), 'utf8').split('\n')[0]).not.toContain('dir_mtime_ms');
    const extra = 'chain-020-extra-2026-03-01-00-00-00.json';
    writeFileSync(path.join(dir, extra), '{"schema_version": 1, "not": "a chain"}\n');
    utimesSync(path.join(dir, extra), EARLIER, EARLIER); // its own line kept: only the listing is in question
    utimesSync(dir, t, t);
    await forecastFor(OTHER, [dir], deps);
    expect(readFileSync(historyIndexPathOf(dir), 'utf8')).toContain(extra);
  });
});

describe('the history index listing', () => {
  it('names the newest files while the directory’s mtime is the one it recorded, and is listed again once it changed', async () => {
    const index = historyIndexPathOf(dir);
    await forecastFor(OTHER, [dir], deps); // creates .index/, which changes the directory's mtime
    // Whole seconds: an mtime set again from a Date keeps only milliseconds.
    const t = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    utimesSync(dir, t, t);
    await forecastFor(OTHER, [dir], deps); // listed again, the header records t
    const before = readFileSync(index, 'utf8');
    expect(JSON.parse(before.split('\n')[0]!)).toMatchObject({ dir_mtime_ms: t.getTime() });

    // A file added, and the directory's mtime set back: only the index's listing can leave it out.
    const extra = 'chain-020-extra-2026-03-01-00-00-00.json';
    writeFileSync(path.join(dir, extra), '{"schema_version": 1, "not": "a chain"}\n');
    utimesSync(path.join(dir, extra), EARLIER, EARLIER); // its own line kept: only the listing is in question
    utimesSync(dir, t, t);
    await forecastFor(OTHER, [dir], deps);
    expect(readFileSync(index, 'utf8')).toBe(before);

    // Any other mtime: the directory is listed again, and the new file is in the index.
    utimesSync(dir, new Date(t.getTime() + 5_000), new Date(t.getTime() + 5_000));
    expect(await forecastFor(OTHER, [dir], deps)).toEqual(await fromFiles(OTHER));
    expect(readFileSync(index, 'utf8')).toContain(extra);
  });
});
