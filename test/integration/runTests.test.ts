import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTestCommand, runTestsTool } from '../../src/tools/runTests.js';
import { makeTempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

let ws: TempWorkspace;
const base = () => ({ root: ws.root, timeoutMs: 60_000, maxOutputBytes: 32_000 });

beforeAll(async () => {
  ws = await makeTempWorkspace({ git: false });
  await writeFile(
    path.join(ws.root, 'probe.mjs'),
    [
      'const [mode] = process.argv.slice(2);',
      "if (mode === 'env') console.log('key=' + (process.env.ANTHROPIC_API_KEY ?? 'absent') + ' other=' + process.env.CE_PROBE);",
      "if (mode === 'fail') { console.log('out line'); console.error('err line'); process.exit(3); }",
      "if (mode === 'noisy') { for (let i = 0; i < 5000; i++) console.log('noise ' + i); console.log('THE END'); }",
      "if (mode === 'hang') setTimeout(() => {}, 600_000);",
      "if (mode === 'args') console.log(JSON.stringify(process.argv.slice(3)));",
    ].join('\n'),
  );
});
afterAll(() => ws.cleanup());

describe('runTestCommand', () => {
  it("passes the fixture's own suite (node --test) in a temp workspace", async () => {
    const r = await runTestCommand({ ...base(), command: ['node', '--test'] });
    expect(r.output).toMatch(/# pass 5/);
    expect(r).toMatchObject({ passed: true, exitCode: 0, timedOut: false });
  });

  it('reports a red suite as data after a source change breaks it', async () => {
    const other = await makeTempWorkspace({ git: false });
    try {
      const usersJs = path.join(other.root, 'src', 'users.js');
      const text = await readFile(usersJs, 'utf8');
      await writeFile(usersJs, text.replace('timingSafeEqual(hash, user.hash) ?', 'true ?'));
      const r = await runTestCommand({
        root: other.root,
        command: ['node', '--test'],
        timeoutMs: 60_000,
        maxOutputBytes: 32_000,
      });
      expect(r.passed).toBe(false);
      expect(r.exitCode).toBe(1);
      expect(r.output).toMatch(/# fail 1/);
    } finally {
      await other.cleanup();
    }
  });

  it('returns exit code and interleaved stdout+stderr of a failing command', async () => {
    const r = await runTestCommand({ ...base(), command: ['node', 'probe.mjs', 'fail'] });
    expect(r).toMatchObject({ passed: false, exitCode: 3, timedOut: false });
    expect(r.output).toContain('out line');
    expect(r.output).toContain('err line');
  });

  it('keeps the tail of long output within the byte cap', async () => {
    const r = await runTestCommand({
      ...base(),
      maxOutputBytes: 500,
      command: ['node', 'probe.mjs', 'noisy'],
    });
    expect(Buffer.byteLength(r.output)).toBeLessThanOrEqual(500);
    expect(r.output).toContain('THE END');
    expect(r.output).not.toContain('noise 0\n');
  });

  it('passes only the allow-listed environment: no ANTHROPIC_*, no variable it does not name', async () => {
    process.env.ANTHROPIC_API_KEY = 'sk-ant-test-secret';
    process.env.CE_PROBE = 'kept';
    try {
      const r = await runTestCommand({ ...base(), command: ['node', 'probe.mjs', 'env'] });
      expect(r.output).toContain('key=absent other=undefined');
    } finally {
      delete process.env.ANTHROPIC_API_KEY;
      delete process.env.CE_PROBE;
    }
  });

  it('kills a run that passes the timeout', async () => {
    const r = await runTestCommand({ ...base(), timeoutMs: 300, command: ['node', 'probe.mjs', 'hang'] });
    expect(r).toMatchObject({ passed: false, timedOut: true });
  });

  it('reports a missing command instead of throwing', async () => {
    const r = await runTestCommand({ ...base(), command: ['no-such-test-runner-xyz'] });
    expect(r.passed).toBe(false);
    expect(r.exitCode).toBe(-1);
    expect(r.output).toMatch(/ENOENT|not found/);
  });

  it('refuses an unsafe filter', async () => {
    await expect(
      runTestCommand({ ...base(), command: ['node', 'probe.mjs', 'args'], filter: '$(id)' }),
    ).rejects.toThrow(/unsafe/);
  });
});

describe('run_tests tool', () => {
  const tool = () => runTestsTool({ ...base(), command: ['node', 'probe.mjs', 'args'] });

  it('appends a safe filter as one argv element, never through a shell', async () => {
    const r = await tool().run({ filter: 'test/auth.test.js login flow' });
    expect(r).toEqual({
      content:
        'exit code 0\n<test_output command="node probe.mjs args test/auth.test.js login flow">\n["test/auth.test.js login flow"]\n</test_output>',
    });
  });

  it('refuses a filter with shell or flag syntax as an error outcome', async () => {
    for (const filter of ['x; rm -rf /', '--inspect', '`id`']) {
      expect(await tool().run({ filter })).toMatchObject({ isError: true });
    }
  });

  it('returns a red run as information, not as a tool error', async () => {
    const r = await runTestsTool({ ...base(), command: ['node', 'probe.mjs', 'fail'] }).run({});
    expect(r.isError).toBeUndefined();
    expect(r.content).toMatch(/^exit code 3\n/);
  });
});
