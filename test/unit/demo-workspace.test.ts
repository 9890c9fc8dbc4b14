/**
 * The demo's workspace: when the sample app cannot be copied (a package that left it out), nothing
 * is left behind — no empty temporary directory, and a named directory is empty again.
 */
import { existsSync, mkdtempSync, readdirSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { prepareDemoWorkspace, sampleAppDir } from '../../src/demo/workspace.js';

const savedTmp = process.env.TMPDIR;
afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
});

function tmp(): string {
  return realpathSync(mkdtempSync(path.join(os.tmpdir(), 'claude-exec-demows-')));
}

describe('prepareDemoWorkspace', () => {
  it('copies the bundled sample app, .gitignore restored', async () => {
    const dir = tmp();
    await prepareDemoWorkspace(dir);
    expect(existsSync(path.join(dir, '.gitignore'))).toBe(true);
    expect(existsSync(path.join(dir, 'src', 'app.js'))).toBe(true);
    expect(existsSync(sampleAppDir())).toBe(true);
  });

  it('removes its new temporary directory when the sample app is missing', async () => {
    const parent = tmp();
    process.env.TMPDIR = parent;
    await expect(prepareDemoWorkspace(undefined, path.join(parent, 'no-such-sample-app'))).rejects.toThrow(
      /ENOENT/,
    );
    expect(readdirSync(parent)).toEqual([]);
  });

  it('leaves a named directory empty when the copy fails half way', async () => {
    const dir = tmp();
    const src = tmp();
    // A source without the "gitignore" the bundle holds: the copy succeeds, the rename fails.
    await import('node:fs/promises').then((fs) => fs.writeFile(path.join(src, 'a.txt'), 'x'));
    await expect(prepareDemoWorkspace(dir, src)).rejects.toThrow();
    expect(readdirSync(dir)).toEqual([]);
  });
});
