/**
 * End to end on three stacks: the built binary, a scripted model on the fake Messages
 * API that writes a REAL failing test and then a REAL implementation, on an Express app (node:test
 * through `npm test`), a pytest package (without git, with a failing test older than the chain)
 * and a Go module (also one with a package that does not build and 300 passing tests). Checked: the detected test command, the baseline, red → green in test_runs with
 * the runner's counts, the spec with every criterion linked to its tests, the printed readiness
 * checklist, what reached the prompts; no test command → a question (exit 3) answered; the
 * iteration cap → `resume --more-iterations`; rollback in git and non-git workspaces; the failures
 * (name, message, file:line) in the requests, once, and units that did not build judged by name.
 * A stack whose toolchain is missing is skipped, saying why.
 */
import { execaSync } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ChainContext } from '../../src/chain/schema.js';
import {
  cliEnv,
  jsonOut,
  onlyChain,
  runCli,
  TEST_KEY,
  trustWorkspace,
  type CliResult,
} from '../helpers/e2e.js';
import { startFakeAnthropic, type RecordedRequest } from '../helpers/fake-anthropic.js';
import { createStackModel, type StackModel, type StackScript } from '../helpers/stack-model.js';
import { gitIn, makeTempWorkspace } from '../helpers/workspace.js';

const E2E_TIMEOUT_MS = 300_000;
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

function has(cmd: string, args: string[]): boolean {
  try {
    return execaSync(cmd, args, { reject: false, stdin: 'ignore' }).exitCode === 0;
  } catch {
    return false;
  }
}
const GO = has('go', ['version']);
const PYTEST = has('python3', ['-m', 'pytest', '--version']);
if (!GO)
  console.log('stacks.test.ts: skipping the Go module: `go` is not installed (apt-get install golang-go)');
if (!PYTEST)
  console.log(
    'stacks.test.ts: skipping the pytest package: `python3 -m pytest` is not available (apt-get install python3-pytest)',
  );

interface World {
  root: string;
  model: StackModel;
  /** Every request the fake Messages API received, as sent. */
  requests: RecordedRequest[];
  run(...args: string[]): Promise<CliResult>;
  close(): Promise<void>;
}

/** A fake API playing `script`, in `root` (a temporary workspace). */
async function world(
  root: string,
  script: StackScript,
  cleanup: () => Promise<void>,
  opts: { trust?: boolean } = {},
): Promise<World> {
  const model = createStackModel(script);
  const server = await startFakeAnthropic({ responder: model.responder });
  const env = cliEnv({ ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: TEST_KEY });
  // The workspace's config file is the test's own.
  if (opts.trust) trustWorkspace(root, env);
  return {
    root,
    model,
    requests: server.requests,
    run: (...args) => runCli(args, root, env),
    close: async () => {
      await server.close();
      await cleanup();
    },
  };
}

async function copyFixture(
  name: string,
  git: boolean,
): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await realpath(await mkdtemp(path.join(os.tmpdir(), `claude-exec-${name}-`)));
  await cp(path.join(FIXTURES, name), root, { recursive: true });
  if (git) {
    for (const args of [
      ['init', '-q', '-b', 'main'],
      ['config', 'user.name', 'Test'],
      ['config', 'user.email', 'test@example.com'],
      ['config', 'commit.gpgsign', 'false'],
      ['add', '-A'],
      ['commit', '-q', '-m', 'init'],
    ])
      await gitIn(root, args);
  }
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** The requests of one prompt, in order. */
const asked = (m: StackModel, prompt: string) => m.turns.filter((t) => t.prompt === prompt);
const runsOf = (ctx: ChainContext) => ctx.test_runs.map((t) => `${t.expect}:${t.verdict}`);

