/**
 * run_tests {filter} narrowed per runner: the argv built for a file and for a name, and the
 * runner behind a package manager's `test` read from package.json.
 */
import { describe, expect, it } from 'vitest';
import { isFileFilter, narrowTestCommand, runnerOf, scriptRunner } from '../../src/tools/testFilter.js';

const narrow = (command: string, filter: string, script?: string) =>
  narrowTestCommand(command.split(' '), filter, script).argv.join(' ');

describe('run_tests filter per runner', () => {
  it('tells a file from a name', () => {
    expect(isFileFilter('test/token.test.js')).toBe(true);
    expect(isFileFilter('token.test.js')).toBe(true);
    expect(isFileFilter('tests/')).toBe(true);
    expect(isFileFilter('rejects expired tokens')).toBe(false);
    expect(isFileFilter('TestMean')).toBe(false);
  });

  it.each([
    // [command, script, filter, argv]
    ['npm test', 'jest', 'test/a.test.js', 'node_modules/.bin/jest test/a.test.js'],
    ['npm test', 'jest --runInBand', 'signs tokens', 'node_modules/.bin/jest --runInBand -t signs tokens'],
    ['npm test', 'vitest', 'test/a.test.ts', 'node_modules/.bin/vitest run test/a.test.ts'],
    ['pnpm test', 'vitest run', 'signs tokens', 'node_modules/.bin/vitest run -t signs tokens'],
    ['yarn test', 'npm run build && mocha test/', 'test/a.spec.js', 'node_modules/.bin/mocha test/a.spec.js'],
    ['npm test', 'mocha', 'signs tokens', 'node_modules/.bin/mocha --grep signs tokens'],
    ['npm test', 'node --test', 'test/token.test.js', 'node --test test/token.test.js'],
    [
      'npm test',
      'node --test test/',
      'rejects expired',
      'node --test-name-pattern=rejects expired --test test/',
    ],
    ['npm test', 'npx jest', 'test/a.test.js', 'node_modules/.bin/jest test/a.test.js'],
  ])('%s (scripts.test %s) with %s → %s', (command, script, filter, argv) => {
    expect(narrow(command, filter, script)).toBe(argv);
  });

  it.each([
    ['node --test', 'test/token.test.js', 'node --test test/token.test.js'],
    ['python3 -m pytest', 'tests/test_slug.py', 'python3 -m pytest tests/test_slug.py'],
    ['python3 -m pytest -q tests', 'slugify', 'python3 -m pytest -q tests -k slugify'],
    ['.venv/bin/python -m pytest tests', 'tests/test_a.py', '.venv/bin/python -m pytest tests/test_a.py'],
    ['pytest', 'tests/test_a.py', 'pytest tests/test_a.py'],
    ['go test -json ./...', 'calc/calc_test.go', 'go test -json ./calc'],
    ['go test -json ./...', 'TestMean', 'go test -json -run TestMean ./...'],
    ['cargo test', 'tests/parse.rs', 'cargo test --test parse'],
    ['cargo test', 'parses_empty', 'cargo test parses_empty'],
    ['make test', 'test/a.js', 'make test test/a.js'],
  ])('%s with %s → %s', (command, filter, argv) => {
    expect(narrow(command, filter)).toBe(argv);
  });

  it('a script it cannot run directly keeps npm test with the filter appended', () => {
    expect(narrowTestCommand(['npm', 'test'], 'test/a.js', 'NODE_ENV=test jest')).toEqual({
      argv: ['npm', 'test', 'test/a.js'],
      narrowed: false,
    });
    expect(narrowTestCommand(['npm', 'test'], 'test/a.js', 'ava')).toEqual({
      argv: ['npm', 'test', 'test/a.js'],
      narrowed: false,
    });
    expect(narrowTestCommand(['npm', 'test'], 'test/a.js', undefined).narrowed).toBe(false);
    expect(scriptRunner('jest "src/**"')).toBeNull();
    expect(scriptRunner('tsc && vitest run --coverage')).toEqual([
      'node_modules/.bin/vitest',
      'run',
      '--coverage',
    ]);
  });

  it('knows each runner by its argv', () => {
    expect(runnerOf(['node_modules/.bin/vitest', 'run'])).toBe('vitest');
    expect(runnerOf(['node', '--test'])).toBe('node:test');
    expect(runnerOf(['node', 'server.js'])).toBeNull();
    expect(runnerOf(['python3.12', '-m', 'pytest'])).toBe('pytest');
  });
});

describe('run_tests narrows a real npm test', () => {
  it('a file filter runs node --test on that file only, not npm test', async () => {
    const { mkdtemp, mkdir, rm, writeFile } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const { runTestsTool } = await import('../../src/tools/runTests.js');
    const root = await mkdtemp(path.join(os.tmpdir(), 'narrow-'));
    try {
      await mkdir(path.join(root, 'test'));
      await writeFile(
        path.join(root, 'package.json'),
        JSON.stringify({ type: 'module', scripts: { test: 'node --test' } }),
      );
      await writeFile(
        path.join(root, 'test', 'a.test.js'),
        "import test from 'node:test';\ntest('alpha passes', () => {});\n",
      );
      await writeFile(
        path.join(root, 'test', 'b.test.js'),
        "import test from 'node:test';\ntest('beta fails', () => { throw new Error('no'); });\n",
      );
      const tool = runTestsTool({
        root,
        command: ['npm', 'test'],
        timeoutMs: 60_000,
        maxOutputBytes: 20_000,
      });
      const one = await tool.run({ filter: 'test/a.test.js' });
      expect(one.content).toMatch(/^exit code 0\n<test_output command="node --test test\/a\.test\.js">/);
      const named = await tool.run({ filter: 'beta' });
      expect(named.content).toMatch(
        /^exit code 1\n<test_output command="node --test-name-pattern=beta --test">/,
      );
      expect(named.content).toContain('beta fails');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);
});
