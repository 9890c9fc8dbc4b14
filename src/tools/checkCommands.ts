/**
 * The workspace's checks beyond its tests — typecheck, lint, build — found from its files like the
 * test command (./testCommand.ts), or set in config `checks`. Each check is an argv run without a
 * shell, in the sandbox, like the test command; the model runs them with `run_check` (./runCheck.ts)
 * and a change is green only when they pass too (src/engine/checks.ts).
 *
 * `detectChecks` is pure: it takes the probe (root names, the text of a few root files, the tools
 * installed under node_modules/.bin) and returns the checks with the file that decided each.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { probeWorkspace, type WorkspaceProbe } from './testCommand.js';

/** A check and what decided it. */
export interface DetectedCheck {
  /** The name the model passes to run_check: `typecheck`, `lint`, `build`, or a name set in config. */
  name: string;
  /** argv, run without a shell in the workspace root. */
  argv: string[];
  /** e.g. `tsconfig.json (typescript installed)`, `package.json scripts.lint`, `config checks.lint`. */
  source: string;
}

/** What check detection looks at: the test probe plus the runners installed in node_modules/.bin. */
export interface CheckProbe extends WorkspaceProbe {
  /** Names among `NODE_BINS` present in the workspace's node_modules/.bin. */
  bins: string[];
}

/** node_modules/.bin entries detection asks about. */
const NODE_BINS = ['tsc', 'eslint', 'biome'] as const;
/** Root files whose text check detection reads besides the test probe's (./testCommand.ts). */
const CHECK_PROBED_FILES = ['mypy.ini'] as const;

const ESLINT_CONFIGS = [
  'eslint.config.js',
  'eslint.config.mjs',
  'eslint.config.cjs',
  'eslint.config.ts',
  'eslint.config.mts',
  '.eslintrc',
  '.eslintrc.js',
  '.eslintrc.cjs',
  '.eslintrc.json',
  '.eslintrc.yml',
  '.eslintrc.yaml',
];
const GOLANGCI_CONFIGS = ['.golangci.yml', '.golangci.yaml', '.golangci.toml', '.golangci.json'];

/** `npm run X` in the workspace's package manager (by lockfile or `packageManager`, as the test command). */
function runScript(p: WorkspaceProbe, pkg: { packageManager?: unknown }, script: string): string[] {
  const has = (n: string) => p.names.includes(n);
  const manager = typeof pkg.packageManager === 'string' ? pkg.packageManager.split('@')[0] : '';
  if (has('pnpm-lock.yaml') || manager === 'pnpm') return ['pnpm', 'run', script];
  if (has('yarn.lock') || manager === 'yarn') return ['yarn', 'run', script];
  if (has('bun.lockb') || has('bun.lock') || manager === 'bun') return ['bun', 'run', script];
  return ['npm', 'run', '--silent', script];
}

function packageScripts(
  p: WorkspaceProbe,
): { pkg: { packageManager?: unknown }; scripts: Record<string, string> } | null {
  const text = p.files['package.json'];
  if (text === undefined) return null;
  try {
    const pkg = JSON.parse(text) as { scripts?: Record<string, unknown>; packageManager?: unknown };
    const scripts: Record<string, string> = {};
    for (const [k, v] of Object.entries(pkg.scripts ?? {}))
      if (typeof v === 'string' && v.trim()) scripts[k] = v;
    return { pkg, scripts };
  } catch {
    return null;
  }
}

/**
 * Pure: the workspace's checks, at most one per name, in the order typecheck, lint, build.
 * - A package.json script `typecheck`, `lint` or `build` wins (the project's own command).
 * - typecheck: `tsc --noEmit` with a tsconfig.json and typescript installed; `go vet ./...` with a
 *   go.mod (vet type-checks every package); `cargo check` with a Cargo.toml; mypy with mypy.ini or
 *   `[tool.mypy]` in pyproject.toml.
 * - lint: eslint with an eslint config and eslint installed; biome with biome.json(c) and biome
 *   installed; ruff with ruff.toml, .ruff.toml or `[tool.ruff]`; golangci-lint with a .golangci config.
 * - build: only from the package.json script (Go and Cargo build in their typecheck).
 * Python runs as `.venv/bin/python` when a .venv exists, else python3, like pytest.
 */
