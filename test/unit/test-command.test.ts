import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  detectTestCommand,
  isPlaceholderScript,
  probeWorkspace,
  proposeTestCommand,
  splitCommand,
  type WorkspaceProbe,
} from '../../src/tools/testCommand.js';

const pkg = (test?: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name: 'x', scripts: test === undefined ? {} : { test }, ...extra });
const PLACEHOLDER = 'echo "Error: no test specified" && exit 1';

const cases: Array<[string, WorkspaceProbe, string[] | null, string | null]> = [
  [
    'npm script',
    { names: ['package.json', 'package-lock.json'], files: { 'package.json': pkg('jest') } },
    ['npm', 'test'],
    'package.json scripts.test',
  ],
  [
    'npm placeholder counts as none',
    { names: ['package.json'], files: { 'package.json': pkg(PLACEHOLDER) } },
    null,
    null,
  ],
  [
    'pnpm by lockfile',
    { names: ['package.json', 'pnpm-lock.yaml'], files: { 'package.json': pkg('vitest run') } },
    ['pnpm', 'test'],
    'package.json scripts.test (pnpm-lock.yaml)',
  ],
  [
    'yarn by lockfile',
    { names: ['package.json', 'yarn.lock'], files: { 'package.json': pkg('mocha') } },
    ['yarn', 'test'],
    'package.json scripts.test (yarn.lock)',
  ],
  [
    'bun by lockfile',
    { names: ['package.json', 'bun.lockb'], files: { 'package.json': pkg('bun test') } },
    ['bun', 'run', 'test'],
    'package.json scripts.test (bun.lockb)',
  ],
  [
    'pnpm by packageManager',
    { names: ['package.json'], files: { 'package.json': pkg('jest', { packageManager: 'pnpm@9.1.0' }) } },
    ['pnpm', 'test'],
    'package.json scripts.test (packageManager pnpm)',
  ],
  [
    'placeholder falls through to a Makefile target',
    {
      names: ['package.json', 'Makefile'],
      files: { 'package.json': pkg(PLACEHOLDER), Makefile: 'build:\n\tcc x.c\ntest: build\n\t./run-tests\n' },
    },
    ['make', 'test'],
    'Makefile target test',
  ],
  ['go module', { names: ['go.mod', 'main.go'], files: {} }, ['go', 'test', '-json', './...'], 'go.mod'],
  ['cargo', { names: ['Cargo.toml', 'src'], files: {} }, ['cargo', 'test'], 'Cargo.toml'],
  [
    'pytest.ini',
    { names: ['pytest.ini'], files: { 'pytest.ini': '[pytest]\n' } },
    ['python3', '-m', 'pytest'],
    'pytest.ini',
  ],
  [
    'pyproject with tool.pytest',
    {
      names: ['pyproject.toml'],
      files: { 'pyproject.toml': '[project]\nname="x"\n[tool.pytest.ini_options]\naddopts="-q"\n' },
    },
    ['python3', '-m', 'pytest'],
    'pyproject.toml',
  ],
  [
    'pyproject without pytest decides nothing',
    { names: ['pyproject.toml'], files: { 'pyproject.toml': '[project]\nname="x"\n' } },
    null,
    null,
  ],
  [
    'tox.ini [pytest]',
    { names: ['tox.ini'], files: { 'tox.ini': '[tox]\nenvlist=py3\n[pytest]\ntestpaths=tests\n' } },
    ['python3', '-m', 'pytest'],
    'tox.ini [pytest]',
  ],
  [
    'setup.cfg [tool:pytest]',
    { names: ['setup.cfg'], files: { 'setup.cfg': '[metadata]\nname=x\n[tool:pytest]\n' } },
    ['python3', '-m', 'pytest'],
    'setup.cfg [tool:pytest]',
  ],
  [
    'pytest through the virtualenv',
    { names: ['pytest.ini', '.venv'], files: { 'pytest.ini': '[pytest]\n' } },
    ['.venv/bin/python', '-m', 'pytest'],
    'pytest.ini',
  ],
  ['maven wrapper', { names: ['pom.xml', 'mvnw'], files: {} }, ['./mvnw', 'test'], 'pom.xml (mvnw)'],
  ['maven', { names: ['pom.xml'], files: {} }, ['mvn', 'test'], 'pom.xml'],
  [
    'gradle wrapper',
    { names: ['build.gradle.kts', 'gradlew'], files: {} },
    ['./gradlew', 'test'],
    'build.gradle.kts (gradlew)',
  ],
  ['gradle', { names: ['build.gradle'], files: {} }, ['gradle', 'test'], 'build.gradle'],
  [
    'rspec',
    { names: ['Gemfile', 'spec'], files: { Gemfile: "source 'https://rubygems.org'\ngem 'rspec'\n" } },
    ['bundle', 'exec', 'rspec'],
    'Gemfile (rspec)',
  ],
  [
    'rake test',
    {
      names: ['Gemfile', 'Rakefile'],
      files: { Gemfile: "gem 'minitest'\n", Rakefile: 'require "rake/testtask"\n' },
    },
    ['bundle', 'exec', 'rake', 'test'],
    'Gemfile and Rakefile',
  ],
  ['dotnet', { names: ['App.sln', 'src'], files: {} }, ['dotnet', 'test'], 'App.sln'],
  [
    'composer test',
    { names: ['composer.json'], files: { 'composer.json': '{"scripts":{"test":"phpunit"}}' } },
    ['composer', 'test'],
    'composer.json scripts.test',
  ],
  [
    'phpunit',
    { names: ['composer.json', 'phpunit.xml.dist'], files: { 'composer.json': '{"require":{}}' } },
    ['vendor/bin/phpunit'],
    'phpunit.xml.dist',
  ],
  [
    'Makefile test target',
    { names: ['Makefile'], files: { Makefile: '.PHONY: test\ntest:\n\tprove -r t\n' } },
    ['make', 'test'],
    'Makefile target test',
  ],
  [
    'Makefile without test target',
    { names: ['Makefile'], files: { Makefile: 'all:\n\tcc x.c\ntesting:\n\ttrue\n' } },
    null,
    null,
  ],
  ['nothing at all', { names: ['README.md'], files: {} }, null, null],
  [
    'unreadable package.json',
    { names: ['package.json'], files: { 'package.json': '{ not json' } },
    null,
    null,
  ],
];

