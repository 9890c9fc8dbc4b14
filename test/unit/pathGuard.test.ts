import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLexical, isSecretFile, resolveInWorkspace } from '../../src/tools/pathGuard.js';

describe('checkLexical (pure)', () => {
  const root = '/work/ws';
  it.each([
    ['src/app.js', 'src/app.js'],
    ['./src/../src/app.js', 'src/app.js'],
    ['', '.'],
    ['.', '.'],
    ['/work/ws/README.md', 'README.md'],
    ['.env.example', '.env.example'],
    ['.gitignore', '.gitignore'],
    ['docs/.github/x.md', 'docs/.github/x.md'],
  ])('accepts %j as %j', (input, rel) => {
    expect(checkLexical(root, input)).toEqual({ ok: true, rel });
  });

  it.each([
    ['../outside.txt', /outside the workspace/],
    ['src/../../outside.txt', /outside the workspace/],
    ['/etc/passwd', /outside the workspace/],
    ['/work/ws-other/file', /outside the workspace/],
    ['.git/config', /\.git/],
    ['.git', /\.git/],
    ['sub/module/.git/HEAD', /\.git/],
    ['.env', /secrets/],
    ['config/.env.local', /secrets/],
    ['.env.production', /secrets/],
    ['a\0b', /NUL/],
  ])('refuses %j', (input, reason) => {
    const r = checkLexical(root, input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('isSecretFile allows .env.example only', () => {
    expect(isSecretFile('.env')).toBe(true);
    expect(isSecretFile('a/b/.env.test')).toBe(true);
    expect(isSecretFile('.env.example')).toBe(false);
    expect(isSecretFile('env.js')).toBe(false);
    expect(isSecretFile('.envrc')).toBe(false);
  });
});

describe('resolveInWorkspace (real temp dirs and symlinks)', () => {
  let base: string;
  let root: string;
  let outside: string;

  beforeAll(async () => {
    base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'ce-guard-')));
    root = path.join(base, 'ws');
    outside = path.join(base, 'outside');
    await mkdir(path.join(root, 'src'), { recursive: true });
    await mkdir(path.join(root, '.git'), { recursive: true });
    await mkdir(outside);
    await writeFile(path.join(root, 'src', 'app.js'), 'x');
    await writeFile(path.join(root, '.env'), 'SECRET=1');
    await writeFile(path.join(root, '.git', 'config'), '[core]');
    await writeFile(path.join(outside, 'secret.txt'), 'nope');
    await symlink(outside, path.join(root, 'out-dir'));
    await symlink(path.join(outside, 'secret.txt'), path.join(root, 'out-file'));
    await symlink(path.join(root, 'src', 'app.js'), path.join(root, 'in-file'));
    await symlink(path.join(root, '.git'), path.join(root, 'gitlink'));
    await symlink(path.join(root, '.env'), path.join(root, 'env-link'));
    await symlink(path.join(outside, 'missing.txt'), path.join(root, 'dangling'));
    await symlink(root, path.join(base, 'root-link'));
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('resolves an existing file', async () => {
    expect(await resolveInWorkspace(root, 'src/app.js')).toEqual({
      ok: true,
      abs: path.join(root, 'src', 'app.js'),
      rel: 'src/app.js',
      exists: true,
    });
  });

  it('resolves a new file in a new directory', async () => {
    expect(await resolveInWorkspace(root, 'src/auth/jwt.js')).toEqual({
      ok: true,
      abs: path.join(root, 'src', 'auth', 'jwt.js'),
      rel: 'src/auth/jwt.js',
      exists: false,
    });
  });

  it('follows a symlink that stays inside the root to its real path', async () => {
    const r = await resolveInWorkspace(root, 'in-file');
    expect(r).toMatchObject({ ok: true, rel: 'src/app.js', exists: true });
  });

  it('works when the root itself is reached through a symlink', async () => {
    const r = await resolveInWorkspace(path.join(base, 'root-link'), 'src/app.js');
    expect(r).toMatchObject({ ok: true, abs: path.join(root, 'src', 'app.js') });
  });

  it.each([
    ['out-file', /outside the workspace.*symbolic/],
    ['out-dir/secret.txt', /outside the workspace.*symbolic/],
    ['out-dir/new-file.txt', /outside the workspace.*symbolic/],
    ['out-dir/new/deeper.txt', /outside the workspace.*symbolic/],
    ['gitlink/config', /\.git.*symbolic/],
    ['env-link', /secrets.*symbolic/],
    ['dangling', /dangling/],
    ['dangling/child.txt', /dangling/],
    ['../outside/secret.txt', /outside the workspace/],
    ['<outside>/secret.txt', /outside the workspace/],
    ['.git/config', /\.git/],
    ['.env', /secrets/],
    ['src/app.js/new.js', /src\/app\.js is a file/],
  ])('refuses %j', async (input, reason) => {
    const r = await resolveInWorkspace(root, input.replace('<outside>', outside));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});
