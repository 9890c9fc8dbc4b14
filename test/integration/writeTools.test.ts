import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwaitingInputError } from '../../src/errors.js';
import { READ_TOOL_NAMES, WRITE_TOOL_NAMES, createWorkspaceTools } from '../../src/tools/index.js';
import type { ApproveChange, ProposedChange } from '../../src/tools/index.js';
import type { AgentTool } from '../../src/tools/types.js';
import { makeTempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

let ws: TempWorkspace;
let proposed: ProposedChange[];
let written: Array<{ rel: string; isTest: boolean; unchanged?: boolean }>;

const approving: ApproveChange = async (change) => {
  proposed.push(change);
  return { approved: true };
};
const rejecting: ApproveChange = async (change) => {
  proposed.push(change);
  return { approved: false, reason: 'keep bcrypt out of this project' };
};

function tools(approve: ApproveChange): Record<string, AgentTool> {
  const list = createWorkspaceTools({
    root: ws.root,
    testCommand: ['node', '--test'],
    limits: { tool_output_bytes: 32_000, test_timeout_ms: 60_000 },
    approve,
    onWritten: (rel, info) => {
      written.push({ rel, isTest: info.isTest, ...(info.unchanged ? { unchanged: true } : {}) });
    },
  });
  return Object.fromEntries(list.map((t) => [t.name, t]));
}

const read = (rel: string) => readFile(path.join(ws.root, rel), 'utf8');

beforeEach(async () => {
  ws = await makeTempWorkspace({ git: false });
  proposed = [];
  written = [];
});
afterEach(() => ws.cleanup());

describe('createWorkspaceTools', () => {
  it('returns the six tools (no checks) in the fixed order, each with a description and a schema', () => {
    const list = createWorkspaceTools({
      root: '/nowhere',
      testCommand: ['npm', 'test'],
      limits: { tool_output_bytes: 1000, test_timeout_ms: 1000 },
      approve: approving,
      onWritten: () => {},
    });
    expect(list.map((t) => t.name)).toEqual(
      [...READ_TOOL_NAMES, ...WRITE_TOOL_NAMES].filter((n) => n !== 'run_check'),
    );
    for (const t of list) {
      expect(t.description.length).toBeGreaterThan(80);
      expect(t.inputSchema.safeParse({}).success).toBe(t.name === 'list_files' || t.name === 'run_tests');
    }
  });

  it('adds run_check last when the workspace has checks', () => {
    const list = createWorkspaceTools({
      root: '/nowhere',
      testCommand: ['npm', 'test'],
      limits: { tool_output_bytes: 1000, test_timeout_ms: 1000 },
      approve: approving,
      onWritten: () => {},
      checks: [{ name: 'lint', argv: ['eslint', '.'], source: 'eslint.config.js (eslint installed)' }],
    });
    expect(list.map((t) => t.name)).toEqual([...READ_TOOL_NAMES, ...WRITE_TOOL_NAMES]);
    expect(list.at(-1)!.inputSchema.safeParse({ name: 'lint' }).success).toBe(true);
  });
});

describe('write_file', () => {
  it('creates a new file after approval, with a /dev/null diff, and reports it', async () => {
    const r = await tools(approving).write_file!.run({
      path: 'src/auth/jwt.js',
      content: 'export const x = 1;\n',
    });
    expect(r).toEqual({ content: 'created src/auth/jwt.js (+1 -0 lines)' });
    expect(await read('src/auth/jwt.js')).toBe('export const x = 1;\n');
    expect(proposed).toHaveLength(1);
    expect(proposed[0]).toMatchObject({ path: 'src/auth/jwt.js', isNew: true });
    expect(proposed[0]?.diff).toMatch(/--- \/dev\/null\s*\n\+\+\+ b\/src\/auth\/jwt\.js/);
    expect(proposed[0]?.diff).toContain('+export const x = 1;');
    expect(written).toEqual([{ rel: 'src/auth/jwt.js', isTest: false }]);
  });

  it('replaces an existing file and flags test files', async () => {
    const r = await tools(approving).write_file!.run({
      path: 'test/auth.test.js',
      content: '// rewritten\n',
    });
    expect(r.isError).toBeUndefined();
    expect(proposed[0]).toMatchObject({ path: 'test/auth.test.js', isNew: false });
    expect(proposed[0]?.diff).toContain('--- a/test/auth.test.js');
    expect(await read('test/auth.test.js')).toBe('// rewritten\n');
    expect(written).toEqual([{ rel: 'test/auth.test.js', isTest: true }]);
  });

  it('write_file with the content a test file already has writes nothing, asks nothing, and reports the test as in place', async () => {
    let asked = 0;
    const content = await read('test/auth.test.js');
    const r = await tools(async () => {
      asked++;
      return { approved: true };
    }).write_file!.run({ path: 'test/auth.test.js', content });
    expect(r.content).toBe('test/auth.test.js already has this content; nothing written');
    expect(asked).toBe(0);
    expect(written).toEqual([{ rel: 'test/auth.test.js', isTest: true, unchanged: true }]);
  });

  it('leaves the file alone and returns the reason when rejected', async () => {
    const before = await read('src/users.js');
    const r = await tools(rejecting).write_file!.run({
      path: 'src/users.js',
      content: "import bcrypt from 'bcrypt';\n",
    });
    expect(r.isError).toBe(true);
    expect(r.content).toMatch(/rejected by the user: keep bcrypt out of this project/);
    expect(await read('src/users.js')).toBe(before);
    expect(written).toEqual([]);
  });

  it('lets an AwaitingInputError from the approver propagate', async () => {
    const waiting: ApproveChange = async () => {
      throw new AwaitingInputError('approval of a file change is pending');
    };
    await expect(tools(waiting).write_file!.run({ path: 'new.js', content: 'x' })).rejects.toBeInstanceOf(
      AwaitingInputError,
    );
    await expect(read('new.js')).rejects.toThrow(/ENOENT/);
  });

  it('refuses secrets files, .git and paths outside the root without asking', async () => {
    for (const p of ['.env', '.git/hooks/pre-commit', '../escape.js']) {
      const r = await tools(approving).write_file!.run({ path: p, content: 'x' });
      expect(r.isError).toBe(true);
    }
    expect(proposed).toEqual([]);
  });

  it('does not overwrite a file the human changed while approval was pending', async () => {
    const racing: ApproveChange = async () => {
      await writeFile(path.join(ws.root, 'src/server.js'), '// edited by hand\n');
      return { approved: true };
    };
    const r = await tools(racing).write_file!.run({ path: 'src/server.js', content: '// from the model\n' });
    expect(r).toMatchObject({ isError: true, content: expect.stringMatching(/changed on disk/) });
    expect(await read('src/server.js')).toBe('// edited by hand\n');
  });
});

describe('edit_file', () => {
  it('replaces a unique match after approval', async () => {
    const r = await tools(approving).edit_file!.run({
      path: 'src/app.js',
      old_string: 'const MIN_PASSWORD_LENGTH = 8;',
      new_string: 'const MIN_PASSWORD_LENGTH = 12;',
    });
    expect(r).toEqual({ content: 'updated src/app.js (+1 -1 lines)' });
    const after = await read('src/app.js');
    expect(after).toContain('const MIN_PASSWORD_LENGTH = 12;');
    expect(after).not.toContain('= 8;');
    expect(proposed[0]?.diff).toMatch(/-const MIN_PASSWORD_LENGTH = 8;\n\+const MIN_PASSWORD_LENGTH = 12;/);
    expect(written).toEqual([{ rel: 'src/app.js', isTest: false }]);
  });

  it('inserts $ patterns literally', async () => {
    await tools(approving).edit_file!.run({
      path: 'src/server.js',
      old_string: 'const port',
      new_string: "const $& = '$1'; const port",
    });
    expect(await read('src/server.js')).toContain("const $& = '$1'; const port");
  });

  it('returns an error outcome when old_string is missing or ambiguous', async () => {
    const t = tools(approving);
    const missing = await t.edit_file!.run({
      path: 'src/app.js',
      old_string: 'no such text',
      new_string: 'x',
    });
    expect(missing).toMatchObject({ isError: true, content: expect.stringMatching(/not found/) });
    const ambiguous = await t.edit_file!.run({
      path: 'src/app.js',
      old_string: 'res.status(400)',
      new_string: 'x',
    });
    expect(ambiguous).toMatchObject({ isError: true, content: expect.stringMatching(/occurs 3 times/) });
    const absent = await t.edit_file!.run({ path: 'src/nope.js', old_string: 'a', new_string: 'b' });
    expect(absent).toMatchObject({ isError: true, content: expect.stringMatching(/not found.*write_file/) });
    expect(proposed).toEqual([]);
  });

  it('leaves the file alone when rejected', async () => {
    const before = await read('src/app.js');
    const r = await tools(rejecting).edit_file!.run({
      path: 'src/app.js',
      old_string: "name: 'sid'",
      new_string: "name: 'x'",
    });
    expect(r).toMatchObject({ isError: true, content: expect.stringMatching(/keep bcrypt/) });
    expect(await read('src/app.js')).toBe(before);
    expect(written).toEqual([]);
  });
});
