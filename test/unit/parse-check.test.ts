/**
 * The parse check after a write: JSON, JavaScript/TypeScript (the TypeScript parser), Python
 * (python3's compile, no sandbox here), and the write tools keeping the write while returning the
 * problem as an error naming line:col.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execaSync } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jsonErrorOffset, jsonProblem, lineCol, parseCheck } from '../../src/tools/parseCheck.js';
import { editFileTool, writeFileTool } from '../../src/tools/writeTools.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'parse-check-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const hasPython = (() => {
  try {
    return execaSync('python3', ['-c', '0']).exitCode === 0;
  } catch {
    return false;
  }
})();

describe('parseCheck', () => {
  it('line:col of an offset', () => {
    expect(lineCol('ab\ncd\nef', 4)).toBe('2:2');
    expect(lineCol('abc', 0)).toBe('1:1');
  });

  it('JSON: the parser message with its line:col; tsconfig-style files allow comments', async () => {
    expect(jsonProblem('{"a": 1}')).toBeNull();
    expect(jsonProblem('{\n  "a": 1,\n}')).toBe('3:1: Expected double-quoted property name');
    expect(jsonProblem('{"ok": tru}')).toBe("1:8: Unexpected token '}'");
    expect(jsonErrorOffset('{"a":[1,{"b":null}],"c":-1.5e3,"d":"\\u00e9"}')).toBe(-1);
    expect(jsonErrorOffset('[1,2')).toBe(4);
    expect(await parseCheck('package.json', '{"name": "x",}', { root })).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/^1:14: /),
    });
    expect(await parseCheck('tsconfig.json', '{ // comment\n "compilerOptions": {},\n}', { root })).toEqual({
      ok: true,
    });
  });

  it('JavaScript and TypeScript: syntax errors with line:col, type errors are not its business', async () => {
    expect(await parseCheck('src/a.ts', 'export const n: number = "x";\n', { root })).toEqual({ ok: true });
    expect(await parseCheck('src/a.ts', 'export function f( {\n  return 1;\n}\n', { root })).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/^\d+:\d+: /),
    });
    expect(
      await parseCheck('src/app.js', "app.get('/x', (req, res) => {\n  res.send('ok');\n);\n", { root }),
    ).toEqual({ ok: false, problem: expect.stringMatching(/^3:1: \S/) });
    expect(await parseCheck('src/view.jsx', 'export const V = () => <div>;\n', { root })).toMatchObject({
      ok: false,
    });
    expect(await parseCheck('src/view.tsx', 'export const V = () => <div />;\n', { root })).toEqual({
      ok: true,
    });
    expect(await parseCheck('README.md', '{{{ not code', { root })).toEqual({ ok: true });
  });

  it.skipIf(!hasPython)(
    'Python: compile() in python3 names line:col; nothing is written beside the file',
    async () => {
      await writeFile(path.join(root, 'bad.py'), 'def f(:\n    pass\n');
      expect(await parseCheck('bad.py', '', { root })).toEqual({
        ok: false,
        problem: expect.stringMatching(/^1:7: /),
      });
      await writeFile(path.join(root, 'good.py'), 'def f():\n    return 1\n');
      expect(await parseCheck('good.py', '', { root })).toEqual({ ok: true });
      const { readdir } = await import('node:fs/promises');
      expect((await readdir(root)).sort()).toEqual(['bad.py', 'good.py']);
    },
  );
});

describe('write tools with the parse check', () => {
  const ctx = () => ({
    root,
    approve: async () => ({ approved: true as const }),
    onWritten: () => {},
    parseCheck: (rel: string, text: string) => parseCheck(rel, text, { root }),
  });

  it('an edit that breaks the file is kept and comes back as an error naming file:line:col', async () => {
    await writeFile(path.join(root, 'a.js'), 'export function f() {\n  return 1;\n}\n');
    const r = await editFileTool(ctx()).run({
      path: 'a.js',
      old_string: '  return 1;\n}',
      new_string: '  return (1;\n}',
    });
    expect(r.isError).toBe(true);
    expect(r.content).toMatch(/^updated a\.js \(\+1 -1 lines\), but it no longer parses: a\.js:2:\d+: /);
    expect(await readFile(path.join(root, 'a.js'), 'utf8')).toContain('return (1;');
  });

  it('a write that parses is an ordinary result', async () => {
    const r = await writeFileTool(ctx()).run({ path: 'b.json', content: '{"ok": true}\n' });
    expect(r).toEqual({ content: 'created b.json (+1 -0 lines)' });
    const bad = await writeFileTool(ctx()).run({ path: 'c.json', content: '{"ok": tru}\n' });
    expect(bad.isError).toBe(true);
    expect(bad.content).toMatch(/but it no longer parses: c\.json:1:\d+: /);
  });
});
