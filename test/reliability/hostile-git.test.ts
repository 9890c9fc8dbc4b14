/**
 * A repository whose `.git/config`, hooks, `.gitattributes` or worktree `.git` file were written by
 * someone else (sandboxed test code, the repository itself) must not run anything through our git
 * calls. Each attack is planted in a fresh real repository; a control run of plain git proves the
 * plant fires; then checkpoint, diff, rollback, apply (temporary worktree + patches) and the
 * worktree check run through src/git/ and no marker may appear.
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newChainContext } from '../../src/chain/init.js';
import { chainFileName } from '../../src/chain/names.js';
import type { ChainContext } from '../../src/chain/schema.js';
import { saveChain } from '../../src/chain/store.js';
import { applyChain } from '../../src/features/split/apply.js';
import { chainDiff } from '../../src/features/chains/chainDiff.js';
import { rollbackChain } from '../../src/features/chains/chains.js';
import { worktreeGit } from '../../src/git/worktree.js';
import { changedSinceCheckpoint, createCheckpoint } from '../../src/tools/git.js';

let tmp: string;
let root: string;
let marks: string;
let contexts: string;
const MODELS = { fast: 'claude-haiku-4-5', default: 'claude-sonnet-4-5', smart: 'claude-opus-4-1' };

/** Plain git (the control, and the set-up before anything is planted). */
const plain = (cwd: string, args: string[]) =>
  execa('git', args, {
    cwd,
    reject: false,
    stdin: 'ignore',
    env: {
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@x',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@x',
    },
  });
const markers = async () => (await readdir(marks)).sort();

/** A script that records that it ran in `marks/<name>`; `mode` says what it does after. */
async function evil(name: string, mode: 'exit' | 'cat' | 'cat-file' = 'exit'): Promise<string> {
  const file = path.join(tmp, `evil-${name}.sh`);
  const tail = mode === 'cat' ? 'exec cat\n' : mode === 'cat-file' ? 'exec cat "$1"\n' : 'exit 0\n';
  await writeFile(file, `#!/bin/sh\necho "$0 $*" >> '${path.join(marks, name)}'\n${tail}`);
  await chmod(file, 0o755);
  return file;
}

const HOOKS = [
  'pre-commit',
  'commit-msg',
  'post-commit',
  'post-checkout',
  'reference-transaction',
  'post-index-change',
  'pre-auto-gc',
];

interface Attack {
  name: string;
  plant(): Promise<void>;
  /** Plain git that runs the planted command (proves the plant is live). */
  control(): Promise<unknown>;
}

const attacks: Attack[] = [
  {
    name: 'core.fsmonitor',
    plant: async () => void (await plain(root, ['config', 'core.fsmonitor', await evil('fsmonitor')])),
    control: () => plain(root, ['status']),
  },
  {
    name: 'core.hooksPath with hooks',
    plant: async () => {
      const dir = path.join(tmp, 'hooks-elsewhere');
      await mkdir(dir);
      for (const h of HOOKS) await symlink(await evil(`hookspath-${h}`), path.join(dir, h));
      await plain(root, ['config', 'core.hooksPath', dir]);
    },
    control: () => plain(root, ['update-ref', 'refs/control', 'HEAD']),
  },
  {
    name: 'hooks in .git/hooks',
    plant: async () => {
      for (const h of HOOKS) await symlink(await evil(`hook-${h}`), path.join(root, '.git', 'hooks', h));
    },
    control: () => plain(root, ['commit', '-q', '--allow-empty', '-m', 'control']),
  },
  {
    name: 'diff.external',
    plant: async () => void (await plain(root, ['config', 'diff.external', await evil('diff-external')])),
    control: () => plain(root, ['diff']),
  },
  {
    name: 'a textconv driver (.gitattributes diff=)',
    plant: async () => {
      await writeFile(path.join(root, '.gitattributes'), '* diff=evil\n');
      await plain(root, ['config', 'diff.evil.textconv', await evil('textconv', 'cat-file')]);
    },
    control: () => plain(root, ['diff']),
  },
  {
    name: 'an external diff driver command (.gitattributes diff=)',
    plant: async () => {
      await writeFile(path.join(root, '.gitattributes'), '* diff=evil\n');
      await plain(root, ['config', 'diff.evil.command', await evil('diff-command')]);
    },
    control: () => plain(root, ['diff']),
  },
  {
    name: 'clean and smudge filters (.gitattributes filter=)',
    plant: async () => {
      await writeFile(path.join(root, '.gitattributes'), '* filter=evil\n');
      await plain(root, ['config', 'filter.evil.clean', await evil('filter-clean', 'cat')]);
      await plain(root, ['config', 'filter.evil.smudge', await evil('filter-smudge', 'cat')]);
      await plain(root, ['config', 'filter.evil.required', 'true']);
    },
    control: () => plain(root, ['add', '-A']),
  },
  {
    name: 'a long-running filter process, with a dotted driver name',
    plant: async () => {
      await writeFile(path.join(root, '.gitattributes'), '* filter=ev.il\n');
      await plain(root, ['config', 'filter.ev.il.process', await evil('filter-process')]);
      await plain(root, ['config', 'filter.ev.il.required', 'true']);
    },
    control: () => plain(root, ['add', '-A']),
  },
  {
    name: 'commit signing with gpg.program',
    plant: async () => {
      await plain(root, ['config', 'commit.gpgSign', 'true']);
      await plain(root, ['config', 'gpg.program', await evil('gpg')]);
    },
    control: () => plain(root, ['commit', '-q', '--allow-empty', '-m', 'control']),
  },
  {
    name: 'core.fsmonitor from a file the config includes',
    plant: async () => {
      const inc = path.join(tmp, 'evil.inc');
      await writeFile(inc, `[core]\n\tfsmonitor = ${await evil('include-fsmonitor')}\n`);
      await plain(root, ['config', 'include.path', inc]);
    },
    control: () => plain(root, ['status']),
  },
];