const EXPRESS: StackScript = {
  criteria: [
    'WHEN GET /api/health is requested THE SYSTEM SHALL answer 200 with {"status":"ok"}',
    'WHEN GET /api/health is requested THE SYSTEM SHALL not require a session',
  ],
  solution:
    'Add GET /api/health\n\nA route in src/app.js answering 200 {"status":"ok"} before any session check; tests first in test/health.test.js.',
  tests: [
    {
      path: 'test/health.test.js',
      content: `import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createApp } from '../src/app.js';

let server;
let base;
before(async () => {
  server = createApp({ sessionSecret: 'test-secret' }).listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  base = \`http://127.0.0.1:\${server.address().port}\`;
});
after(() => new Promise((resolve) => server.close(resolve)));

it('AC1: GET /api/health answers 200 with status ok', async () => {
  const res = await fetch(base + '/api/health');
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: 'ok' });
});

it('AC2: GET /api/health needs no session cookie', async () => {
  const res = await fetch(base + '/api/health', { headers: { cookie: '' } });
  assert.equal(res.status, 200);
});
`,
    },
  ],
  implementation: [],
};

/** The Express fixture's app.js with a health route added before the other routes. */
function expressWithHealth(root: string, body = "res.json({ status: 'ok' })"): string {
  const app = readFileSync(path.join(root, 'src', 'app.js'), 'utf8');
  return app.replace(
    "  app.post('/api/register'",
    `  app.get('/api/health', (req, res) => ${body});\n\n  app.post('/api/register'`,
  );
}

