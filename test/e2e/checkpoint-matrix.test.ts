/**
 * Checkpoints on the git set-ups people have: the built binary runs a chain through implementation
 * (a scripted model on the fake Messages API writes a real failing test, then a real change) and
 * `rollback`, in each set-up: contexts/ ignored four ways, no .gitignore, no commits, detached
 * HEAD, a subdirectory of a monorepo, a linked worktree, a dirty index (left exactly as it was),
 * paths with spaces and non-ASCII names, a submodule. Cases run a few at a time.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import {
  cliEnv,
  FIXTURE_TEST_COMMAND,
  jsonOut,
  onlyChain,
  runCli,
  TEST_KEY,
  writeUserConfig,
} from '../helpers/e2e.js';
import { startFakeAnthropic } from '../helpers/fake-anthropic.js';
import { createStackModel, type StackScript } from '../helpers/stack-model.js';

const TIMEOUT_MS = 600_000;
const WHO = {
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@x',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@x',
};
const git = async (cwd: string, ...args: string[]) =>
  (await execa('git', ['-c', 'protocol.file.allow=always', ...args], { cwd, env: WHO, stdin: 'ignore' }))
    .stdout;

/** At most this many chains at once (the machine is shared). */
let free = 3;
const waiting: (() => void)[] = [];
async function slot<T>(fn: () => Promise<T>): Promise<T> {
  while (free === 0) await new Promise<void>((r) => waiting.push(r));
  free--;
  try {
    return await fn();
  } finally {
    free++;
    waiting.shift()?.();
  }
}

const LIB = 'export function twice(n) {\n  return 2 * n;\n}\n';
const BASE_TEST =
  "import assert from 'node:assert/strict';\nimport { it } from 'node:test';\nimport { twice } from '../lib.js';\n\nit('twice doubles', () => assert.equal(twice(2), 4));\n";
const PKG = JSON.stringify(
  { name: 'tiny', version: '1.0.0', type: 'module', scripts: { test: 'node --test' } },
  null,
  2,
);

/** The model's script: a test for add() in `testPath`, then add() in lib.js (an existing file). */
function script(testPath: string): StackScript {
  return {
    criteria: ['WHEN add(a, b) is called THE SYSTEM SHALL return a + b'],
    solution: `Add add()\n\nadd(a, b) in lib.js; tests first in ${testPath}.`,
    tests: [
      {
        path: testPath,
        content: `import assert from 'node:assert/strict';\nimport { it } from 'node:test';\nimport { add } from '${path.posix.relative(path.posix.dirname(testPath), 'lib.js').replace(/^(?!\.)/, './')}';\n\nit('AC1 add sums', () => assert.equal(add(2, 3), 5));\n`,
      },
    ],
    implementation: [
      { path: 'lib.js', content: `${LIB}\nexport function add(a, b) {\n  return a + b;\n}\n` },
    ],
  };
}

/** The tiny project's files under `dir`. */
async function project(dir: string): Promise<void> {
  await mkdir(path.join(dir, 'test'), { recursive: true });
  await writeFile(path.join(dir, 'package.json'), PKG);
  await writeFile(path.join(dir, 'lib.js'), LIB);
  await writeFile(path.join(dir, 'test', 'base.test.js'), BASE_TEST);
}

interface Case {
  name: string;
  /** Builds the set-up under `tmp`; returns the workspace the chain runs in. */
  setup(tmp: string): Promise<string>;
  testPath?: string;
  /** Extra checks after the chain (`phase: 'after-run'`) and after rollback. */
  check?(
    ws: string,
    phase: 'before' | 'after-run' | 'after-rollback',
    seen: Map<string, string>,
  ): Promise<void>;
}

/** A repository at `tmp/repo` with the project and `gitignore` (null: none), committed. */
async function repoWith(tmp: string, gitignore: string | null): Promise<string> {
  const ws = path.join(tmp, 'repo');
  await project(ws);
  if (gitignore !== null) await writeFile(path.join(ws, '.gitignore'), gitignore);
  await git(ws, 'init', '-q', '-b', 'main');
  await git(ws, 'add', '-A');
  await git(ws, 'commit', '-q', '-m', 'init');
  return ws;
}

