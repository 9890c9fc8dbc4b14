/**
 * Checks beyond the tests: detection per stack (in-memory probes, and real fixture directories
 * read by probeChecks), config over detection, the config key's validation and its trust line.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeTrustInputs } from '../../src/config/trust.js';
import { validateConfig } from '../../src/config/schema.js';
import { detectChecks, probeChecks, resolveChecks, type CheckProbe } from '../../src/tools/checkCommands.js';

const probe = (names: string[], files: Record<string, string> = {}, bins: string[] = []): CheckProbe => ({
  names: [...names, ...Object.keys(files)],
  files,
  bins,
});
const argvs = (p: CheckProbe) => Object.fromEntries(detectChecks(p).map((c) => [c.name, c.argv.join(' ')]));

const dirs: string[] = [];
async function fixture(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'checks-fixture-'));
  dirs.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('detectChecks', () => {
  it('a TypeScript repository: tsc --noEmit only when a tsconfig.json exists and typescript is installed; eslint by its config', () => {
    expect(argvs(probe(['tsconfig.json', 'eslint.config.js'], {}, ['tsc', 'eslint']))).toEqual({
      typecheck: 'node_modules/.bin/tsc --noEmit --pretty false',
      lint: 'node_modules/.bin/eslint .',
    });
    expect(argvs(probe(['tsconfig.json'], {}, []))).toEqual({});
    expect(argvs(probe(['eslint.config.js'], {}, ['tsc']))).toEqual({});
    expect(argvs(probe(['biome.json'], {}, ['biome']))).toEqual({ lint: 'node_modules/.bin/biome lint .' });
  });

  it("the project's own scripts win, in its package manager", () => {
    const pkg = JSON.stringify({
      scripts: {
        test: 'vitest run',
        typecheck: 'tsc -p . --noEmit',
        lint: 'eslint src',
        build: 'tsc -p tsconfig.build.json',
      },
    });
    expect(
      argvs(
        probe(['tsconfig.json', 'pnpm-lock.yaml', 'eslint.config.js'], { 'package.json': pkg }, [
          'tsc',
          'eslint',
        ]),
      ),
    ).toEqual({ typecheck: 'pnpm run typecheck', lint: 'pnpm run lint', build: 'pnpm run build' });
    expect(detectChecks(probe([], { 'package.json': pkg })).map((c) => c.source)).toEqual([
      'package.json scripts.typecheck',
      'package.json scripts.lint',
      'package.json scripts.build',
    ]);
    expect(argvs(probe([], { 'package.json': JSON.stringify({ scripts: { build: 'tsc' } }) }))).toEqual({
      build: 'npm run --silent build',
    });
  });

  it('Python: ruff by ruff.toml or [tool.ruff]; mypy by mypy.ini or [tool.mypy]; the .venv python when there is one', () => {
    expect(argvs(probe(['ruff.toml'], {}))).toEqual({
      lint: 'python3 -m ruff check --output-format=concise .',
    });
    expect(
      argvs(
        probe(['.venv'], {
          'pyproject.toml': '[tool.ruff]\nline-length = 100\n[tool.mypy]\nstrict = true\n',
        }),
      ),
    ).toEqual({
      typecheck: '.venv/bin/python -m mypy .',
      lint: '.venv/bin/python -m ruff check --output-format=concise .',
    });
    expect(argvs(probe([], { 'pyproject.toml': '[tool.pytest.ini_options]\n' }))).toEqual({});
  });

  it('Go: go vet, and golangci-lint by its config; Rust: cargo check', () => {
    expect(argvs(probe(['go.mod']))).toEqual({ typecheck: 'go vet ./...' });
    expect(argvs(probe(['go.mod', '.golangci.yml']))).toEqual({
      typecheck: 'go vet ./...',
      lint: 'golangci-lint run',
    });
    expect(argvs(probe(['Cargo.toml']))).toEqual({ typecheck: 'cargo check --message-format=short' });
  });

  it('reads real workspaces: tsconfig with typescript installed, ruff config, go.mod, Cargo.toml', async () => {
    const ts = await fixture({
      'tsconfig.json': '{}',
      'node_modules/.bin/tsc': '#!/bin/sh\n',
      'src/a.ts': 'export const a = 1;\n',
    });
    expect(detectChecks(probeChecks(ts))).toEqual([
      {
        name: 'typecheck',
        argv: ['node_modules/.bin/tsc', '--noEmit', '--pretty', 'false'],
        source: 'tsconfig.json (typescript installed)',
      },
    ]);
    const noTs = await fixture({ 'tsconfig.json': '{}' });
    expect(detectChecks(probeChecks(noTs))).toEqual([]);
    const py = await fixture({ 'pyproject.toml': '[project]\nname = "x"\n\n[tool.ruff]\nselect = ["E"]\n' });
    expect(detectChecks(probeChecks(py)).map((c) => [c.name, c.source])).toEqual([
      ['lint', 'pyproject.toml [tool.ruff]'],
    ]);
    const mypy = await fixture({ 'mypy.ini': '[mypy]\n' });
    expect(detectChecks(probeChecks(mypy)).map((c) => c.source)).toEqual(['mypy.ini']);
    const go = await fixture({ 'go.mod': 'module example.com/x\n' });
    expect(detectChecks(probeChecks(go)).map((c) => c.argv.join(' '))).toEqual(['go vet ./...']);
    const rust = await fixture({ 'Cargo.toml': '[package]\nname = "x"\n' });
    expect(detectChecks(probeChecks(rust)).map((c) => c.argv.join(' '))).toEqual([
      'cargo check --message-format=short',
    ]);
  });
});

describe('config checks over detection', () => {
  const detected = detectChecks(probe(['tsconfig.json', 'eslint.config.js'], {}, ['tsc', 'eslint']));

  it('replaces a detected check, turns one off with [], and adds new names after the detected ones', () => {
    const out = resolveChecks(detected, {
      lint: [],
      typecheck: ['npx', 'tsc', '-p', 'tsconfig.app.json'],
      format: ['npx', 'prettier', '--check', '.'],
      build: ['make'],
    });
    expect(out).toEqual([
      {
        name: 'typecheck',
        argv: ['npx', 'tsc', '-p', 'tsconfig.app.json'],
        source: 'config checks.typecheck',
      },
      { name: 'build', argv: ['make'], source: 'config checks.build' },
      { name: 'format', argv: ['npx', 'prettier', '--check', '.'], source: 'config checks.format' },
    ]);
    expect(resolveChecks(detected, {})).toEqual(detected);
  });

  it('validates the key: argv lists under lower-case names', () => {
    expect(validateConfig({ checks: { typecheck: ['tsc', '--noEmit'] } }).config?.checks).toEqual({
      typecheck: ['tsc', '--noEmit'],
    });
    expect(validateConfig({}).config?.checks).toEqual({});
    expect(validateConfig({ checks: { lint: 'eslint .' } }).issues).toEqual([
      'checks.lint: a list of words, not one string: e.g. ["eslint","."]',
    ]);
    expect(validateConfig({ checks: { 'Bad Name': ['x'] } }).issues[0]).toMatch(/^checks\.Bad Name: /);
  });

  it('a workspace config that sets checks is described before trust as commands it runs', () => {
    const lines = describeTrustInputs([{ file: 'claude-exec.config.json', kind: 'config', text: '' }], {
      parseConfig: () => ({ checks: { lint: ['sh', '-c', 'curl attacker'], typecheck: [] } }),
      builtinPrompts: new Set(),
      builtinWorkflows: new Set(),
    });
    expect(lines).toEqual([
      'claude-exec.config.json: runs the lint check sh -c curl attacker (in the sandbox unless you turned it off)',
      'claude-exec.config.json: turns off the typecheck check',
    ]);
  });
});
