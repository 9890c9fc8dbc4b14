/**
 * Live documents: after a burst of changes each document is sent once; only the documents a change
 * can alter are sent; a document whose text did not change is not sent again; and the
 * directory watcher sees a context file replaced by an atomic rename, and a contexts directory
 * that appears after the server started.
 */
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPriceTable } from '../../src/cost/prices.js';
import { chainOfFile, LiveDocuments } from '../../src/web/live.js';
import { fakeChain } from '../helpers/chains.js';

let root: string;
let dir: string;
const files: string[] = [];
let live: LiveDocuments;

async function put(n: number, goal?: string) {
  const { file, ctx } = fakeChain({
    n,
    startedAt: new Date('2026-11-20T10:00:00Z'),
    calls: 3,
    table: loadPriceTable(),
  });
  if (goal) ctx.goal = goal;
  files[n] = path.join(dir, file);
  // As the store writes: a temporary file renamed over the context file.
  await writeFile(`${files[n]}.tmp-1`, JSON.stringify(ctx));
  await rename(`${files[n]}.tmp-1`, files[n]!);
}

const until = async (cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};
const settle = () => new Promise((r) => setTimeout(r, 150));

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'ce-web-live-'));
  dir = path.join(root, 'contexts');
  await mkdir(dir);
  await put(1);
  await put(2);
});
afterEach(async () => {
  await live?.close();
  await rm(root, { recursive: true, force: true });
});

describe('LiveDocuments', () => {
  it('knows a chain file by its name', () => {
    expect(chainOfFile('/c/chain-047-jwt-auth-2026-11-20-14-22-05.json')).toBe('047');
    expect(chainOfFile('/c/chain-1000-x-2026-11-20-14-22-05.journal.jsonl')).toBe('1000');
    expect(chainOfFile('/c/chain-047-jwt-auth-2026-11-20-14-22-05.json.lock')).toBeNull();
    expect(chainOfFile('/c/notes.txt')).toBeNull();
  });

  it('sends each document once after a burst of changes, only those the change can alter, and never the same text twice', async () => {
    live = new LiveDocuments({ dirs: [dir], flags: [], onWarning: () => undefined }, { intervalMs: 40 });
    const sent: Record<string, unknown[]> = { one: [], two: [], list: [] };
    live.subscribe(new URL('http://x/api/chains/001'), (r) => void sent.one!.push(r.doc));
    live.subscribe(new URL('http://x/api/chains/2'), (r) => void sent.two!.push(r.doc));
    live.subscribe(new URL('http://x/api/chains'), (r) => void sent.list!.push(r.doc));
    await until(() => sent.one!.length === 1 && sent.two!.length === 1 && sent.list!.length === 1);

    await put(1, 'A new goal for chain one');
    for (let i = 0; i < 25; i++) live.changed(files[1]!);
    await until(() => sent.one!.length === 2 && sent.list!.length === 2);
    await settle();
    expect([sent.one!.length, sent.two!.length, sent.list!.length]).toEqual([2, 1, 2]);
    expect(sent.one![1]).toMatchObject({ chain_id: '001', goal: 'A new goal for chain one' });

    // The same text again: nothing sent. Files that are not chains: nothing rebuilt.
    live.changed(files[1]!);
    live.changed(path.join(dir, 'notes.txt'));
    await settle();
    expect([sent.one!.length, sent.two!.length, sent.list!.length]).toEqual([2, 1, 2]);
  });

  it('watches the directory: a context file replaced by rename is sent again', async () => {
    live = new LiveDocuments({ dirs: [dir], flags: [], onWarning: () => undefined }, { intervalMs: 40 });
    await live.start();
    const goals: string[] = [];
    live.subscribe(
      new URL('http://x/api/chains/002'),
      (r) => void goals.push((r.doc as { goal: string }).goal),
    );
    await until(() => goals.length === 1);
    await put(2, 'Renamed into place');
    await until(() => goals.includes('Renamed into place'));
  });

  it('waits for a contexts directory that does not exist yet, then follows its chains', async () => {
    const later = path.join(root, 'not-yet', 'contexts');
    await mkdir(path.dirname(later));
    live = new LiveDocuments({ dirs: [later], flags: [], onWarning: () => undefined }, { intervalMs: 40 });
    await live.start();
    const counts: number[] = [];
    live.subscribe(
      new URL('http://x/api/chains'),
      (r) => void counts.push((r.doc as { chains: unknown[] }).chains.length),
    );
    await until(() => counts.length === 1);
    expect(counts).toEqual([0]);
    dir = later;
    await mkdir(later);
    await put(4);
    await until(() => counts.at(-1) === 1);
    await put(5);
    await until(() => counts.at(-1) === 2);
  });
});
