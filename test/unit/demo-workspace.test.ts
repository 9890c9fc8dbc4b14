/**
 * The demo's workspace: when the sample app cannot be copied (a package that left it out), nothing
 * is left behind — no empty temporary directory, and a named directory is empty again.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from 'node:fs';
import { cp, rename } from 'node:fs/promises';
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

  it('sets up again over what an interrupted set-up left, and refuses anything else', async () => {
    // Interrupted after the copy (git's commit not made yet, an empty contexts directory begun).
    const dir = tmp();
    await cp(sampleAppDir(), dir, { recursive: true });
    await rename(path.join(dir, 'gitignore'), path.join(dir, '.gitignore'));
    mkdirSync(path.join(dir, 'contexts', '.ids'), { recursive: true });
    const { root } = await prepareDemoWorkspace(dir);
    expect(root).toBe(dir);
    expect(existsSync(path.join(dir, 'contexts'))).toBe(false);
    expect(readFileSync(path.join(dir, 'src', 'app.js'), 'utf8')).toBe(
      readFileSync(path.join(sampleAppDir(), 'src', 'app.js'), 'utf8'),
    );

    // Interrupted during the copy: some files, one of them cut short.
    const cut = tmp();
    await cp(path.join(sampleAppDir(), 'src'), path.join(cut, 'src'), { recursive: true });
    const app = readFileSync(path.join(sampleAppDir(), 'src', 'app.js'), 'utf8');
    writeFileSync(path.join(cut, 'src', 'app.js'), app.slice(0, 40));
    await prepareDemoWorkspace(cut);
    expect(readFileSync(path.join(cut, 'src', 'app.js'), 'utf8')).toBe(app);
    expect(existsSync(path.join(cut, '.gitignore'))).toBe(true);

    // The same files, one byte changed: the user's work, never removed.
    const edited = tmp();
    await prepareDemoWorkspace(edited);
    writeFileSync(
      path.join(edited, 'src', 'app.js'),
      `${readFileSync(path.join(edited, 'src', 'app.js'), 'utf8')} `,
    );
    await expect(prepareDemoWorkspace(edited)).rejects.toThrow(/is not empty/);
    // A file of the user's beside the sample app, or a chain saved: refused too.
    const extra = tmp();
    await prepareDemoWorkspace(extra);
    writeFileSync(path.join(extra, 'notes.txt'), 'mine');
    await expect(prepareDemoWorkspace(extra)).rejects.toThrow(/is not empty/);
    const chained = tmp();
    await prepareDemoWorkspace(chained);
    mkdirSync(path.join(chained, 'contexts'));
    writeFileSync(path.join(chained, 'contexts', 'chain-001-x-2026-01-01-00-00-00.json'), '{}');
    await expect(prepareDemoWorkspace(chained)).rejects.toThrow(/is not empty/);
    expect(existsSync(path.join(chained, 'contexts', 'chain-001-x-2026-01-01-00-00-00.json'))).toBe(true);
  });
});