const CASES: Case[] = [
  ...['contexts/', 'contexts', '/contexts/*', '**/contexts'].map((pattern) => ({
    name: `.gitignore holds ${pattern}`,
    setup: (tmp: string) => repoWith(tmp, `node_modules\n${pattern}\n`),
  })),
  { name: 'no .gitignore', setup: (tmp) => repoWith(tmp, null) },
  {
    name: 'a repository with no commits',
    setup: async (tmp) => {
      const ws = path.join(tmp, 'repo');
      await project(ws);
      await git(ws, 'init', '-q', '-b', 'main');
      return ws;
    },
  },
  {
    name: 'detached HEAD',
    setup: async (tmp) => {
      const ws = await repoWith(tmp, 'contexts/\n');
      await git(ws, 'checkout', '-q', '--detach', 'HEAD');
      return ws;
    },
    check: async (ws, phase) => {
      if (phase !== 'before') expect(await git(ws, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('HEAD');
    },
  },
  {
    name: 'the workspace is a subdirectory of a monorepo',
    setup: async (tmp) => {
      const mono = path.join(tmp, 'mono');
      const ws = path.join(mono, 'packages', 'app');
      await project(ws);
      await writeFile(path.join(mono, 'README.md'), 'mono\n');
      await writeFile(path.join(mono, '.gitignore'), 'contexts/\n');
      await git(mono, 'init', '-q', '-b', 'main');
      await git(mono, 'add', '-A');
      await git(mono, 'commit', '-q', '-m', 'init');
      await writeFile(path.join(mono, 'README.md'), 'mono, edited outside the workspace\n');
      return ws;
    },
    check: async (ws, phase) => {
      // Outside the workspace nothing is snapshotted into the diff or restored.
      if (phase !== 'before')
        expect(await readFile(path.join(ws, '..', '..', 'README.md'), 'utf8')).toBe(
          'mono, edited outside the workspace\n',
        );
    },
  },
  {
    name: 'a linked git worktree',
    setup: async (tmp) => {
      const main = await repoWith(tmp, 'contexts/\n');
      const ws = path.join(tmp, 'linked');
      await git(main, 'worktree', 'add', '-q', '-b', 'feature', ws);
      return ws;
    },
  },
  {
    name: 'a dirty index with staged changes',
    setup: async (tmp) => {
      const ws = await repoWith(tmp, 'contexts/\n');
      await writeFile(path.join(ws, 'notes.txt'), 'staged\n');
      await writeFile(path.join(ws, 'test', 'base.test.js'), `${BASE_TEST}// staged edit\n`);
      await git(ws, 'add', 'notes.txt', 'test/base.test.js');
      await writeFile(path.join(ws, 'notes.txt'), 'staged\nand unstaged on top\n');
      return ws;
    },
    check: async (ws, phase, seen) => {
      const cached = await git(ws, 'diff', '--cached');
      if (phase === 'before') seen.set('cached', cached);
      else expect(cached).toBe(seen.get('cached'));
      if (phase === 'after-rollback')
        expect(await readFile(path.join(ws, 'notes.txt'), 'utf8')).toBe('staged\nand unstaged on top\n');
    },
  },
  {
    name: 'paths with spaces and non-ASCII names',
    setup: async (tmp) => {
      const ws = await repoWith(tmp, 'contexts/\n');
      await mkdir(path.join(ws, 'docs'), { recursive: true });
      await writeFile(path.join(ws, 'docs', 'résumé notes.md'), 'untracked, with a space\n');
      return ws;
    },
    testPath: 'test/añadir suma.test.js',
    check: async (ws, phase) => {
      if (phase !== 'before')
        expect(await readFile(path.join(ws, 'docs', 'résumé notes.md'), 'utf8')).toBe(
          'untracked, with a space\n',
        );
      if (phase === 'after-run') expect(existsSync(path.join(ws, 'test', 'añadir suma.test.js'))).toBe(true);
    },
  },
  {
    name: 'a submodule',
    setup: async (tmp) => {
      const dep = await repoWith(path.join(tmp, 'dep-src'), null);
      const ws = await repoWith(tmp, 'contexts/\n');
      await git(ws, 'submodule', 'add', '-q', dep, 'vendor/dep');
      await git(ws, 'commit', '-q', '-m', 'add the submodule');
      await writeFile(path.join(ws, 'vendor', 'dep', 'lib.js'), '// edited inside the submodule\n');
      return ws;
    },
    check: async (ws, phase) => {
      if (phase !== 'before')
        expect(await readFile(path.join(ws, 'vendor', 'dep', 'lib.js'), 'utf8')).toBe(
          '// edited inside the submodule\n',
        );
    },
  },
];

describe.concurrent('a chain through implementation and rollback, on every git set-up', () => {
  for (const c of CASES) {
    it(
      c.name,
      () =>
        slot(async () => {
          const tmp = await realpath(await mkdtemp(path.join(os.tmpdir(), 'claude-exec-matrix-')));
          const testPath = c.testPath ?? 'test/add.test.js';
          const model = createStackModel(script(testPath));
          const server = await startFakeAnthropic({ responder: model.responder });
          try {
            const ws = await c.setup(tmp);
            const seen = new Map<string, string>();
            await c.check?.(ws, 'before', seen);
            const env = cliEnv({ ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: TEST_KEY });
            // The project's test script itself, without npm's start in front of every test run.
            writeUserConfig(env, { test_command: FIXTURE_TEST_COMMAND });
            const r = await runCli(['--yes', 'Add an add function to lib.js'], ws, env);
            expect(r.exitCode, r.stderr).toBe(0);
            const { ctx } = await onlyChain(ws);
            expect(ctx.status).toBe('complete');
            expect(ctx.checkpoints.map((k) => k.git_ref)).toEqual([
              `refs/claude-exec/chain-${ctx.chain_id}/pre-implementation`,
            ]);
            expect(await readFile(path.join(ws, 'lib.js'), 'utf8')).toContain('export function add');
            // The checkpoint never holds the chain's own state.
            expect(
              await git(ws, 'ls-tree', '-r', '--name-only', ctx.checkpoints[0]!.git_ref, '--', '.'),
            ).not.toMatch(/(^|\/)contexts\//m);
            await c.check?.(ws, 'after-run', seen);

            const back = await runCli(['rollback', ctx.chain_id, '--yes', '--json'], ws, env);
            expect(back.exitCode, back.stderr).toBe(0);
            expect(jsonOut(back)).toMatchObject({
              from: 'git',
              restored: ['lib.js'],
              removed: [testPath],
              changed: [],
            });
            expect(await readFile(path.join(ws, 'lib.js'), 'utf8')).toBe(LIB);
            expect(existsSync(path.join(ws, testPath))).toBe(false);
            await c.check?.(ws, 'after-rollback', seen);
          } finally {
            await server.close();
            await rm(tmp, { recursive: true, force: true });
          }
        }),
      TIMEOUT_MS,
    );
  }
});
