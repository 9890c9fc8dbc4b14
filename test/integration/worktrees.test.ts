/**
 * The worktrees of a split's parts: parts that start together make their worktrees one at a time,
 * since git adding a worktree reads every other one's files and fails on one being added at the
 * same moment ("failed to read .git/worktrees/…/commondir").
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChainContext } from '../../src/chain/schema.js';
import { prepareWorktree } from '../../src/engine/worktrees.js';
import { plainGit, tempRepo } from '../helpers/gitRepo.js';
import { fakeChain } from '../helpers/chains.js';
import { loadPriceTable } from '../../src/cost/prices.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const table = loadPriceTable();

function part(root: string, n: number): ChainContext {
  const { ctx } = fakeChain({ n, startedAt: new Date(Date.UTC(2026, 0, n)), calls: 0, table });
  return {
    ...ctx,
    parent: '001',
    sub: {
      key: `part-${n}`,
      depends_on: [],
      root,
      worktree: null,
      branch: null,
      base_commit: null,
      patch: null,
    },
  };
}

describe('prepareWorktree', () => {
  it('makes the worktrees of parts that start together, every one of them', async () => {
    const repo = await tempRepo({ 'src/app.js': 'export const x = 1;\n' });
    cleanups.push(repo.cleanup);
    const head = (await plainGit(repo.root, ['rev-parse', 'HEAD'])).trim();
    const parts = Array.from({ length: 8 }, (_, i) => part(repo.root, i + 2));
    const results = await Promise.allSettled(parts.map((p) => prepareWorktree(p, [])));
    expect(results.filter((r) => r.status === 'rejected').map((r) => String(r.reason))).toEqual([]);
    const subs = results.map((r) => (r as PromiseFulfilledResult<NonNullable<ChainContext['sub']>>).value);
    expect(subs.map((s) => s.base_commit)).toEqual(parts.map(() => head));
    const listed = await plainGit(repo.root, ['worktree', 'list', '--porcelain']);
    for (const s of subs) expect(listed).toContain(`worktree ${s.worktree}`);
  });

  it('never runs two `git worktree add` of one repository at the same time', async () => {
    const repo = await tempRepo({ 'src/app.js': 'export const x = 1;\n' });
    cleanups.push(repo.cleanup);
    // A git on PATH that logs each `worktree add` as it starts and ends, and takes its time.
    const bin = path.join(repo.tmp, 'bin');
    const log = path.join(repo.tmp, 'adds.log');
    mkdirSync(bin);
    const real = (await execa('sh', ['-c', 'command -v git'])).stdout.trim();
    writeFileSync(
      path.join(bin, 'git'),
      `#!/bin/sh\ncase " $* " in *" worktree add "*) echo start >> '${log}'; sleep 0.2; "${real}" "$@"; rc=$?; echo end >> '${log}'; exit $rc;; esac\nexec "${real}" "$@"\n`,
      { mode: 0o755 },
    );
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${savedPath}`;
    try {
      const parts = Array.from({ length: 3 }, (_, i) => part(repo.root, i + 2));
      await Promise.all(parts.map((p) => prepareWorktree(p, [])));
    } finally {
      process.env.PATH = savedPath;
    }
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([
      'start',
      'end',
      'start',
      'end',
      'start',
      'end',
    ]);
  });
});
