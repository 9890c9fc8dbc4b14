/**
 * The repository map: symbols per language, the same bytes for the same files whatever order they
 * come in, the 2,000-token budget, and the map of a real git workspace (secrets, lockfiles, the
 * contexts directory and symbolic links left out).
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { buildRepoMap } from '../../src/engine/repoMap.js';
import {
  CHARS_PER_TOKEN,
  extractSymbols,
  renderRepoMap,
  repoMapLines,
  REPO_MAP_TOKENS,
  type MapFile,
} from '../../src/memory/repoMap.js';

describe('extractSymbols', () => {
  it('JavaScript/TypeScript: exports, top-level functions and classes, CommonJS exports, Express routes', () => {
    const js = [
      "import express from 'express';",
      'export function signToken(p) {}',
      'export default class Store {}',
      'export const TTL = 15;',
      'export interface Claims { sub: string }',
      'export type Id = string;',
      'async function helper() {}',
      '  function nested() {}',
      "app.get('/api/me', requireLogin, (req, res) => {});",
      'router.post(`/api/login`, login);',
      'exports.legacy = 1;',
      'module.exports = { a, b: c, d };',
    ].join('\n');
    expect(extractSymbols('src/app.ts', js)).toEqual([
      'signToken',
      'Store',
      'TTL',
      'Claims',
      'Id',
      'helper',
      'GET /api/me',
      'POST /api/login',
      'legacy',
      'a',
      'b',
      'd',
    ]);
    expect(extractSymbols('types/x.d.ts', 'export function f(): void;')).toEqual([]);
  });

  it('Python: def, class and Flask/FastAPI routes at the top level', () => {
    const py =
      "@app.route('/login', methods=['GET', 'POST'])\ndef login():\n    def inner(): pass\n\n@router.get(\"/items/{id}\")\nasync def item(id): ...\nclass User(Base):\n    def save(self): ...\n@bp.route('/x')\ndef x(): ...\n";
    expect(extractSymbols('app/views.py', py)).toEqual([
      'GET|POST /login',
      'login',
      'GET /items/{id}',
      'item',
      'User',
      'GET /x',
      'x',
    ]);
  });

  it('Go funcs (methods as Type.Name) and types; Rust public items', () => {
    expect(
      extractSymbols(
        'calc/calc.go',
        'package calc\n\ntype Stack struct{}\nfunc Mean(xs []float64) float64 {}\nfunc (s *Stack) Push(x int) {}\nfunc (Stack) Len() int {}\n',
      ),
    ).toEqual(['Stack', 'Mean', 'Stack.Push', 'Stack.Len']);
    expect(
      extractSymbols(
        'src/lib.rs',
        'pub fn parse() {}\nfn private() {}\npub(crate) struct Ast;\npub enum Tok {}\n',
      ),
    ).toEqual(['parse', 'Ast', 'Tok']);
  });
});

describe('the map', () => {
  const files: MapFile[] = [
    { path: 'src/app.js', symbols: ['createApp', 'GET /api/me'] },
    { path: 'README.md', symbols: [] },
    { path: 'test/app.test.js', symbols: [] },
  ];

  it('is the same bytes whatever order the files come in, sorted by path', () => {
    for (const order of [
      [2, 0, 1],
      [1, 2, 0],
      [2, 1, 0],
    ]) {
      expect(
        renderRepoMap(
          order.map((i) => files[i]!),
          'git ls-files',
        ),
      ).toBe(renderRepoMap(files, 'git ls-files'));
    }
    expect(repoMapLines(files)).toEqual([
      'README.md',
      'src/app.js: createApp, GET /api/me',
      'test/app.test.js',
    ]);
  });

  it('stays within 2,000 tokens (4 characters a token): fewer symbols per file, then files counted', () => {
    const budget = REPO_MAP_TOKENS * CHARS_PER_TOKEN;
    const many = Array.from({ length: 150 }, (_, i) => ({
      path: `src/module${String(i).padStart(3, '0')}.ts`,
      symbols: Array.from({ length: 10 }, (_, j) => `symbolNumber${j}`),
    }));
    const text = renderRepoMap(many, 'git ls-files');
    expect(text.length).toBeLessThanOrEqual(budget);
    expect(text).toContain('src/module000.ts: symbolNumber0');
    expect(text).toContain('src/module149.ts');
    const huge = Array.from({ length: 2000 }, (_, i) => ({
      path: `pkg/deep/path/file${String(i).padStart(4, '0')}.txt`,
      symbols: [],
    }));
    const cut = renderRepoMap(huge, 'git ls-files');
    expect(cut.length).toBeLessThanOrEqual(budget);
    expect(cut).toMatch(/… \d+ more files \(list_files shows them\)\n<\/repository_map>$/);
    expect(cut).toContain('pkg/deep/path/file0000.txt');
  });
});

describe('buildRepoMap', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('lists the git files with symbols, leaving out secrets, lockfiles, contexts and links', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'repo-map-'));
    const outside = await mkdtemp(path.join(os.tmpdir(), 'repo-map-outside-'));
    dirs.push(root, outside);
    await writeFile(path.join(outside, 'secret.js'), 'export function stolenSecretName() {}\n');
    for (const [rel, text] of Object.entries({
      'src/b.js': 'export function beta() {}\n',
      'src/a.py': 'def alpha():\n    pass\n',
      '.env': 'KEY=x\n',
      'package-lock.json': '{}',
      'contexts/chain-001-x.json': '{}',
      '.gitignore': 'ignored.js\n',
      'ignored.js': 'export function hidden() {}\n',
    })) {
      await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await writeFile(path.join(root, rel), text);
    }
    await symlink(path.join(outside, 'secret.js'), path.join(root, 'src', 'link.js'));
    await execa('git', ['init', '-q'], { cwd: root });
    await execa('git', ['add', '-A'], { cwd: root });
    const map = await buildRepoMap(root, path.join(root, 'contexts'));
    const block = map.slice(map.indexOf('<repository_map'));
    expect(block).toBe(
      '<repository_map files="4">\n.gitignore\nsrc/a.py: alpha\nsrc/b.js: beta\nsrc/link.js\n</repository_map>',
    );
    expect(map).not.toContain('stolenSecretName');
    expect(await buildRepoMap(root, path.join(root, 'contexts'))).toBe(map);
  });
});