describe('detectTestCommand', () => {
  it.each(cases)('%s', (_name, probe, argv, source) => {
    const got = detectTestCommand(probe);
    expect(got?.argv ?? null).toEqual(argv);
    expect(got?.source ?? null).toBe(source);
  });

  it("knows npm init's placeholder and nothing else as one", () => {
    expect(isPlaceholderScript(PLACEHOLDER)).toBe(true);
    expect(isPlaceholderScript('echo "no test specified"')).toBe(false);
    expect(isPlaceholderScript('node --test')).toBe(false);
  });

  it('proposes a command by what the workspace holds', () => {
    expect(proposeTestCommand({ names: ['package.json'], files: { 'package.json': pkg(PLACEHOLDER) } })).toBe(
      'node --test',
    );
    expect(proposeTestCommand({ names: ['app.py'], files: {} })).toBe('python3 -m pytest');
    expect(proposeTestCommand({ names: ['x.c'], files: {} })).toBe('make test');
  });

  it('splits an answer into argv with quotes grouping', () => {
    expect(splitCommand('  pnpm test -- --run ')).toEqual(['pnpm', 'test', '--', '--run']);
    expect(splitCommand('python3 -m pytest -k "not slow" \'a b\'')).toEqual([
      'python3',
      '-m',
      'pytest',
      '-k',
      'not slow',
      'a b',
    ]);
    expect(splitCommand('   ')).toEqual([]);
  });

  it('reads the probed files from disk', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'ce-probe-'));
    try {
      await writeFile(path.join(root, 'package.json'), pkg(PLACEHOLDER));
      await writeFile(path.join(root, 'go.mod'), 'module x\n');
      await mkdir(path.join(root, 'pkg'));
      const probe = probeWorkspace(root);
      expect(probe.names.sort()).toEqual(['go.mod', 'package.json', 'pkg']);
      expect(Object.keys(probe.files)).toEqual(['package.json']);
      expect(detectTestCommand(probe)).toEqual({ argv: ['go', 'test', '-json', './...'], source: 'go.mod' });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
