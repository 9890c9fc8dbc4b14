/**
 * selfCommand: the suggested commands name the program as the user can run it — `claude-exec` only
 * when that name on PATH is this package's binary, else the path to bin/claude-exec.
 */
import { chmodSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ownBin, selfCommand } from '../../src/cli/self.js';

function tmp(): string {
  return realpathSync(mkdtempSync(path.join(os.tmpdir(), 'claude-exec-self-')));
}

describe('selfCommand', () => {
  const bin = ownBin();
  const repo = path.dirname(path.dirname(bin));

  it('is ./bin/claude-exec in a clone where claude-exec is not on PATH', () => {
    expect(selfCommand({ pathEnv: tmp(), cwd: repo })).toBe('./bin/claude-exec');
  });

  it('is the absolute path from another directory', () => {
    expect(selfCommand({ pathEnv: '', cwd: tmp() })).toBe(bin);
  });

  it('is claude-exec when the first claude-exec on PATH links to this package', () => {
    const dir = tmp();
    symlinkSync(bin, path.join(dir, 'claude-exec'));
    expect(selfCommand({ pathEnv: dir, cwd: tmp() })).toBe('claude-exec');
  });

  it('is not claude-exec when another program of that name comes first on PATH', () => {
    const other = tmp();
    const mine = tmp();
    writeFileSync(path.join(other, 'claude-exec'), '#!/bin/sh\n');
    chmodSync(path.join(other, 'claude-exec'), 0o755);
    symlinkSync(bin, path.join(mine, 'claude-exec'));
    expect(selfCommand({ pathEnv: [other, mine].join(path.delimiter), cwd: repo })).toBe('./bin/claude-exec');
  });
});
