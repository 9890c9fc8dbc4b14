/**
 * End to end: `claude-exec demo` with no key and no ANTHROPIC_* set (and with a key and a base
 * URL set, which it must ignore): the whole main job on the bundled sample app against the
 * built-in scripted model, the app's own tests red after the test is written and green after
 * the code, the chain labelled demo, and the end saying where the workspace and context are.
 */
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeServer } from '../helpers/fake-anthropic.js';
import { cliEnv, readContext, runCli, TEST_KEY } from '../helpers/e2e.js';
import { tempDir } from '../helpers/prompt-files.js';

const E2E_TIMEOUT_MS = 180_000;
let decoy: FakeServer;

beforeAll(async () => {
  decoy = await startFakeAnthropic({
    responder: () => ({ fault: { status: 500, message: 'the demo must not call me' } }),
  });
});
afterAll(async () => decoy.close());

describe('claude-exec demo', () => {
  it(
    'runs the whole flow with nothing set up: red, then green, labelled demo, no call leaves the process',
    async () => {
      const dir = await tempDir('claude-exec-demo-e2e-');
      const r = await runCli(
        ['demo', '--cwd', dir, '--json'],
        dir,
        cliEnv({ ANTHROPIC_BASE_URL: decoy.url, ANTHROPIC_API_KEY: TEST_KEY }),
      );
      expect(r.exitCode, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out).toMatchObject({
        schema: 'claude-exec/demo@1',
        status: 'complete',
        model: 'demo',
        billing: 'demo',
        cost_usd: null,
        workspace: dir,
        error: null,
      });
      expect(out.files_modified).toEqual(['test/rate-limit.test.js', 'src/rate-limit.js', 'src/app.js']);
      expect(out.calls).toBeGreaterThan(10);
      expect(decoy.requests).toHaveLength(0);

      // The suite went red after the test was written, then green after the code, with the runner's counts.
      // Red: the new test file imports the limiter that does not exist yet, so it is a unit that did not build.
      const baseline = r.stderr.indexOf('tests: green — 0 failed, 3 passed (node:test)');
      const red = r.stderr.indexOf(
        'tests: red — 0 failed, 3 passed, 1 did not build (node:test); did not build: test/rate-limit.test.js',
      );
      const green = r.stderr.indexOf('tests: green — 0 failed, 7 passed (node:test)');
      expect(baseline).toBeGreaterThan(0);
      expect(red).toBeGreaterThan(baseline);
      expect(green).toBeGreaterThan(red);
      const ctx = readContext(out.file);
      expect(ctx.calls.every((c) => c.model === 'demo' && c.cost_usd === null)).toBe(true);
      expect(ctx.steps.find((s) => s.prompt === 'test_generator')?.summary).toMatch(/red as expected/);
      expect(ctx.questions.map((q) => q.answered_by)).toEqual(['assumed', 'assumed']);

      // The workspace is real: its own test command passes with the new tests in it.
      const suite = await execa('node', ['--test'], { cwd: dir, reject: false });
      expect(suite.exitCode, suite.stdout).toBe(0);
      expect(suite.stdout).toMatch(/# pass 7\b/);
      expect(readFileSync(`${dir}/src/app.js`, 'utf8')).toContain(
        "import { createRateLimiter } from './rate-limit.js';",
      );

      // The end says where everything is; cost is shown as demo, not $0.
      expect(r.stderr).toContain(`workspace:    ${dir}`);
      expect(r.stderr).toContain(`context file: ${out.file}`);
      const cost = await runCli(['--cwd', dir, 'chain-cost', out.chain_id], dir, cliEnv({}));
      expect(cost.stdout).toContain('Estimated cost: demo');
      expect(cost.stdout).not.toContain('$0.0000');
      // status counts in words a reader would write: "1 prompt", not "1 prompts".
      const status = await runCli(['--cwd', dir, 'status', out.chain_id], dir, cliEnv({}));
      expect(status.stdout).toMatch(/^✓ solution-approval \(\d+ s, 1 prompt\) — /m);
      expect(status.stdout).toMatch(/^✓ implementation \(\d+ s, \d+ prompts\) — /m);
      expect(status.stdout).toContain(`tokens in ${out.calls} calls`);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'refuses a --cwd that is not empty and holds no demo chain (exit 2), and copies nothing',
    async () => {
      const dir = await tempDir('claude-exec-demo-full-');
      await execa('sh', ['-c', 'echo keep > mine.txt'], { cwd: dir });
      const r = await runCli(['demo', '--cwd', dir], dir, cliEnv({}));
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toContain('is not empty');
      expect((await execa('ls', ['-A'], { cwd: dir })).stdout).toBe('mine.txt');
    },
    E2E_TIMEOUT_MS,
  );
});