/** A chain context in `contexts/` (workspace `root`), saved; returns its file. */
async function chainFile(id: string, patch: Partial<ChainContext>): Promise<string> {
  const now = new Date('2026-12-01T10:00:00Z');
  const ctx = {
    ...newChainContext({
      chainId: id,
      chainUid: `uid-${id}-hostile`,
      goal: 'hostile',
      slug: 'hostile',
      workspace: root,
      model: MODELS.default,
      models: MODELS,
      now,
    }),
    ...patch,
  };
  const file = path.join(contexts, chainFileName(id, 'hostile', now));
  await saveChain(file, ctx);
  return file;
}

beforeEach(async () => {
  tmp = await realpath(await mkdtemp(path.join(os.tmpdir(), 'claude-exec-hostile-git-')));
  root = path.join(tmp, 'repo');
  marks = path.join(tmp, 'marks');
  contexts = path.join(root, 'contexts');
  await mkdir(marks);
  await mkdir(contexts, { recursive: true });
  await plain(tmp, ['init', '-q', '-b', 'main', root]);
  await writeFile(path.join(root, 'a.txt'), 'one\n');
  await writeFile(path.join(root, '.gitignore'), 'contexts/\n');
  await plain(root, ['add', '-A']);
  await plain(root, ['commit', '-q', '-m', 'init']);
});
afterEach(() => rm(tmp, { recursive: true, force: true }));