describe.concurrent('implementation on three stacks (built binary, scripted model writing real code)', () => {
  it(
    'Express app (git): npm test detected, green baseline, red → green with node:test counts, spec linking AC1/AC2, readiness printed, rollback in the right workspace only',
    async () => {
      const ws = await makeTempWorkspace();
      const script: StackScript = {
        ...EXPRESS,
        implementation: [{ path: 'src/app.js', content: expressWithHealth(ws.root) }],
      };
      const w = await world(ws.root, script, () => ws.cleanup());
      try {
        const r = await w.run('--yes', 'Add a GET /api/health endpoint that needs no login');
        expect(r.exitCode, r.stderr).toBe(0);
        expect(r.stderr).toContain('test command: npm test (from package.json scripts.test)');
        const { ctx, file } = await onlyChain(ws.root);
        expect(ctx.status).toBe('complete');
        expect(ctx.test_command).toEqual({ argv: ['npm', 'test'], source: 'package.json scripts.test' });
        expect(runsOf(ctx)).toEqual(['baseline:green', 'red:red', 'green:green']);
        const [baseline, red, green] = ctx.test_runs;
        expect(baseline!.counts).toEqual({ runner: 'node:test', passed: 5, failed: 0, skipped: 0 });
        expect(red!.counts).toMatchObject({ runner: 'node:test', failed: 2, passed: 5 });
        expect(red!.failing).toEqual(
          expect.arrayContaining([
            'AC1: GET /api/health answers 200 with status ok',
            'AC2: GET /api/health needs no session cookie',
          ]),
        );
        expect(green!.counts).toEqual({ runner: 'node:test', passed: 7, failed: 0, skipped: 0 });
        expect(green!.argv).toEqual(['npm', 'test']);
        expect(green!.iteration).toBe(1);
        expect(green!.duration_ms).toBeGreaterThan(0);

        // What reached the prompts: the detected command, and the red run's failures as feedback.
        const tdd = asked(w.model, 'tdd_flow_controller')[0]!;
        expect(tdd.instructions).toContain('**Test command:** `npm test`');
        expect(tdd.instructions).toMatch(/<test_output[^>]*>[\s\S]*AC1: GET \/api\/health answers 200/);
        expect(asked(w.model, 'test_generator')[0]!.instructions).toContain('The chain runs `npm test`');

        // The spec beside the context file: both criteria linked to their tests with red → green runs.
        const specFile = file.replace(/\.json$/, '.md');
        const spec = await readFile(specFile, 'utf8');
        expect(spec).toMatch(/\*\*AC1\*\* — WHEN GET \/api\/health is requested THE SYSTEM SHALL answer 200/);
        expect(spec).toContain(
          '`AC1: GET /api/health answers 200 with status ok (test/health.test.js)` — red at run 2 → green at run 3',
        );
        expect(spec).toContain(
          '`AC2: GET /api/health needs no session cookie (test/health.test.js)` — red at run 2 → green at run 3',
        );
        expect(spec).not.toContain('no test names this criterion');
        expect(spec).toContain('## Readiness');
        expect(existsSync(file.replace(/\.json$/, '.pr.md'))).toBe(true);
        // The readiness checklist on stdout, with the next command.
        expect(r.stdout).toContain('Readiness: READY');
        expect(r.stdout).toContain('- [x] tests: PASS — npm test: green — 0 failed, 7 passed (node:test)');
        expect(r.stdout).toContain('- [x] breaking changes: PASS — additive only');
        expect(r.stdout).toContain('- [-] feature flag: N/A — a small additive change');
        expect(r.stdout).toMatch(/next: claude-exec diff 001 /);
        // diff ID: the changed file and the new test file, which `git diff REF` would not show.
        const d = await w.run('diff', ctx.chain_id, '--json');
        expect(d.exitCode, d.stderr).toBe(0);
        const diffDoc = jsonOut(d) as {
          from: string;
          files: { path: string; status: string; by_chain: boolean; insertions: number }[];
          patch: string;
        };
        expect(diffDoc.from).toBe('git');
        expect(diffDoc.files.map((f) => [f.path, f.status, f.by_chain]).sort()).toEqual([
          ['src/app.js', 'modified', true],
          ['test/health.test.js', 'added', true],
        ]);
        expect(diffDoc.patch).toContain('+++ b/test/health.test.js');
        expect(diffDoc.patch).not.toContain('contexts/');
        const stat = await w.run('diff', ctx.chain_id, '--stat');
        expect(stat.stdout).toMatch(/test\/health\.test\.js +\| \+\d+ -0 \(added\)/);

        // spec ID prints the same criteria; --json lists none uncovered.
        const s = await w.run('spec', ctx.chain_id, '--json');
        expect(s.exitCode, s.stderr).toBe(0);
        expect(jsonOut(s)).toMatchObject({
          path: specFile,
          written: true,
          uncovered: [],
          readiness: { passed: true },
        });

        // Rollback: refused elsewhere, listed and refused without --yes, done with it.
        const other = await mkdtemp(path.join(os.tmpdir(), 'claude-exec-other-'));
        const elsewhere = await w.run(
          '--cwd',
          other,
          'rollback',
          ctx.chain_id,
          '--contexts',
          path.join(ws.root, 'contexts'),
        );
        expect(elsewhere.exitCode).toBe(2);
        expect(elsewhere.stderr).toContain(
          `chain 001 ran in ${ws.root}, not in ${other}: nothing was restored`,
        );
        await rm(other, { recursive: true, force: true });
        const unconfirmed = await w.run('rollback', ctx.chain_id);
        expect(unconfirmed.exitCode).toBe(2);
        expect(unconfirmed.stderr).toContain('  restore src/app.js');
        expect(unconfirmed.stderr).toContain('  remove  test/health.test.js (created by the chain)');
        expect(unconfirmed.stderr).toContain('confirm with --yes');
        expect(readFileSync(path.join(ws.root, 'src', 'app.js'), 'utf8')).toContain('/api/health');
        const done = await w.run('rollback', ctx.chain_id, '--yes', '--json');
        expect(done.exitCode, done.stderr).toBe(0);
        expect(jsonOut(done)).toMatchObject({
          from: 'git',
          workspace: ws.root,
          restored: ['src/app.js'],
          removed: ['test/health.test.js'],
        });
        expect(await gitIn(ws.root, ['status', '--porcelain', '--', 'src', 'test'])).toBe('');
        // The checkpoint never held the chain's own state.
        const tree = await gitIn(ws.root, [
          'ls-tree',
          '-r',
          '--name-only',
          'refs/claude-exec/chain-001/pre-implementation',
        ]);
        expect(tree).not.toMatch(/^contexts\//m);
      } finally {
        await w.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it.skipIf(!PYTEST)(
    'pytest package without git: pytest detected from pyproject.toml, a red baseline reported and judged against, originals kept and rolled back',
    async () => {
      const fx = await copyFixture('pytest-pkg', false);
      const script: StackScript = {
        criteria: [
          'WHEN truncate(text, n) gets a text longer than n THE SYSTEM SHALL return its first n characters followed by "…"',
          'WHEN truncate(text, n) gets a text of at most n characters THE SYSTEM SHALL return it unchanged',
        ],
        solution:
          'Add textkit.truncate\n\nA function in textkit/truncate.py, exported from textkit; tests first in tests/test_truncate.py.',
        tests: [
          {
            path: 'tests/test_truncate.py',
            content:
              'from textkit import truncate\n\n\n' +
              'def test_ac1_cuts_long_text():\n' +
              '    assert truncate("abcdef", 3) == "abc…"\n\n\n' +
              'def test_ac2_keeps_short_text():\n' +
              '    assert truncate("abc", 3) == "abc"\n',
          },
        ],
        implementation: [
          {
            path: 'textkit/truncate.py',
            content:
              'def truncate(text: str, n: int) -> str:\n    """The first n characters of text, with "…" when it was longer."""\n    return text if len(text) <= n else text[:n] + "…"\n',
          },
          {
            path: 'textkit/__init__.py',
            content: `${readFileSync(path.join(FIXTURES, 'pytest-pkg', 'textkit', '__init__.py'), 'utf8')}\nfrom .truncate import truncate  # noqa: E402\n`,
          },
        ],
      };
      const w = await world(fx.root, script, fx.cleanup);
      try {
        const r = await w.run('--yes', 'Add a truncate helper to textkit');
        expect(r.exitCode, r.stderr).toBe(0);
        expect(r.stderr).toContain('test command: python3 -m pytest (from pyproject.toml)');
        expect(r.stderr).toContain(
          'the baseline is red before any change: red — 1 failed, 1 passed (pytest); failing: tests/test_slugify.py::test_slugify_legacy_unicode',
        );
        expect(r.stderr).toContain('original of every file the chain changes is kept');
        const { ctx } = await onlyChain(fx.root);
        expect(ctx.status).toBe('complete');
        expect(runsOf(ctx)).toEqual(['baseline:red', 'red:red', 'green:no-new-failures']);
        const green = ctx.test_runs[2]!;
        expect(green.counts).toEqual({ runner: 'pytest', passed: 3, failed: 1, skipped: 0 });
        expect(green.failing).toEqual(['tests/test_slugify.py::test_slugify_legacy_unicode']);
        expect(green.new_failures).toEqual([]);
        // The red baseline was shown at the approval gate, before it was approved.
        const gate = r.stderr.indexOf('- Baseline, before any change: RED — 1 failed, 1 passed (pytest)');
        expect(gate).toBeGreaterThan(0);
        expect(gate).toBeLessThan(r.stderr.indexOf('solution approved with --yes'));
        // Never reported as green: the checklist says the old failure is still there.
        expect(r.stdout).toContain(
          '- [~] tests: WARN — python3 -m pytest: no-new-failures — 1 failed, 3 passed (pytest); ' +
            'failing: tests/test_slugify.py::test_slugify_legacy_unicode — 1 failing already in the ' +
            'baseline, not fixed by this change',
        );
        const spec = (await w.run('spec', ctx.chain_id)).stdout;
        // The red run failed at collection (textkit has no truncate yet): the file did not build, its tests are red with it.
        expect(ctx.test_runs[1]).toMatchObject({
          failing: [],
          broken: ['tests/test_truncate.py'],
          new_failures: ['tests/test_truncate.py (did not build)'],
        });
        expect(ctx.test_runs[1]!.failures[0]).toMatchObject({
          kind: 'build',
          name: 'tests/test_truncate.py',
          message: expect.stringContaining("ImportError: cannot import name 'truncate' from 'textkit'"),
        });
        expect(spec).toContain(
          '`test_ac1_cuts_long_text (tests/test_truncate.py)` — red at run 2 → green at run 3',
        );
        expect(spec).toContain(
          '`test_ac2_keeps_short_text (tests/test_truncate.py)` — red at run 2 → green at run 3',
        );
        expect(ctx.originals).toEqual(
          expect.arrayContaining([
            { path: 'tests/test_truncate.py', existed: false },
            { path: 'textkit/__init__.py', existed: true },
            { path: 'textkit/truncate.py', existed: false },
          ]),
        );

        // diff ID without git: from the originals kept.
        const d = await w.run('diff', ctx.chain_id, '--json');
        expect(d.exitCode, d.stderr).toBe(0);
        const diffDoc = jsonOut(d) as {
          from: string;
          files: { path: string; status: string }[];
          patch: string;
        };
        expect(diffDoc.from).toBe('originals');
        expect(diffDoc.files.map((f) => [f.path, f.status]).sort()).toEqual([
          ['tests/test_truncate.py', 'added'],
          ['textkit/__init__.py', 'modified'],
          ['textkit/truncate.py', 'added'],
        ]);
        expect(diffDoc.patch).toContain('+from .truncate import truncate');

        const back = await w.run('rollback', ctx.chain_id, '--yes');
        expect(back.exitCode, back.stderr).toBe(0);
        expect(back.stdout).toContain('restored 1 file(s), removed 2 new file(s)');
        expect(back.stdout).toContain('.before-rollback');
        expect(await readFile(path.join(fx.root, 'textkit', '__init__.py'), 'utf8')).toBe(
          readFileSync(path.join(FIXTURES, 'pytest-pkg', 'textkit', '__init__.py'), 'utf8'),
        );
        expect(existsSync(path.join(fx.root, 'textkit', 'truncate.py'))).toBe(false);
        expect(existsSync(path.join(fx.root, 'tests', 'test_truncate.py'))).toBe(false);
      } finally {
        await w.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it.skipIf(!GO)(
    'Go module: go test -json ./... detected from go.mod, red → green with the failing Go test named',
    async () => {
      const fx = await copyFixture('go-mod', true);
      const script: StackScript = {
        criteria: [
          'WHEN Mean gets numbers THE SYSTEM SHALL return their arithmetic mean',
          'WHEN Mean gets no numbers THE SYSTEM SHALL return 0',
        ],
        solution: 'Add calc.Mean\n\nA function in calc/mean.go; tests first in calc/mean_test.go.',
        tests: [
          {
            path: 'calc/mean_test.go',
            content:
              'package calc\n\n' +
              'import "testing"\n\n' +
              'func TestAC1MeanOfNumbers(t *testing.T) {\n' +
              '\tif got := Mean(1, 2, 3, 4); got != 2.5 {\n' +
              '\t\tt.Fatalf("Mean = %v, want 2.5", got)\n' +
              '\t}\n' +
              '}\n\n' +
              'func TestAC2MeanOfNothing(t *testing.T) {\n' +
              '\tif got := Mean(); got != 0 {\n' +
              '\t\tt.Fatalf("Mean() = %v, want 0", got)\n' +
              '\t}\n' +
              '}\n',
          },
        ],
        // A first mean that compiles but is wrong, so that the red run names the failing tests.
        implementation: [
          {
            path: 'calc/mean.go',
            content:
              'package calc\n\n' +
              '// Mean is the arithmetic mean of xs (0 for none).\n' +
              'func Mean(xs ...int) float64 {\n' +
              '\tif len(xs) == 0 {\n' +
              '\t\treturn 0\n' +
              '\t}\n' +
              '\treturn float64(Sum(xs...)) / float64(len(xs))\n' +
              '}\n',
          },
        ],
      };
      script.tests.push({
        path: 'calc/mean.go',
        content: 'package calc\n\n// Mean is not written yet.\nfunc Mean(xs ...int) float64 { return -1 }\n',
      });
      const w = await world(fx.root, script, fx.cleanup);
      try {
        const r = await w.run('--yes', 'Add a Mean function to calc');
        expect(r.exitCode, r.stderr).toBe(0);
        expect(r.stderr).toContain('test command: go test -json ./... (from go.mod)');
        const { ctx } = await onlyChain(fx.root);
        expect(runsOf(ctx)).toEqual(['baseline:green', 'red:red', 'green:green']);
        expect(ctx.test_runs[1]!.counts).toMatchObject({ runner: 'go test', failed: 2 });
        expect(ctx.test_runs[1]!.failing).toEqual(['TestAC1MeanOfNumbers', 'TestAC2MeanOfNothing']);
        const spec = await w.run('spec', ctx.chain_id, '--json');
        expect(jsonOut(spec)).toMatchObject({ uncovered: [] });
        expect(r.stdout).toContain(
          '- [x] tests: PASS — go test -json ./...: green — 0 failed, 3 passed (go test)',
        );
      } finally {
        await w.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it.skipIf(!GO)(
    'Go module with a package that does not build and 300 passing tests: the build failure is ' +
      'a failure by name, the request carries the failing test, not the passing tail, and ' +
      'correct code is no-new-failures',
    async () => {
      const fx = await copyFixture('go-mod', true);
      // Before the chain: a package that does not build, and a package with 300 passing tests.
      await mkdir(path.join(fx.root, 'legacy'));
      await writeFile(
        path.join(fx.root, 'legacy', 'legacy.go'),
        'package legacy\n\n// Price does not compile yet.\nfunc Price() int {\n\tvar s string = 3\n\treturn s\n}\n',
      );
      await writeFile(
        path.join(fx.root, 'legacy', 'legacy_test.go'),
        'package legacy\n\nimport "testing"\n\nfunc TestPrice(t *testing.T) {\n\tif Price() != 3 {\n\t\tt.Fatal("price")\n\t}\n}\n',
      );
      await mkdir(path.join(fx.root, 'orders'));
      await writeFile(
        path.join(fx.root, 'orders', 'orders.go'),
        'package orders\n\n// Twice doubles n.\nfunc Twice(n int) int { return n * 2 }\n',
      );
      const cases = Array.from(
        { length: 300 },
        (_, i) =>
          `func TestCase${String(i + 1).padStart(3, '0')}(t *testing.T) {\n\tif Twice(${i}) != ${2 * i} {\n\t\tt.Fatal("twice")\n\t}\n}\n`,
      );
      await writeFile(
        path.join(fx.root, 'orders', 'orders_test.go'),
        `package orders\n\nimport "testing"\n\n${cases.join('\n')}`,
      );
      for (const args of [
        ['add', '-A'],
        ['commit', '-q', '-m', 'legacy and orders'],
      ])
        await gitIn(fx.root, args);
      const script: StackScript = {
        criteria: ['WHEN Mean gets numbers THE SYSTEM SHALL return their arithmetic mean'],
        solution: 'Add calc.Mean\n\nA function in calc/mean.go; tests first in calc/mean_test.go.',
        tests: [
          {
            path: 'calc/mean_test.go',
            content:
              'package calc\n\nimport "testing"\n\nfunc TestAC1MeanOfNumbers(t *testing.T) {\n\tif got := Mean(1, 2, 3, 4); got != 2.5 {\n\t\tt.Fatalf("Mean = %v, want 2.5", got)\n\t}\n}\n',
          },
          {
            path: 'calc/mean.go',
            content:
              'package calc\n\n// Mean is not written yet.\nfunc Mean(xs ...int) float64 { return -1 }\n',
          },
        ],
        implementation: [
          {
            path: 'calc/mean.go',
            content:
              'package calc\n\n' +
              '// Mean is the arithmetic mean of xs (0 for none).\n' +
              'func Mean(xs ...int) float64 {\n' +
              '\tif len(xs) == 0 {\n' +
              '\t\treturn 0\n' +
              '\t}\n' +
              '\treturn float64(Sum(xs...)) / float64(len(xs))\n' +
              '}\n',
          },
        ],
      };
      const w = await world(fx.root, script, fx.cleanup);
      try {
        const r = await w.run('--yes', 'Add a Mean function to calc');
        expect(r.exitCode, r.stderr).toBe(0);
        const { ctx } = await onlyChain(fx.root);
        // The baseline is red by the package that does not build, named; after correct code only it is left.
        expect(runsOf(ctx)).toEqual(['baseline:red', 'red:red', 'green:no-new-failures']);
        const [baseline, red, green] = ctx.test_runs;
        expect(baseline).toMatchObject({
          broken: ['example.com/calc/legacy'],
          failing: [],
          counts: { runner: 'go test', passed: 301, failed: 0 },
        });
        expect(baseline!.failures[0]).toMatchObject({
          kind: 'build',
          name: 'example.com/calc/legacy',
          location: 'legacy/legacy.go:5:17',
        });
        expect(red).toMatchObject({
          failing: ['TestAC1MeanOfNumbers'],
          broken: ['example.com/calc/legacy'],
          new_failures: ['TestAC1MeanOfNumbers'],
          counts: { passed: 301, failed: 1 },
        });
        expect(green).toMatchObject({
          failing: [],
          broken: ['example.com/calc/legacy'],
          new_failures: [],
          counts: { passed: 302, failed: 0 },
        });
        expect(r.stderr).toContain(
          'red — 1 failed, 301 passed, 1 did not build (go test); failing: TestAC1MeanOfNumbers; did not build: example.com/calc/legacy',
        );

        // The first implementation request, as the fake API received it: the failing test's message
        // and location, the package that does not build, the summary — once; none of the 300 passing tests.
        const messagesOf = (q: RecordedRequest) =>
          JSON.parse(JSON.stringify((q.body as { messages?: unknown } | null)?.messages ?? [])) as unknown[];
        const first = w.requests.find((q) =>
          JSON.stringify(messagesOf(q)).includes('Prompt: tdd_flow_controller'),
        )!;
        // The text blocks of its messages, as sent.
        const request = JSON.stringify(messagesOf(first)).replace(/\\n/g, '\n');
        expect(request).toContain('FAILED TestAC1MeanOfNumbers — mean_test.go:7');
        expect(request).toContain('Mean = -1, want 2.5');
        expect(request).toContain('DID NOT BUILD example.com/calc/legacy — legacy/legacy.go:5:17');
        expect(request).toContain('Summary: 1 failed, 301 passed, 1 did not build (go test)');
        expect(request.split('Mean = -1, want 2.5')).toHaveLength(2);
        expect(request).not.toContain('TestCase150');
        expect(request).toContain(
          'its failures, with messages and locations, are in the feedback of this request',
        );
      } finally {
        await w.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "no test command (npm's placeholder script): the chain asks before any call (exit 3), `answer` supplies it",
    async () => {
      const ws = await makeTempWorkspace();
      const pkg = JSON.parse(await readFile(path.join(ws.root, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      };
      pkg.scripts.test = 'echo "Error: no test specified" && exit 1';
      await writeFile(path.join(ws.root, 'package.json'), JSON.stringify(pkg, null, 2));
      const script: StackScript = {
        ...EXPRESS,
        implementation: [{ path: 'src/app.js', content: expressWithHealth(ws.root) }],
      };
      const w = await world(ws.root, script, () => ws.cleanup());
      try {
        const r = await w.run('--json', 'Add a GET /api/health endpoint that needs no login');
        expect(r.exitCode, r.stderr).toBe(3);
        expect(w.model.turns).toHaveLength(0);
        const out = jsonOut(r);
        expect(out).toMatchObject({ status: 'awaiting-input', pending: { kind: 'questions' } });
        expect(out.open_questions).toEqual([
          expect.objectContaining({ id: 'test_command', default_answer: 'node --test' }),
        ]);
        expect(r.stderr).toContain('answer 001 --answer test_command=');

        const a = await w.run('answer', '001', '--answer', 'test_command=node --test', '--yes');
        expect(a.exitCode, a.stderr).toBe(0);
        const { ctx } = await onlyChain(ws.root);
        expect(ctx.test_command).toEqual({
          argv: ['node', '--test'],
          source: 'answer to test_command (user)',
        });
        expect(ctx.test_runs.every((t) => t.argv.join(' ') === 'node --test')).toBe(true);
        expect(runsOf(ctx)).toEqual(['baseline:green', 'red:red', 'green:green']);
        expect(asked(w.model, 'tdd_flow_controller')[0]!.instructions).toContain(
          '**Test command:** `node --test`',
        );
      } finally {
        await w.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'the iteration cap: resume alone says so without a call; --more-iterations continues with the last failure as feedback',
    async () => {
      const ws = await makeTempWorkspace();
      await writeFile(
        path.join(ws.root, 'claude-exec.config.json'),
        JSON.stringify({ caps: { implementation_iterations: 1 } }),
      );
      const script: StackScript = {
        ...EXPRESS,
        implementation: [{ path: 'src/app.js', content: expressWithHealth(ws.root) }],
        wrongFirst: {
          times: 1,
          files: [
            {
              path: 'src/app.js',
              content: expressWithHealth(ws.root, "res.status(503).json({ status: 'starting' })"),
            },
          ],
        },
        noTestsFirst: 1,
      };
      const w = await world(ws.root, script, () => ws.cleanup(), { trust: true });
      try {
        const r = await w.run('--yes', 'Add a GET /api/health endpoint that needs no login');
        expect(r.exitCode, r.stderr).toBe(1);
        // test_generator wrote nothing at first: it was told so and asked again.
        const gens = asked(w.model, 'test_generator');
        expect(new Set(gens.map((t) => t.step)).size).toBe(2);
        expect(gens.at(-1)!.instructions).toContain('You wrote no test file');
        expect(r.stderr).toContain('resume 001 --more-iterations 2');
        const calls = w.model.turns.length;

        const again = await w.run('--yes', 'resume', '001');
        expect(again.exitCode).toBe(2);
        expect(again.stderr).toContain('stopped at its cap of implementation iterations');
        expect(again.stderr).toContain('--more-iterations 2');
        expect(w.model.turns).toHaveLength(calls);

        const more = await w.run('--yes', 'resume', '001', '--more-iterations', '1');
        expect(more.exitCode, more.stderr).toBe(0);
        // --more-iterations continues tdd_flow_controller's conversation with the last failure as a new user turn.
        const resumed = w.model.turns.slice(calls).find((t) => t.prompt === 'tdd_flow_controller')!;
        expect(resumed.latest).toMatch(
          /^Next iteration: implementation iteration 2\. <test_output[^>]*>[\s\S]*AC1: GET \/api\/health answers 200/,
        );
        // node:test's assertion and where it failed, first and once.
        expect(resumed.latest).toMatch(
          /<test_output[^>]*>\nFAILED AC1: GET \/api\/health answers 200 with status ok — test\/health\.test\.js:16:\d+\n[\s\S]*503 !== 200/,
        );
        expect(resumed.latest.split('FAILED AC1: GET /api/health answers 200 with status ok')).toHaveLength(
          2,
        );
        expect(resumed.latest).toMatch(
          /FAILED AC2: GET \/api\/health needs no session cookie — test\/health\.test\.js:\d+:\d+\n\s+Expected values to be strictly equal:\s+503 !== 200/,
        );
        // The first run's instructions are still the conversation's first message.
        expect(resumed.instructions).toContain('Prompt: tdd_flow_controller');
        const { ctx } = await onlyChain(ws.root);
        expect(ctx.status).toBe('complete');
        expect(runsOf(ctx)).toEqual(['baseline:green', 'red:red', 'green:red', 'green:green']);
        expect(ctx.machine.extra_iterations).toBe(1);
      } finally {
        await w.close();
      }
    },
    E2E_TIMEOUT_MS,
  );
});
