/** Eval fixtures built from a base and overlays (`.fixture-base`), and the shipped notes-api ones. */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { copyFixture, fixtureLayers } from '../../src/evals/fixture.js';
import { builtinPromptsDir } from '../../src/library/load.js';

let tmp = '';
afterEach(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  tmp = '';
});

function tree(files: Record<string, string>): string {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'evals-fixture-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(tmp, rel)), { recursive: true });
    writeFileSync(path.join(tmp, rel), text);
  }
  return tmp;
}

/** Every file below `dir`, relative, sorted, with its text. */
function filesOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (e.isFile()) {
      const file = path.join(e.parentPath, e.name);
      out[path.relative(dir, file)] = readFileSync(file, 'utf8');
    }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

describe('fixtures from a base and overlays', () => {
  it('copies the bases in order, then the fixture over them, without the .fixture-base file', async () => {
    const root = tree({
      'evals/_fixtures/app/a.js': 'base a',
      'evals/_fixtures/app/b.js': 'base b',
      'evals/_fixtures/red/.fixture-base': '../app\n',
      'evals/_fixtures/red/t.test.js': 'red test',
      'evals/_fixtures/impl/a.js': 'implemented a',
      'evals/_fixtures/done/.fixture-base': '# the red fixture with the implementation\n../red\n../impl\n',
      'evals/_fixtures/done/b.js': 'own b',
    });
    const evals = path.join(root, 'evals');
    const fx = (name: string) => path.join(evals, '_fixtures', name);
    const layers = await fixtureLayers(fx('done'), evals);
    expect(layers).toEqual([fx('app'), fx('red'), fx('impl'), fx('done')]);
    const dest = path.join(root, 'built');
    await copyFixture(layers, dest);
    expect(filesOf(dest)).toEqual({ 'a.js': 'implemented a', 'b.js': 'own b', 't.test.js': 'red test' });
  });

  it('refuses a base outside the evals folder, a missing one and a loop, naming the file', async () => {
    const root = tree({
      'evals/_fixtures/out/.fixture-base': '../../..\n',
      'evals/_fixtures/gone/.fixture-base': '../nowhere\n',
      'evals/_fixtures/x/.fixture-base': '../y\n',
      'evals/_fixtures/y/.fixture-base': '../x\n',
    });
    const evals = path.join(root, 'evals');
    const fx = (name: string) => path.join(evals, '_fixtures', name);
    await expect(fixtureLayers(fx('out'), evals)).rejects.toThrow(
      /out\/\.fixture-base: \.\.\/\.\.\/\.\. is outside /,
    );
    await expect(fixtureLayers(fx('gone'), evals)).rejects.toThrow(`no directory ${fx('nowhere')}`);
    await expect(fixtureLayers(fx('x'), evals)).rejects.toBeInstanceOf(UsageError);
    await expect(fixtureLayers(fx('x'), evals)).rejects.toThrow(/its own base/);
  });

  it('builds the shipped notes-api-red and notes-api-done from notes-api and the after overlay', async () => {
    const evals = path.join(builtinPromptsDir(), 'evals');
    const fx = (name: string) => path.join(evals, '_fixtures', name);
    tmp = mkdtempSync(path.join(os.tmpdir(), 'evals-fixture-'));
    const build = async (name: string) => {
      await copyFixture(await fixtureLayers(fx(name), evals), path.join(tmp, name));
      return filesOf(path.join(tmp, name));
    };
    const base = filesOf(fx('notes-api'));
    const redTest = readFileSync(path.join(fx('notes-api-red'), 'test', 'rate-limit.test.js'), 'utf8');
    const red = await build('notes-api-red');
    expect(red).toEqual({ ...base, 'test/rate-limit.test.js': redTest });
    const done = await build('notes-api-done');
    expect(Object.keys(done)).toEqual([...Object.keys(red), 'src/rate-limit.js'].sort());
    expect(done['src/app.js']).toBe(readFileSync(path.join(fx('notes-api-after'), 'src', 'app.js'), 'utf8'));
    expect(done['src/app.js']).not.toBe(base['src/app.js']);
  });
});