export function detectChecks(p: CheckProbe): DetectedCheck[] {
  const has = (n: string) => p.names.includes(n);
  const bin = (n: string) => p.bins.includes(n);
  const pkg = packageScripts(p);
  const python = has('.venv') ? '.venv/bin/python' : 'python3';
  const pyproject = p.files['pyproject.toml'] ?? '';
  const found = new Map<string, DetectedCheck>();
  const add = (c: DetectedCheck) => {
    if (!found.has(c.name)) found.set(c.name, c);
  };
  for (const name of ['typecheck', 'lint', 'build']) {
    if (pkg?.scripts[name] !== undefined)
      add({ name, argv: runScript(p, pkg.pkg, name), source: `package.json scripts.${name}` });
  }
  if (has('tsconfig.json') && bin('tsc'))
    add({
      name: 'typecheck',
      argv: ['node_modules/.bin/tsc', '--noEmit', '--pretty', 'false'],
      source: 'tsconfig.json (typescript installed)',
    });
  if (has('go.mod')) add({ name: 'typecheck', argv: ['go', 'vet', './...'], source: 'go.mod' });
  if (has('Cargo.toml'))
    add({ name: 'typecheck', argv: ['cargo', 'check', '--message-format=short'], source: 'Cargo.toml' });
  if (p.files['mypy.ini'] !== undefined || /^\[tool\.mypy\]/m.test(pyproject))
    add({
      name: 'typecheck',
      argv: [python, '-m', 'mypy', '.'],
      source: p.files['mypy.ini'] !== undefined ? 'mypy.ini' : 'pyproject.toml [tool.mypy]',
    });
  const eslint = ESLINT_CONFIGS.find(has);
  if (eslint && bin('eslint'))
    add({ name: 'lint', argv: ['node_modules/.bin/eslint', '.'], source: `${eslint} (eslint installed)` });
  const biome = ['biome.json', 'biome.jsonc'].find(has);
  if (biome && bin('biome'))
    add({
      name: 'lint',
      argv: ['node_modules/.bin/biome', 'lint', '.'],
      source: `${biome} (biome installed)`,
    });
  const ruff =
    ['ruff.toml', '.ruff.toml'].find(has) ??
    (/^\[tool\.ruff[\].]/m.test(pyproject) ? 'pyproject.toml [tool.ruff]' : undefined);
  if (ruff)
    add({
      name: 'lint',
      argv: [python, '-m', 'ruff', 'check', '--output-format=concise', '.'],
      source: ruff,
    });
  const golangci = GOLANGCI_CONFIGS.find(has);
  if (golangci) add({ name: 'lint', argv: ['golangci-lint', 'run'], source: golangci });
  return [...found.values()];
}

/**
 * Pure: the chain's checks: config `checks` (name → argv; an empty argv turns a detected check
 * off) over the detected ones. Detected checks keep their order; configured ones that were not
 * detected follow, sorted by name.
 */
export function resolveChecks(
  detected: readonly DetectedCheck[],
  configured: Readonly<Record<string, readonly string[]>> = {},
): DetectedCheck[] {
  const out: DetectedCheck[] = [];
  for (const d of detected) {
    const set = configured[d.name];
    if (set === undefined) out.push(d);
    else if (set.length) out.push({ name: d.name, argv: [...set], source: `config checks.${d.name}` });
  }
  for (const name of Object.keys(configured).sort()) {
    const set = configured[name]!;
    if (set.length && !detected.some((d) => d.name === name))
      out.push({ name, argv: [...set], source: `config checks.${name}` });
  }
  return out;
}

/** Reads what `detectChecks` needs from `root`. */
export function probeChecks(root: string): CheckProbe {
  const base = probeWorkspace(root, CHECK_PROBED_FILES);
  const bins = NODE_BINS.filter((b) => existsSync(path.join(root, 'node_modules', '.bin', b)));
  return { ...base, bins };
}
