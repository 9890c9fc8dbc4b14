/**
 * End to end: failures a user can fix are one or two stderr lines with the documented exit code
 * (DESIGN §1), never a stack trace; the API key never leaks.
 */
import { promises as fs } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeServer } from '../helpers/fake-anthropic.js';
import { cliEnv, contextFiles, runCli, TEST_KEY, type CliResult } from '../helpers/e2e.js';
import { fakeChain } from '../helpers/chains.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import { promptMarkdown } from '../helpers/prompt-files.js';
import { createScenario, GOAL } from '../helpers/scenario.js';
import { makeTempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

/** The error lines: those from `claude-exec:` on (progress lines come before). */
function errorLines(r: CliResult): string[] {
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('npm warn'));
  const at = lines.findIndex((l) => l.startsWith('claude-exec: ') || l.startsWith('error: '));
  return at < 0 ? [] : lines.slice(at);
}

function expectCleanError(r: CliResult, code: number, pattern: RegExp): void {
  expect(r.exitCode, r.stderr).toBe(code);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  const lines = errorLines(r);
  expect(lines.length, r.stderr).toBeGreaterThanOrEqual(1);
  expect(lines.length, r.stderr).toBeLessThanOrEqual(2);
  expect(lines.join('\n')).toMatch(pattern);
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

let ws: TempWorkspace;
let server: FakeServer;
let denying: FakeServer;

beforeAll(async () => {
  ws = await makeTempWorkspace();
  server = await startFakeAnthropic({ responder: createScenario().responder });
  denying = await startFakeAnthropic({
    responder: () => ({ fault: { status: 401, message: 'invalid x-api-key' } }),
  });
});

afterAll(async () => {
  await Promise.all([server.close(), denying.close()]);
  await ws.cleanup();
});

describe.concurrent('user-facing errors of the built binary', () => {
  it('no API key and no base URL: exit 2, says which variable to set', async () => {
    const r = await runCli([GOAL], ws.root, cliEnv({}));
    expectCleanError(r, 2, /ANTHROPIC_API_KEY/);
  });

  it('a pasted placeholder key (non-ASCII): exit 2, says to paste the real key, no chain', async () => {
    const own = await makeTempWorkspace({ git: false });
    try {
      const r = await runCli([GOAL], own.root, cliEnv({ ANTHROPIC_API_KEY: 'sk-ant-…' }));
      expectCleanError(r, 2, /ANTHROPIC_API_KEY contains non-ASCII characters — paste the real key/);
      await expect(fs.access(path.join(own.root, 'contexts'))).rejects.toThrow();
    } finally {
      await own.cleanup();
    }
  });

  it('unknown chain id and a malformed one: exit 2', async () => {
    const env = cliEnv({ ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: TEST_KEY });
    expectCleanError(await runCli(['resume', '987'], ws.root, env), 2, /no chain 987/);
    expectCleanError(await runCli(['resume', 'chain-x'], ws.root, env), 2, /not a chain id/);
  });

  it('a bad --until: exit 2 naming the phases, and no chain is created', async () => {
    const env = cliEnv({ ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: TEST_KEY });
    const r = await runCli(['--until', 'deploy', GOAL], ws.root, env);
    expectCleanError(r, 2, /--until "deploy" is not a phase[\s\S]*solution-approval/);
    expect(server.requests.filter((q) => q.path === '/v1/messages')).toHaveLength(0);
  });

  it('an invalid prompt file in the workspace library: exit 2 with file: field: problem', async () => {
    const bad = await makeTempWorkspace({ git: false });
    try {
      await fs.mkdir(path.join(bad.root, 'prompts', 'custom'), { recursive: true });
      await fs.writeFile(
        path.join(bad.root, 'prompts', 'custom', 'token_auditor.md'),
        promptMarkdown({ name: 'token_auditor', cost: 'free' }),
      );
      const r = await runCli(
        ['--trust', GOAL],
        bad.root,
        cliEnv({ ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: TEST_KEY }),
      );
      expectCleanError(r, 2, /token_auditor\.md: cost_estimate: \S/);
      await expect(fs.access(path.join(bad.root, 'contexts'))).rejects.toThrow();
      // prompts list agrees: the file is not merely "left out", every chain refuses to start.
      const list = await runCli(['prompts', 'list'], bad.root, cliEnv({}));
      expect(list.exitCode, list.stderr).toBe(0);
      expect(list.stderr).toContain(
        'warning: 1 invalid prompt file(s), not listed here: prompts/custom/token_auditor.md — every chain refuses to start (exit 2) until they are fixed or removed',
      );
      expect(list.stderr).not.toContain('left out');
    } finally {
      await bad.cleanup();
    }
  });

  it('bad input a new user types: one clear message each, exit 2, no call, no chain', async () => {
    const own = await makeTempWorkspace({ git: false });
    const quiet = await startFakeAnthropic({ responder: createScenario().responder });
    try {
      const env = cliEnv({ ANTHROPIC_BASE_URL: quiet.url, ANTHROPIC_API_KEY: TEST_KEY });
      const cases: [string[], RegExp][] = [
        [['--model', '', GOAL], /--model is empty[\s\S]*leave --model out/],
        [['cost-report', '--top', '0'], /--top must be a positive whole number of rows, got "0"/],
        [['cost-report', '--days', '-3'], /--days must be a positive number of days, got "-3"/],
        [['help', 'nosuch'], /no command "nosuch" in claude-exec/],
        [['help', 'chians'], /no command "chians" in claude-exec — did you mean "chains"\?/],
        [['   '], /the task is empty/],
      ];
      for (const [args, pattern] of cases) expectCleanError(await runCli(args, own.root, env), 2, pattern);

      await fs.writeFile(
        path.join(own.root, 'claude-exec.config.json'),
        JSON.stringify({ test_command: 'npm test' }),
      );
      // The workspace's own config file needs trust before it is read: --trust, then its value is checked.
      expectCleanError(
        await runCli(['--trust', GOAL], own.root, env),
        2,
        /test_command: a list of words, not one string: e\.g\. \["npm","test"\]/,
      );
      await fs.rm(path.join(own.root, 'claude-exec.config.json'));
      expect(quiet.requests.filter((q) => q.path === '/v1/messages')).toHaveLength(0);
      await expect(fs.access(path.join(own.root, 'contexts'))).rejects.toThrow();

      // A prompt neither the library nor the chain knows is a typo, not an empty memory.
      const { file, ctx } = fakeChain({
        n: 1,
        startedAt: new Date('2026-11-20T10:00:00Z'),
        calls: 3,
        table: loadPriceTable(),
      });
      await fs.mkdir(path.join(own.root, 'contexts'));
      await fs.writeFile(
        path.join(own.root, 'contexts', file),
        JSON.stringify({ ...ctx, workspace: own.root }),
      );
      expectCleanError(
        await runCli(['show', '001', '--memory', '--prompt', 'nosuch'], own.root, env),
        2,
        /no prompt named "nosuch"/,
      );
      const known = await runCli(['show', '001', '--memory', '--prompt', 'code_reviewer'], own.root, env);
      expect(known.exitCode, known.stderr).toBe(0);
    } finally {
      await quiet.close();
      await own.cleanup();
    }
  });

  it('an unreachable base URL: exit 5 after the SDK retries, chain saved as failed', async () => {
    const own = await makeTempWorkspace({ git: false });
    try {
      const url = `http://127.0.0.1:${await closedPort()}`;
      const r = await runCli(
        ['--json', GOAL],
        own.root,
        cliEnv({ ANTHROPIC_BASE_URL: url, ANTHROPIC_API_KEY: TEST_KEY }),
      );
      expectCleanError(r, 5, /connect|connection|reach/i);
      expect(JSON.parse(r.stdout)).toMatchObject({ status: 'failed', exit_code: 5, calls: 0 });
    } finally {
      await own.cleanup();
    }
  });

  it('401 from the API: exit 5, and the key appears nowhere (stdout, stderr, context file, log file)', async () => {
    const own = await makeTempWorkspace({ git: false });
    try {
      const r = await runCli(
        ['--json', GOAL],
        own.root,
        cliEnv({ ANTHROPIC_BASE_URL: denying.url, ANTHROPIC_API_KEY: TEST_KEY }),
      );
      expectCleanError(r, 5, /auth|401|key/i);
      // The key was really sent, so its absence below means something.
      expect(denying.requests.some((q) => Object.values(q.headers).some((v) => v.includes(TEST_KEY)))).toBe(
        true,
      );
      const files = await contextFiles(own.root);
      expect(files).toHaveLength(1);
      const log = files[0]!.replace(/\.json$/, '.log');
      const texts = [
        r.stdout,
        r.stderr,
        await fs.readFile(files[0]!, 'utf8'),
        await fs.readFile(log, 'utf8'),
      ];
      expect(texts[3]!.length).toBeGreaterThan(0);
      for (const text of texts) {
        expect(text).not.toContain(TEST_KEY);
        expect(text).not.toContain(TEST_KEY.slice(-12));
      }
    } finally {
      await own.cleanup();
    }
  });
});
