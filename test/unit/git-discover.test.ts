/**
 * Deciding "no repository" without starting git (src/git/discover.ts): it says no only where git
 * itself finds none, says maybe for a `.git` directory or file and a bare repository anywhere up
 * the path, and the chain-start callers (the repository map, the commit count) start no git
 * process outside a repository — checked with a `git` on PATH that records being run.
 */
import { chmod, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildRepoMap } from '../../src/engine/repoMap.js';
import { mayBeInGitRepository } from '../../src/git/discover.js';
import { workspaceCommit } from '../../src/tools/git.js';

let tmp: string;
beforeEach(async () => {
  tmp = await realpath(await mkdtemp(path.join(os.tmpdir(), 'claude-exec-discover-')));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const gitFinds = async (dir: string) =>
  (
    await execa('git', ['rev-parse', '--git-dir'], {
      cwd: dir,
      reject: false,
      extendEnv: false,
      env: { PATH: process.env.PATH },
    })
  ).exitCode === 0;

describe('mayBeInGitRepository', () => {
  it('says no for a directory outside any repository, where git finds none either', async () => {
    const dir = path.join(tmp, 'a', 'b');
    await mkdir(dir, { recursive: true });
    expect(await gitFinds(dir)).toBe(false);
    expect(await mayBeInGitRepository(dir)).toBe(false);
  });

  it('says maybe in a repository and below it, where git finds one', async () => {
    await execa('git', ['init', '-q', tmp]);
    const below = path.join(tmp, 'src', 'deep');
    await mkdir(below, { recursive: true });
    for (const dir of [tmp, below]) {
      expect(await gitFinds(dir)).toBe(true);
      expect(await mayBeInGitRepository(dir)).toBe(true);
    }
  });

  it("says maybe for a worktree's .git file and for a bare repository", async () => {
    const wt = path.join(tmp, 'wt');
    await mkdir(wt);
    await writeFile(path.join(wt, '.git'), 'gitdir: /nowhere\n');
    expect(await mayBeInGitRepository(path.join(wt))).toBe(true);
    const bare = path.join(tmp, 'bare.git');
    await execa('git', ['init', '-q', '--bare', bare]);
    expect(await mayBeInGitRepository(bare)).toBe(true);
  });
});

describe('chain start outside a repository', () => {
  it('builds the repository map from the workspace walk, and finds no commit, without starting git', async () => {
    const bin = path.join(tmp, 'bin');
    const ws = path.join(tmp, 'ws');
    const marker = path.join(tmp, 'git-ran');
    await mkdir(bin);
    await mkdir(path.join(ws, 'src'), { recursive: true });
    await writeFile(path.join(ws, 'src', 'app.js'), 'export function login() {}\n');
    await writeFile(path.join(bin, 'git'), `#!/bin/sh\necho "$@" >> '${marker}'\nexit 128\n`);
    await chmod(path.join(bin, 'git'), 0o755);
    const saved = process.env.PATH;
    process.env.PATH = `${bin}${path.delimiter}${saved ?? ''}`;
    try {
      const map = await buildRepoMap(ws);
      expect(map).toContain('src/app.js');
      expect(map).toContain('login');
      expect(map).toContain('workspace walk');
      expect(await workspaceCommit(ws)).toEqual({ commit: null, prefix: '' });
      // The same call inside a repository does run git (the recording git is the one found).
      await mkdir(path.join(ws, '.git'));
      await buildRepoMap(ws);
    } finally {
      process.env.PATH = saved;
    }
    const runs = (await readFile(marker, 'utf8')).trim().split('\n');
    expect(runs.some((r) => r.includes('ls-files'))).toBe(true);
    expect(runs.length).toBe(2); // the filter-driver probe and ls-files of the second call only
  });
});
