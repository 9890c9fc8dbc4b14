/**
 * A chain recorded as `running` whose driver process has exited (kill -9) is shown as interrupted
 * (cancelled, resume next); one whose driver lives, or that has no owner file, stays running.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { indexedWithDriverState, withDriverState } from '../../src/features/chains/chains.js';
import { deadDriverOf } from '../../src/engine/driverLock.js';
import { indexedChains } from '../../src/chain/chains-index.js';
import { saveChainSync } from '../../src/chain/store.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import { nextCommands } from '../../src/contract/views/chain.js';
import { fakeChain } from '../helpers/chains.js';
import { emptyChain } from '../helpers/memory.js';

function chainFile(owner?: object): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'claude-exec-driver-')), 'chain-002-x.json');
  if (owner) writeFileSync(`${file}.owner`, JSON.stringify(owner));
  return file;
}

async function deadPid(): Promise<number> {
  const child = execa('node', ['-e', '0']);
  const pid = child.pid!;
  await child;
  return pid;
}

describe('withDriverState', () => {
  it('shows a running chain whose driver exited as cancelled, with the reason and resume next', async () => {
    const pid = await deadPid();
    const file = chainFile({ pid, host: os.hostname() });
    const ctx = { ...emptyChain(), chain_id: '002', status: 'running' as const };
    expect(deadDriverOf(file)).toBe(pid);
    const shown = withDriverState(ctx, file);
    expect(shown.status).toBe('cancelled');
    expect(shown.error).toContain(`pid ${pid}`);
    expect(nextCommands(shown)[0]).toBe('claude-exec resume 002');
    expect(ctx.status).toBe('running');
  });

  it('leaves a chain alone whose driver lives, runs on another host, or left no owner file', () => {
    const ctx = { ...emptyChain(), status: 'running' as const };
    expect(withDriverState(ctx, chainFile({ pid: process.ppid, host: os.hostname() })).status).toBe(
      'running',
    );
    expect(
      withDriverState(ctx, chainFile({ pid: 999_999_999, host: `${os.hostname()}-elsewhere` })).status,
    ).toBe('running');
    expect(withDriverState(ctx, chainFile()).status).toBe('running');
  });
});

describe('indexedWithDriverState', () => {
  /** Saves a running chain n in `dir` (so the chain index records it as running) and returns its file. */
  function saveRunning(dir: string, n: number, owner?: object): string {
    const { file, ctx } = fakeChain({
      n,
      startedAt: new Date(Date.UTC(2026, 0, n)),
      calls: 2,
      table: loadPriceTable(),
    });
    const p = path.join(dir, file);
    saveChainSync(p, { ...ctx, status: 'running' });
    if (owner) writeFileSync(`${p}.owner`, JSON.stringify(owner));
    return p;
  }

  it('shows a chain the index records as running, whose driver exited, as cancelled in its keys and row', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'claude-exec-driver-index-'));
    saveRunning(dir, 1, { pid: await deadPid(), host: os.hostname() });
    saveRunning(dir, 2, { pid: process.ppid, host: os.hostname() });
    saveRunning(dir, 3);
    const raw = await indexedChains([dir]);
    expect(raw.map((c) => c.keys?.status)).toEqual(['running', 'running', 'running']);
    const shown = raw.map(indexedWithDriverState);
    expect(shown.map((c) => c.keys?.status)).toEqual(['cancelled', 'running', 'running']);
    expect(shown.map((c) => c.row()?.status)).toEqual(['cancelled', 'running', 'running']);
    expect(shown[0]!.row()).toEqual({ ...raw[0]!.row()!, status: 'cancelled' });
  });
});
