/**
 * `init` where it cannot write: one FileSystemError with exit 2 naming the path and what was
 * already made, never a raw errno error (which the CLI reports as "unexpected error", exit 1).
 * Permission denied is tested as a non-root user when the suite runs as root (setpriv).
 */
import { chmodSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { initWorkspace } from '../../src/features/init/init.js';
import { FileSystemError } from '../../src/errors.js';
import { BIN } from '../helpers/e2e.js';

const tmp = () => realpathSync(mkdtempSync(path.join(os.tmpdir(), 'claude-exec-init-')));

describe('init in a workspace it cannot write', () => {
  it('a file where a directory goes: FileSystemError, exit 2, the path named', async () => {
    const ws = tmp();
    writeFileSync(path.join(ws, 'contexts'), 'not a directory');
    const err = await initWorkspace(ws).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileSystemError);
    expect((err as FileSystemError).exitCode).toBe(2);
    expect((err as FileSystemError).message).toContain(path.join(ws, 'contexts'));
    expect((err as FileSystemError).hint).toContain('already made: prompts/custom/.gitkeep');
  });

  it('a directory without write permission: the built CLI says so in two lines, exit 2', async () => {
    const ws = tmp();
    chmodSync(ws, 0o555);
    const asUser =
      process.getuid?.() === 0
        ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'node']
        : ['node'];
    const r = await execa(asUser[0]!, [...asUser.slice(1), BIN, '--cwd', ws, 'init'], {
      reject: false,
      cwd: os.tmpdir(),
      env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), NO_COLOR: '1' },
      extendEnv: false,
    });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      `claude-exec: cannot write to ${path.join(ws, 'prompts')}: permission denied (EACCES)`,
      'Run init in a directory you can write to (or fix its permissions); nothing was created.',
    ]);
  });
});
