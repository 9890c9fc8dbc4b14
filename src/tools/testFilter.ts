/**
 * run_tests `{filter}` narrowed the way each runner narrows: a test file runs that file alone, a
 * name runs the tests whose name matches. `npm test` cannot narrow (npm passes the word to the
 * script, which may run a build first or ignore it), so when the test command is a package
 * manager's `test` the runner is read from package.json's test script and run directly from
 * node_modules/.bin. Pure: argv and scripts in, argv out.
 *
 * | runner | a file | a name |
 * |---|---|---|
 * | jest | `jest <file>` | `jest -t <name>` |
 * | vitest | `vitest run <file>` | `vitest run -t <name>` |
 * | mocha | `mocha <file>` | `mocha --grep <name>` |
 * | node:test | `node --test <file>` | `node --test-name-pattern=<name> --test` |
 * | pytest | `pytest <file>` | `pytest -k <name>` |
 * | go test | `go test ./<dir of file>` | `go test -run <name> ./...` |
 * | cargo | `cargo test --test <stem>` (tests/<stem>.rs) | `cargo test <name>` |
 *
 * Anything else gets the filter appended as one argument (what run_tests did before).
 */
import path from 'node:path';

/** Pure: does the filter name a file (it has a `/` or a file extension) rather than a test name? */
export function isFileFilter(filter: string): boolean {
  return filter.includes('/') || /\.[A-Za-z]{1,5}$/.test(filter);
}

const PACKAGE_MANAGER_TEST = [
  ['npm', 'test'],
  ['npm', 'run', 'test'],
  ['npm', 't'],
  ['pnpm', 'test'],
  ['pnpm', 'run', 'test'],
  ['yarn', 'test'],
  ['yarn', 'run', 'test'],
  ['bun', 'run', 'test'],
];
const same = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Pure: the runner argv behind a package.json test script, or null when it cannot be run
 * directly: a script of several commands (`&&`, `;`, `|`) uses its last one (the build steps
 * before it are left out of a narrowed run); environment assignments, shell syntax or an unknown
 * runner give null. `jest` → `node_modules/.bin/jest`; `node …` stays `node`.
 */
export function scriptRunner(script: string): string[] | null {
  const last =
    script
      .split(/&&|;|\|\|/)
      .at(-1)
      ?.trim() ?? '';
  if (!last || /[|<>$`'"*(){}]|^\w+=/.test(last)) return null;
  const words = last.split(/\s+/);
  const [cmd] = words;
  if (cmd === 'node') return words.includes('--test') ? words : null;
  if (cmd === 'npx' && words[1] && RUNNERS.has(words[1]))
    return [`node_modules/.bin/${words[1]}`, ...words.slice(2)];
  if (cmd && RUNNERS.has(cmd)) return [`node_modules/.bin/${cmd}`, ...words.slice(1)];
  return null;
}

const RUNNERS = new Set(['jest', 'vitest', 'mocha']);

/** Pure: the runner an argv runs (`jest`, `vitest`, `mocha`, `node:test`, `pytest`, `go`, `cargo`), or null. */
export function runnerOf(argv: readonly string[]): string | null {
  const bin = path.posix.basename(argv[0] ?? '');
  if (RUNNERS.has(bin)) return bin;
  if (bin === 'node' && argv.includes('--test')) return 'node:test';
  if (bin === 'pytest' || (/^python[\d.]*$/.test(bin) && argv[1] === '-m' && argv[2] === 'pytest'))
    return 'pytest';
  if (bin === 'go' && argv[1] === 'test') return 'go';
  if (bin === 'cargo' && argv[1] === 'test') return 'cargo';
  return null;
}

/** Positional arguments of a node --test / mocha / jest / vitest command that select files (dropped when a file is given). */
function withoutPaths(args: readonly string[]): string[] {
  return args.filter(
    (a) => a.startsWith('-') || !(a.includes('/') || a.includes('*') || /\.[cm]?[jt]sx?$/.test(a)),
  );
}

/**
 * Pure: the argv that runs `command` narrowed by `filter` (already checked by `isSafeFilter` and
 * the path guard). `testScript`: package.json's `scripts.test`, read when `command` is a package
 * manager's test. Returns `{argv, narrowed}`; `narrowed` false when the filter was only appended.
 */
export function narrowTestCommand(
  command: readonly string[],
  filter: string,
  testScript?: string,
): { argv: string[]; narrowed: boolean } {
  let argv = [...command];
  if (PACKAGE_MANAGER_TEST.some((p) => same(p, command)) && testScript !== undefined) {
    const runner = scriptRunner(testScript);
    if (runner) argv = runner;
  }
  const file = isFileFilter(filter);
  const [bin, ...args] = argv;
  switch (runnerOf(argv)) {
    case 'jest':
      return {
        argv: file ? [bin!, ...withoutPaths(args), filter] : [bin!, ...args, '-t', filter],
        narrowed: true,
      };
    case 'vitest': {
      const rest = args[0] === 'run' ? args.slice(1) : args.filter((a) => a !== 'watch');
      return {
        argv: file ? [bin!, 'run', ...withoutPaths(rest), filter] : [bin!, 'run', ...rest, '-t', filter],
        narrowed: true,
      };
    }
    case 'mocha':
      return {
        argv: file ? [bin!, ...withoutPaths(args), filter] : [bin!, ...args, '--grep', filter],
        narrowed: true,
      };
    case 'node:test':
      // node reads its own options only before the first file argument.
      return {
        argv: file ? [bin!, ...withoutPaths(args), filter] : [bin!, `--test-name-pattern=${filter}`, ...args],
        narrowed: true,
      };
    case 'pytest': {
      const head = path.posix.basename(bin!) === 'pytest' ? 1 : 3;
      return {
        argv: file
          ? [...argv.filter((a, i) => i < head || a.startsWith('-')), filter]
          : [...argv, '-k', filter],
        narrowed: true,
      };
    }
    case 'go': {
      const flags = args.slice(1).filter((a) => a.startsWith('-'));
      if (!file)
        return {
          argv: [bin!, 'test', ...flags, '-run', filter, ...args.slice(1).filter((a) => !a.startsWith('-'))],
          narrowed: true,
        };
      const dir = filter.endsWith('.go') ? path.posix.dirname(filter) : filter.replace(/\/+$/, '');
      return {
        argv: [bin!, 'test', ...flags, dir === '.' ? '.' : `./${dir.replace(/^\.\//, '')}`],
        narrowed: true,
      };
    }
    case 'cargo': {
      const m = /^tests\/([\w-]+)\.rs$/.exec(filter.replace(/^\.\//, ''));
      if (file && m) return { argv: [bin!, 'test', ...args.slice(1), '--test', m[1]!], narrowed: true };
      if (!file) return { argv: [bin!, 'test', ...args.slice(1), filter], narrowed: true };
      return { argv: [...command, filter], narrowed: false };
    }
    default:
      return { argv: [...command, filter], narrowed: false };
  }
}
