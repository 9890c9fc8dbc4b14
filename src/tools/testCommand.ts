/**
 * Finds a workspace's test command from its files when a chain starts, so that the
 * command the chain runs is never left to the model and never npm's placeholder script.
 *
 * `detectTestCommand` is pure: it takes the few files it looks at (`WorkspaceProbe`) and returns
 * the argv with the file that decided it. `probeWorkspace` reads those files from disk.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** What detection looks at: text of the files it reads, and the names at the workspace root. */
export interface WorkspaceProbe {
  /** File names (and directory names) at the workspace root. */
  names: string[];
  /** Text of the root files detection reads (package.json, pyproject.toml, Makefile, …), by name. */
  files: Record<string, string>;
}

/** A test command and what decided it. */
export interface DetectedTestCommand {
  /** argv, run without a shell. */
  argv: string[];
  /** The file (and key) it came from, e.g. `package.json scripts.test (pnpm-lock.yaml)`. */
  source: string;
}

/** Root files whose text detection needs (others only count by name). */
const PROBED_FILES = [
  'package.json',
  'pyproject.toml',
  'pytest.ini',
  'tox.ini',
  'setup.cfg',
  'Makefile',
  'makefile',
  'GNUmakefile',
  'composer.json',
  'Gemfile',
  'Rakefile',
] as const;

/** npm init's placeholder: `echo "Error: no test specified" && exit 1` (it can never pass). */
export function isPlaceholderScript(script: string): boolean {
  return /no test specified/i.test(script) && /exit 1/.test(script);
}

function packageTest(p: WorkspaceProbe): DetectedTestCommand | null {
  const text = p.files['package.json'];
  if (text === undefined) return null;
  let pkg: { scripts?: Record<string, unknown>; packageManager?: unknown };
  try {
    pkg = JSON.parse(text) as typeof pkg;
  } catch {
    return null;
  }
  const script = pkg.scripts?.test;
  if (typeof script !== 'string' || !script.trim() || isPlaceholderScript(script)) return null;
  const has = (n: string) => p.names.includes(n);
  const manager = typeof pkg.packageManager === 'string' ? pkg.packageManager.split('@')[0] : '';
  if (has('pnpm-lock.yaml') || manager === 'pnpm')
    return {
      argv: ['pnpm', 'test'],
      source: `package.json scripts.test (${has('pnpm-lock.yaml') ? 'pnpm-lock.yaml' : 'packageManager pnpm'})`,
    };
  if (has('yarn.lock') || manager === 'yarn')
    return {
      argv: ['yarn', 'test'],
      source: `package.json scripts.test (${has('yarn.lock') ? 'yarn.lock' : 'packageManager yarn'})`,
    };
  if (has('bun.lockb') || has('bun.lock') || manager === 'bun')
    return {
      argv: ['bun', 'run', 'test'],
      source: `package.json scripts.test (${has('bun.lock') ? 'bun.lock' : has('bun.lockb') ? 'bun.lockb' : 'packageManager bun'})`,
    };
  return { argv: ['npm', 'test'], source: 'package.json scripts.test' };
}

function pytest(p: WorkspaceProbe): DetectedTestCommand | null {
  const f = p.files;
  const python = p.names.includes('.venv') ? '.venv/bin/python' : 'python3';
  const argv = [python, '-m', 'pytest'];
  if (f['pytest.ini'] !== undefined) return { argv, source: 'pytest.ini' };
  if (
    f['pyproject.toml'] !== undefined &&
    /\[tool\.pytest(\.ini_options)?\]|\bpytest\b/.test(f['pyproject.toml'])
  )
    return { argv, source: 'pyproject.toml' };
  if (f['tox.ini'] !== undefined && /^\[(pytest|tool:pytest)\]/m.test(f['tox.ini']))
    return { argv, source: 'tox.ini [pytest]' };
  if (f['setup.cfg'] !== undefined && /^\[tool:pytest\]/m.test(f['setup.cfg']))
    return { argv, source: 'setup.cfg [tool:pytest]' };
  if (p.names.includes('conftest.py')) return { argv, source: 'conftest.py' };
  return null;
}

function makeTarget(p: WorkspaceProbe): DetectedTestCommand | null {
  for (const name of ['GNUmakefile', 'Makefile', 'makefile']) {
    const text = p.files[name];
    if (text !== undefined && /^test\s*:/m.test(text))
      return { argv: ['make', 'test'], source: `${name} target test` };
  }
  return null;
}

