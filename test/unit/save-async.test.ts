/**
 * The asynchronous save (src/chain/store.ts saveChain, src/durable.ts prepareDurableWrite): its
 * fsyncs run on the thread pool, the journal's and the head's at the same time, and the head is
 * renamed into place only after both; a failed fsync leaves the previous head and the journal
 * index as they were; a synchronous save (a signal handler's) that overtakes it wins, also while
 * its rename waits for a thread. The fsyncs
 * are held or failed through node:fs itself (named exports synced), never by replacing our modules.
 */
import fs, { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { newChainContext } from '../../src/chain/init.js';
import type { ChainContext } from '../../src/chain/schema.js';
import { testCall, testStep } from '../helpers/journal-records.js';
import { readChainFile, saveChain, saveChainSync } from '../../src/chain/store.js';
import { deriveCostTracking } from '../../src/cost/tracking.js';
import { prepareDurableWrite } from '../../src/durable.js';
import { FileSystemError } from '../../src/errors.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'claude-exec-save-async-'));
  file = path.join(dir, 'chain-001-jwt-2026-01-01-00-00-00.json');
});
afterEach(() => {
  vi.restoreAllMocks();
  syncBuiltinESMExports();
  rmSync(dir, { recursive: true, force: true });
});

type FsyncCallback = (err: NodeJS.ErrnoException | null) => void;

