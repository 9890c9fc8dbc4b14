/**
 * One path guard for every path-like tool argument: a table over every workspace tool and every
 * path-like argument, fed the paths a hostile model would try (secrets files, .git/, outside the
 * workspace, symlinks leaving it). Each must come back as a tool error, with no planted secret in
 * the result, nothing written outside, no approval asked, no test run. A second table checks that
 * every string argument of every tool is classified, so a new path-like argument cannot slip by.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createWorkspaceTools } from '../../src/tools/index.js';
import type { AgentTool } from '../../src/tools/types.js';

const base = mkdtempSync(path.join(os.tmpdir(), 'claude-exec-guard-'));
const root = path.join(base, 'ws');
const outside = path.join(base, 'outside');
const SECRET = 'PLANTED-SECRET-4711';
let approvals = 0;
let tools: AgentTool[];

beforeAll(() => {
  mkdirSync(path.join(root, 'test'), { recursive: true });
  mkdirSync(path.join(root, '.git'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(path.join(root, '.env'), `API_KEY=${SECRET}\n`);
  writeFileSync(path.join(root, '.env.local'), `LOCAL=${SECRET}\n`);
  writeFileSync(path.join(root, '.git', 'config'), `[secret] ${SECRET}\n`);
  writeFileSync(path.join(root, 'test', 'ok.test.js'), 'ok\n');
  writeFileSync(path.join(outside, 'secret.txt'), `${SECRET}\n`);
  symlinkSync(outside, path.join(root, 'link-out'));
  symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'secret-link.txt'));
  symlinkSync(path.join(root, '.env'), path.join(root, 'env-link'));
  // The "test command" prints the file its argument names, as a runner executing it would.
  writeFileSync(
    path.join(root, 'runner.cjs'),
    "const f = process.argv[2]; try { console.log(require('fs').readFileSync(f, 'utf8')); } catch (e) { console.log('no file ' + f); }\n",
  );
  tools = createWorkspaceTools({
    root,
    testCommand: ['node', 'runner.cjs'],
    limits: { tool_output_bytes: 32_000, test_timeout_ms: 30_000 },
    approve: async () => {
      approvals++;
      return { approved: true };
    },
    onWritten: () => undefined,
  });
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** Every tool: a valid input besides the path, its path-like arguments, its other string arguments. */
const TOOLS: { name: string; base: Record<string, unknown>; pathArgs: string[]; otherStrings: string[] }[] = [
  { name: 'list_files', base: {}, pathArgs: ['path'], otherStrings: [] },
  { name: 'read_file', base: {}, pathArgs: ['path'], otherStrings: [] },
  { name: 'search_code', base: { pattern: 'SECRET' }, pathArgs: ['path'], otherStrings: ['pattern', 'glob'] },
  { name: 'write_file', base: { content: 'overwritten' }, pathArgs: ['path'], otherStrings: ['content'] },
  {
    name: 'edit_file',
    base: { old_string: 'API_KEY', new_string: 'X' },
    pathArgs: ['path'],
    otherStrings: ['old_string', 'new_string'],
  },
  { name: 'run_tests', base: {}, pathArgs: ['filter'], otherStrings: [] },
];

const BAD_PATHS: [string, RegExp][] = [
  ['.env', /secrets/],
  ['.env.local', /secrets/],
  ['sub/../.env', /secrets/],
  ['.git/config', /\.git/],
  ['../outside/secret.txt', /outside the workspace/],
  [path.join(outside, 'secret.txt'), /outside the workspace/],
  ['/etc', /outside the workspace/],
  ['link-out/secret.txt', /outside the workspace/],
  ['link-out', /outside the workspace/],
  ['secret-link.txt', /outside the workspace/],
  ['env-link', /secrets/],
];

const cases = TOOLS.flatMap((t) =>
  t.pathArgs.flatMap((arg) =>
    BAD_PATHS.map(([value, reason]) => ({
      tool: t.name,
      arg,
      value,
      reason,
      input: { ...t.base, [arg]: value },
    })),
  ),
);

describe('every path-like argument of every tool goes through the path guard', () => {
  it.each(cases)('$tool.$arg = $value is refused', async ({ tool, input, reason }) => {
    const before = approvals;
    const r = await tools.find((t) => t.name === tool)!.run(input);
    expect(r.isError, r.content).toBe(true);
    expect(r.content).toMatch(reason);
    expect(r.content).not.toContain(SECRET);
    expect(approvals).toBe(before);
    expect(readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe(`${SECRET}\n`);
    expect(readFileSync(path.join(root, '.env'), 'utf8')).toBe(`API_KEY=${SECRET}\n`);
  });

  it('accepts a workspace test path and a test name pattern as run_tests filters', async () => {
    const run = tools.find((t) => t.name === 'run_tests')!;
    expect((await run.run({ filter: 'test/ok.test.js' })).content).toContain('\nok\n');
    expect((await run.run({ filter: 'login rotates the refresh token' })).content).toContain(
      'no file login rotates the refresh token',
    );
  });

  it('classifies every string argument of every tool (a new one must be added to the table)', () => {
    expect(tools.map((t) => t.name)).toEqual(TOOLS.map((t) => t.name));
    for (const t of TOOLS) {
      const tool = tools.find((x) => x.name === t.name)!;
      expect([...(tool.pathArgs ?? [])]).toEqual(t.pathArgs);
      const json = z.toJSONSchema(tool.inputSchema) as { properties?: Record<string, { type?: string }> };
      const strings = Object.entries(json.properties ?? {})
        .filter(([, p]) => p.type === 'string')
        .map(([k]) => k);
      expect(strings.sort()).toEqual([...t.pathArgs, ...t.otherStrings].sort());
    }
  });
});
