/**
 * A chain recorded as `running` whose driver process has exited (kill -9) is shown as interrupted
 * (cancelled, resume next); one whose driver lives, or that has no owner file, stays running.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { withDriverState } from '../../src/app/chains.js';
import { deadDriverOf } from '../../src/app/driverLock.js';
import { nextCommands } from '../../src/cli/views/chain.js';
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
    expect(withDriverState(ctx, chainFile({ pid: process.ppid, host: os.hostname() })).status).toBe('running');
    expect(withDriverState(ctx, chainFile({ pid: 999_999_999, host: `${os.hostname()}-elsewhere` })).status).toBe('running');
    expect(withDriverState(ctx, chainFile()).status).toBe('running');
  });
});