/** Holds every asynchronous fsync until `release` (with `fail`: an EIO instead of the fsync). */
function holdFsyncs(): { pending: () => number; release: (fail?: (fd: number) => boolean) => void } {
  const real = fs.fsync;
  const held: { fd: number; cb: FsyncCallback }[] = [];
  vi.spyOn(fs, 'fsync').mockImplementation(((fd: number, cb: FsyncCallback) => {
    held.push({ fd, cb });
  }) as typeof fs.fsync);
  syncBuiltinESMExports();
  return {
    pending: () => held.length,
    release(fail) {
      for (const { fd, cb } of held.splice(0)) {
        if (fail?.(fd)) cb(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
        else real(fd, cb);
      }
    },
  };
}

/** Holds every asynchronous rename until `release`. */
function holdRenames(): { pending: () => number; release: () => void } {
  const real = fs.rename;
  const held: { from: fs.PathLike; to: fs.PathLike; cb: FsyncCallback }[] = [];
  vi.spyOn(fs, 'rename').mockImplementation(((from: fs.PathLike, to: fs.PathLike, cb: FsyncCallback) => {
    held.push({ from, to, cb });
  }) as typeof fs.rename);
  syncBuiltinESMExports();
  return {
    pending: () => held.length,
    release() {
      for (const { from, to, cb } of held.splice(0)) real(from, to, cb);
    },
  };
}

const temps = () => readdirSync(dir).filter((f) => f.endsWith('.tmp'));
const isJournal = (fd: number) => {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`).endsWith('.journal.jsonl');
  } catch {
    return false;
  }
};
const tick = () => new Promise((resolve) => setImmediate(resolve));

const call = (id: number, step: number) => testCall(id, step, 0);
const step = testStep;
/** A chain saved once (synchronously), with one finished step of one call: the next save appends. */
function savedChain(): ChainContext {
  const ctx = newChainContext({
    chainId: '001',
    chainUid: 'uid-save-async-001',
    goal: 'Add JWT',
    slug: 'jwt',
    workspace: dir,
    model: 'm',
    models: { fast: 'm', default: 'm', smart: 'm' },
    now: new Date(Date.UTC(2026, 0, 1)),
  });
  saveChainSync(file, ctx);
  ctx.calls.push(call(1, 1));
  ctx.steps = [step(1, 'complete')];
  ctx.cost_tracking = deriveCostTracking(ctx.calls);
  saveChainSync(file, ctx);
  return ctx;
}
/** Adds a finished step with one call (journaled by the next save) and a running one with a call (kept in the head). */
function addCalls(ctx: ChainContext): void {
  const n = ctx.steps.length;
  ctx.steps.push(step(n + 1, 'complete'), step(n + 2, 'running'));
  ctx.calls.push(call(ctx.calls.length + 1, n + 1), call(ctx.calls.length + 2, n + 2));
  ctx.cost_tracking = deriveCostTracking(ctx.calls);
}

describe('prepareDurableWrite', () => {
  it('leaves the file as it was until commit, then replaces it; abort removes the temp file', async () => {
    writeFileSync(file, 'old');
    const write = prepareDurableWrite(file, 'new');
    await write.synced;
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(temps()).toHaveLength(1);
    await write.commit();
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(temps()).toEqual([]);
    const dropped = prepareDurableWrite(file, 'newer');
    await dropped.synced;
    dropped.abort();
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(temps()).toEqual([]);
  });

  it('a failed fsync rejects `synced` with a FileSystemError naming the cause', async () => {
    writeFileSync(file, 'old');
    const fsyncs = holdFsyncs();
    const write = prepareDurableWrite(file, 'new');
    fsyncs.release(() => true);
    const err = await write.synced.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FileSystemError);
    expect((err as FileSystemError).code).toBe('EIO');
    write.abort();
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(temps()).toEqual([]);
  });
});

describe('saveChain (asynchronous)', () => {
  it("runs the journal's and the head's fsyncs at the same time, and renames the head only after both", async () => {
    const ctx = savedChain();
    const before = readFileSync(file, 'utf8');
    addCalls(ctx);
    const fsyncs = holdFsyncs();
    const saved = saveChain(file, ctx);
    await tick();
    expect(fsyncs.pending()).toBe(2);
    // Both records are written (a kill cannot lose them), but no head indexes them yet.
    expect(readFileSync(file, 'utf8')).toBe(before);
    fsyncs.release();
    await saved;
    const read = await readChainFile(file);
    expect(read.calls.map((c) => c.id)).toEqual([1, 2, 3]);
    expect(read.steps.map((s) => s.status)).toEqual(['complete', 'complete', 'running']);
    expect(temps()).toEqual([]);
  });

  it('a failed journal fsync rejects, leaves the previous head and puts the journal index back; the next save writes everything', async () => {
    const ctx = savedChain();
    const before = readFileSync(file, 'utf8');
    const index = ctx.journal;
    addCalls(ctx);
    const fsyncs = holdFsyncs();
    const saved = saveChain(file, ctx);
    await tick();
    fsyncs.release(isJournal);
    await expect(saved).rejects.toBeInstanceOf(FileSystemError);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(ctx.journal).toEqual(index);
    expect(temps()).toEqual([]);
    vi.restoreAllMocks();
    syncBuiltinESMExports();
    await saveChain(file, ctx);
    const read = await readChainFile(file);
    expect(read.calls.map((c) => c.id)).toEqual([1, 2, 3]);
    expect(read.steps).toHaveLength(3);
  });

  it('a synchronous save (a signal handler) during it wins: the older head is never put in place', async () => {
    const ctx = savedChain();
    addCalls(ctx);
    const fsyncs = holdFsyncs();
    const saved = saveChain(file, ctx);
    await tick();
    ctx.status = 'paused';
    saveChainSync(file, ctx);
    fsyncs.release();
    await saved;
    const read = await readChainFile(file);
    expect(read.status).toBe('paused');
    expect(read.calls.map((c) => c.id)).toEqual([1, 2, 3]);
    expect(temps()).toEqual([]);
  });

  it('a synchronous save while its rename waits for a thread wins too', async () => {
    const ctx = savedChain();
    addCalls(ctx);
    const renames = holdRenames();
    const saved = saveChain(file, ctx);
    // The fsyncs are real: wait (not for a set time) until the rename is asked for.
    while (renames.pending() === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    expect(renames.pending()).toBe(1);
    ctx.status = 'paused';
    saveChainSync(file, ctx);
    renames.release();
    await saved;
    const read = await readChainFile(file);
    expect(read.status).toBe('paused');
    expect(read.calls.map((c) => c.id)).toEqual([1, 2, 3]);
    expect(temps()).toEqual([]);
  });
});