describe('git never runs what the repository configured', () => {
  for (const attack of attacks) {
    it(`${attack.name}: checkpoint, diff, rollback, apply and worktrees run nothing`, async () => {
      // A patch a sub-chain made (before anything was planted): adds c.txt.
      const scratch = path.join(tmp, 'scratch');
      await plain(tmp, ['clone', '-q', root, scratch]);
      await writeFile(path.join(scratch, 'c.txt'), 'from a sub-chain\n');
      await plain(scratch, ['add', 'c.txt']);
      const patchText = (await plain(scratch, ['diff', '--cached', '--binary'])).stdout;
      await writeFile(path.join(contexts, 'sub.patch'), `${patchText}\n`);
      const wt = path.join(tmp, 'wt');
      await plain(root, ['worktree', 'add', '-q', wt, 'HEAD']);

      await attack.plant();
      await writeFile(path.join(root, 'a.txt'), 'two\n');
      await attack.control();
      expect((await markers()).length, 'the planted command runs under plain git').toBeGreaterThan(0);
      await rm(marks, { recursive: true });
      await mkdir(marks);

      const cp = await createCheckpoint(root, '001', { exclude: ['contexts'], maxFileBytes: 1_000_000 });
      expect(cp?.git_ref).toBe('refs/claude-exec/chain-001/pre-implementation');
      await writeFile(path.join(root, 'a.txt'), 'three\n');
      await writeFile(path.join(root, 'b.txt'), 'new\n');
      expect((await changedSinceCheckpoint(root, cp!.git_ref, () => true)).sort()).toEqual([
        'a.txt',
        'b.txt',
      ]);

      await chainFile('001', {
        status: 'complete',
        checkpoints: [
          {
            phase: 'implementation',
            git_ref: cp!.git_ref,
            created_at: '2026-12-01T10:00:00.000Z',
            left_out: [],
          },
        ],
        session_memory: {
          files_modified: ['a.txt', 'b.txt'],
          tests_written: [],
          mistakes_corrected: [],
          patterns_identified: [],
          context_health: 10,
        },
      });
      const d = await chainDiff([contexts], '001');
      expect(d.files.map((f) => f.path).sort()).toEqual(['a.txt', 'b.txt']);
      expect(d.patch).toContain('+three');

      const back = await rollbackChain([contexts], '001', { cwd: root, force: true });
      expect(back.restored).toEqual(['a.txt']);
      expect(back.removed).toEqual(['b.txt']);
      expect(await readFile(path.join(root, 'a.txt'), 'utf8')).toBe('two\n');

      await chainFile('002', {
        status: 'complete',
        parent: '009',
        sub: {
          key: 'k',
          depends_on: [],
          root,
          worktree: null,
          branch: null,
          base_commit: null,
          patch: path.join(contexts, 'sub.patch'),
        },
      });
      const applied = await applyChain('002', [contexts], { cwd: root });
      expect(applied.files).toEqual(['c.txt']);

      // What a split does in a sub-chain's worktree: apply, commit, add, diff.
      const inWt = await worktreeGit(wt, root);
      expect((await inWt(['apply', '--index', path.join(contexts, 'sub.patch')])).ok).toBe(true);
      const who = {
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@x',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@x',
      };
      expect((await inWt(['commit', '-q', '--no-verify', '-m', 'dependencies'], { env: who })).ok).toBe(true);
      await writeFile(path.join(wt, 'a.txt'), 'changed in the worktree\n');
      expect((await inWt(['add', '-A'])).ok).toBe(true);
      expect((await inWt(['diff', '--cached', 'HEAD'])).stdout).toContain('+changed in the worktree');

      expect(await markers()).toEqual([]);
    });
  }
});

describe('a replaced .git file in a split worktree', () => {
  let wt: string;
  beforeEach(async () => {
    wt = path.join(root, '.claude-exec', 'worktrees', 'chain-002');
    await plain(root, ['worktree', 'add', '-q', wt, 'HEAD']);
  });

  it('pointing at a repository the attacker configured: refused, nothing runs', async () => {
    const other = path.join(tmp, 'other');
    await plain(tmp, ['init', '-q', other]);
    await plain(other, ['config', 'core.fsmonitor', await evil('fsmonitor')]);
    await writeFile(path.join(wt, '.git'), `gitdir: ${path.join(other, '.git')}\n`);
    await plain(wt, ['status']);
    expect(await markers()).toEqual(['fsmonitor']);
    await rm(path.join(marks, 'fsmonitor'));

    await expect(worktreeGit(wt, root)).rejects.toThrow(
      `refusing to run git in the worktree ${wt}: ${path.join(wt, '.git')} points to ${path.join(other, '.git')}`,
    );
    expect(await markers()).toEqual([]);
  });

  it('a symlink instead of a file, or a gitdir outside .git/worktrees/: refused', async () => {
    const gitdir = (await readFile(path.join(wt, '.git'), 'utf8')).replace(/^gitdir: /, '').trim();
    await rm(path.join(wt, '.git'));
    await symlink(gitdir, path.join(wt, '.git'));
    await expect(worktreeGit(wt, root)).rejects.toThrow('is not a regular file');
    await rm(path.join(wt, '.git'));
    await writeFile(path.join(wt, '.git'), `gitdir: ${path.join(root, '.git')}\n`);
    await expect(worktreeGit(wt, root)).rejects.toThrow(
      `points to ${path.join(root, '.git')}, outside ${path.join(await realpath(path.join(root, '.git')), 'worktrees')}`,
    );
  });

  it('an intact worktree is accepted and git runs on the checked gitdir', async () => {
    const inWt = await worktreeGit(wt, root);
    expect((await inWt(['rev-parse', '--show-toplevel'])).stdout.trim()).toBe(wt);
  });
});
