/**
 * Pure: the shapes a test run's output is read into (./testReport.ts) and the small text helpers
 * the per-runner readers share.
 */

/** One failure read from a run's output. */
export interface TestFailure {
  /**
   * `test`: a test ran and failed. `build`: a unit (a Go package, a Rust crate, a pytest module,
   * a jest/vitest suite, a node:test or mocha file, a TypeScript file) failed to build, collect or
   * load, so none of its tests ran.
   */
  kind: 'test' | 'build';
  /** The test's name as the runner prints it, or the unit that did not build. */
  name: string;
  /** The assertion or error message, code frames and runner stack frames left out; at most 1,200 characters. */
  message: string;
  /** `file:line` (or `file:line:column`) where it failed, when the output says; else null. */
  location: string | null;
}

/** The runners whose output is read. */
type Runner = 'node:test' | 'jest' | 'vitest' | 'mocha' | 'pytest' | 'go test' | 'cargo test' | 'tsc';

export interface TestReport {
  runner: Runner;
  /** Counts of tests; null when the output does not give that number (`go test` without -json or -v: passed). */
  passed: number | null;
  /** Tests that ran and failed (units that did not build are in `broken`, not here). */
  failed: number;
  skipped: number | null;
  /** Names of failing tests as the runner prints them, deduplicated, at most 50. */
  failing: string[];
  /** Units that failed to build, collect or load (package, crate, module, suite, file), at most 50. */
  broken: string[];
  /** The failures with their message and location: units that did not build first, then tests; at most 50. */
  failures: TestFailure[];
}

/** Most characters kept of one failure's message. */
const MESSAGE_CHARS = 1200;
/** Most names and failures kept from one run. */
const MAX_ITEMS = 50;

// eslint-disable-next-line no-control-regex
export const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** Pure: trimmed, non-empty, deduplicated, at most 50. */
export const uniq = (xs: string[]): string[] =>
  [...new Set(xs.map((x) => x.trim()).filter(Boolean))].slice(0, MAX_ITEMS);

export const num = (s: string | undefined): number => (s === undefined ? 0 : Number(s));

/** Pure: the last match of `re` in `text`, or null. */
export function lastMatch(text: string, re: RegExp): RegExpMatchArray | null {
  const all = [...text.matchAll(new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`))];
  return all.at(-1) ?? null;
}

/** Pure: `lines` dedented by their smallest indent, blank runs squeezed, trimmed, cut to 1,200 characters. */
export function messageOf(lines: string[]): string {
  const indents = lines.filter((l) => l.trim()).map((l) => /^\s*/.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  const text = lines
    .map((l) => l.slice(cut).trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return text.length > MESSAGE_CHARS ? `${text.slice(0, MESSAGE_CHARS)} …` : text;
}

/** Pure: the first `path:line[:col]` in `text` outside node_modules and runtime internals, or null. */
export function firstLocation(text: string): string | null {
  for (const m of text.matchAll(
    /(?:file:\/\/)?((?:[A-Za-z]:)?[\w./@+-]*[\w@+-]\.[A-Za-z]{1,4}):(\d+)(?::(\d+))?/g,
  )) {
    const file = m[1]!;
    if (/node_modules|^node:|^internal\//.test(file) || file.startsWith('/rustc/')) continue;
    return `${file}:${m[2]}${m[3] ? `:${m[3]}` : ''}`;
  }
  return null;
}

/** Pure: failures with units that did not build first, deduplicated by kind and name, at most 50. */
export function orderFailures(fs: TestFailure[]): TestFailure[] {
  const seen = new Set<string>();
  const out: TestFailure[] = [];
  for (const f of [...fs.filter((x) => x.kind === 'build'), ...fs.filter((x) => x.kind === 'test')]) {
    const key = `${f.kind}\0${f.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out.slice(0, MAX_ITEMS);
}