function composer(p: WorkspaceProbe): DetectedTestCommand | null {
  const text = p.files['composer.json'];
  if (text !== undefined) {
    try {
      const json = JSON.parse(text) as { scripts?: Record<string, unknown> };
      if (json.scripts?.test !== undefined)
        return { argv: ['composer', 'test'], source: 'composer.json scripts.test' };
    } catch {
      // An unreadable composer.json decides nothing.
    }
  }
  if (p.names.includes('phpunit.xml') || p.names.includes('phpunit.xml.dist')) {
    return {
      argv: ['vendor/bin/phpunit'],
      source: p.names.includes('phpunit.xml') ? 'phpunit.xml' : 'phpunit.xml.dist',
    };
  }
  return null;
}

function ruby(p: WorkspaceProbe): DetectedTestCommand | null {
  const gemfile = p.files['Gemfile'];
  if (gemfile === undefined) return null;
  if (p.names.includes('.rspec') || p.names.includes('spec') || /['"]rspec(-rails)?['"]/.test(gemfile))
    return { argv: ['bundle', 'exec', 'rspec'], source: 'Gemfile (rspec)' };
  if (p.files['Rakefile'] !== undefined)
    return { argv: ['bundle', 'exec', 'rake', 'test'], source: 'Gemfile and Rakefile' };
  return null;
}

/**
 * Pure: the workspace's test command, or null when none can be told from its files. Order: the
 * package.json test script (npm's placeholder counts as none; pnpm, yarn or bun by lockfile or
 * `packageManager`), Go, Cargo, pytest, Maven/Gradle (wrapper first), Ruby, .NET, PHP, then a
 * Makefile `test` target.
 */
export function detectTestCommand(p: WorkspaceProbe): DetectedTestCommand | null {
  const has = (n: string) => p.names.includes(n);
  const node = packageTest(p);
  if (node) return node;
  // -json: every test's outcome and every package that failed to build, read as events (./testReportGo.ts).
  if (has('go.mod')) return { argv: ['go', 'test', '-json', './...'], source: 'go.mod' };
  if (has('Cargo.toml')) return { argv: ['cargo', 'test'], source: 'Cargo.toml' };
  const py = pytest(p);
  if (py) return py;
  if (has('mvnw') && has('pom.xml')) return { argv: ['./mvnw', 'test'], source: 'pom.xml (mvnw)' };
  if (has('pom.xml')) return { argv: ['mvn', 'test'], source: 'pom.xml' };
  const gradle = ['build.gradle', 'build.gradle.kts', 'settings.gradle', 'settings.gradle.kts'].find(has);
  if (gradle && has('gradlew')) return { argv: ['./gradlew', 'test'], source: `${gradle} (gradlew)` };
  if (gradle) return { argv: ['gradle', 'test'], source: gradle };
  const rb = ruby(p);
  if (rb) return rb;
  const dotnet = p.names.find((n) => /\.(sln|csproj|fsproj|vbproj)$/.test(n));
  if (dotnet) return { argv: ['dotnet', 'test'], source: dotnet };
  const php = composer(p);
  if (php) return php;
  return makeTarget(p);
}

/**
 * Pure: the command to propose when none was found (the default of the question the chain asks):
 * Node's own runner for a package.json without a real test script, pytest for Python files, else
 * `make test`.
 */
export function proposeTestCommand(p: WorkspaceProbe): string {
  if (p.files['package.json'] !== undefined) return 'node --test';
  if (p.names.some((n) => n.endsWith('.py')) || p.files['pyproject.toml'] !== undefined)
    return 'python3 -m pytest';
  return 'make test';
}

/**
 * Pure: an answer such as `pnpm test -- --run` or `python3 -m "py test"` as argv (split on
 * spaces; double or single quotes group). No shell runs it. Returns [] for a blank answer.
 */
export function splitCommand(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

/** Reads what `detectTestCommand` needs from `root`, and the text of `extra` root files (files over 256 KB are skipped). */
export function probeWorkspace(root: string, extra: readonly string[] = []): WorkspaceProbe {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    names = [];
  }
  const files: Record<string, string> = {};
  for (const name of [...PROBED_FILES, ...extra]) {
    const file = path.join(root, name);
    try {
      if (existsSync(file) && statSync(file).isFile() && statSync(file).size <= 256 * 1024)
        files[name] = readFileSync(file, 'utf8');
    } catch {
      // An unreadable file decides nothing.
    }
  }
  return { names, files };
}
