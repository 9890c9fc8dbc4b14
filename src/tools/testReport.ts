/**
 * Pure: reads the summary of a test run from its output (issue 8): passed / failed / skipped
 * counts and the names of failing tests, for node:test (TAP and spec reporters), jest, vitest,
 * mocha, pytest, go test and cargo test. Output of any other runner gives null; the caller keeps
 * the raw tail instead.
 */

export interface TestReport {
  runner: 'node:test' | 'jest' | 'vitest' | 'mocha' | 'pytest' | 'go test' | 'cargo test';
  /** Counts of tests; null when the runner's summary does not give that number (`go test` without -v: passed). */
  passed: number | null;
  failed: number;
  skipped: number | null;
  /** Names of failing tests as the runner prints them, deduplicated, at most 50. */
  failing: string[];
}

/** Pure: `1 failed, 2 passed, 1 skipped (node:test)` for a run's counts (passed and skipped left out when unknown or 0 skipped). */
export function countsText(c: { runner: string } & Pick<TestReport, 'passed' | 'failed' | 'skipped'>): string {
  return `${c.failed} failed${c.passed !== null ? `, ${c.passed} passed` : ''}${c.skipped ? `, ${c.skipped} skipped` : ''} (${c.runner})`;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
const uniq = (xs: string[]) => [...new Set(xs.map((x) => x.trim()).filter(Boolean))].slice(0, 50);
const num = (s: string | undefined) => (s === undefined ? 0 : Number(s));

function lastMatch(text: string, re: RegExp): RegExpMatchArray | null {
  const all = [...text.matchAll(new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`))];
  return all.at(-1) ?? null;
}

function nodeTest(t: string): TestReport | null {
  const count = (k: string) => lastMatch(t, new RegExp(`^(?:#|ℹ) ${k} (\\d+)$`, 'm'));
  const tests = count('tests');
  const pass = count('pass');
  const fail = count('fail');
  if (!tests || !pass || !fail) return null;
  const skipped = num(count('skipped')?.[1]) + num(count('todo')?.[1]);
  const tap = [...t.matchAll(/^\s*not ok \d+ - (.+?)(?: # .*)?$/gm)].map((m) => m[1]!);
  const spec = [...t.matchAll(/^\s*✖ (.+?)(?: \([\d.]+m?s\))?$/gm)].map((m) => m[1]!).filter((n) => n !== 'failing tests:');
  // A failing suite is reported as well as its failing tests; the innermost names are the tests.
  return { runner: 'node:test', passed: Number(pass[1]), failed: Number(fail[1]), skipped, failing: uniq([...tap, ...spec]) };
}

function jestOrVitest(t: string): TestReport | null {
  const vitest = lastMatch(t, /^\s*Tests\s+(.+?)\s*\((\d+)\)\s*$/m);
  if (vitest && /passed|failed|skipped/.test(vitest[1]!)) {
    const part = (k: string) => num(new RegExp(`(\\d+) ${k}`).exec(vitest[1]!)?.[1]);
    const failing = [...t.matchAll(/^\s*(?:FAIL|×|✗)\s+(.+?)(?:\s+\d+m?s)?$/gm)].map((m) => m[1]!);
    return { runner: 'vitest', passed: part('passed'), failed: part('failed'), skipped: part('skipped') + part('todo'), failing: uniq(failing) };
  }
  const jest = lastMatch(t, /^Tests:\s+(.+?),?\s*(\d+) total\s*$/m);
  if (jest) {
    const part = (k: string) => num(new RegExp(`(\\d+) ${k}`).exec(jest[1]!)?.[1]);
    const failing = [...t.matchAll(/^\s*● (.+?)$/gm)].map((m) => m[1]!).filter((n) => !n.startsWith('Test suite failed'));
    return { runner: 'jest', passed: part('passed'), failed: part('failed'), skipped: part('skipped') + part('todo'), failing: uniq(failing) };
  }
  return null;
}

function mocha(t: string): TestReport | null {
  const passing = lastMatch(t, /^\s*(\d+) passing \(/m);
  if (!passing) return null;
  const failing = lastMatch(t, /^\s*(\d+) failing\s*$/m);
  const pending = lastMatch(t, /^\s*(\d+) pending\s*$/m);
  const after = failing ? t.slice(t.lastIndexOf(failing[0])) : '';
  // "  1) suite\n       title:" — the suite and the test title on the lines after the count.
  const names = [...after.matchAll(/^\s*\d+\) (.+?):?\n(?:\s+(?!\d+\))(.+?):\n)?/gm)].map((m) => (m[2] ? `${m[1]} ${m[2]}` : m[1]!));
  return { runner: 'mocha', passed: Number(passing[1]), failed: num(failing?.[1]), skipped: num(pending?.[1]), failing: uniq(names) };
}

function pytest(t: string): TestReport | null {
  const line = lastMatch(t, /^=+ (.*\b(?:passed|failed|error|errors|skipped|no tests ran)\b.*) in [\d.]+s.*=+$/m);
  if (!line) return null;
  const part = (k: string) => num(new RegExp(`(\\d+) ${k}\\b`).exec(line[1]!)?.[1]);
  const failing = [...t.matchAll(/^(?:FAILED|ERROR) (\S+)/gm)].map((m) => m[1]!);
  return { runner: 'pytest', passed: part('passed'), failed: part('failed') + part('errors?'), skipped: part('skipped') + part('xfailed'), failing: uniq(failing) };
}

function goTest(t: string): TestReport | null {
  const pkgLines = [...t.matchAll(/^(ok|FAIL|\?)\s+\S+/gm)];
  const fails = [...t.matchAll(/^\s*--- FAIL: (\S+)/gm)].map((m) => m[1]!);
  const passes = [...t.matchAll(/^\s*--- PASS: (\S+)/gm)];
  const skips = [...t.matchAll(/^\s*--- SKIP: (\S+)/gm)];
  if (pkgLines.length === 0 && fails.length === 0) return null;
  if (!/^(ok|FAIL)\s/m.test(t) && fails.length === 0) return null;
  return { runner: 'go test', passed: passes.length ? passes.length : null, failed: uniq(fails).length, skipped: skips.length ? skips.length : null, failing: uniq(fails) };
}

function cargo(t: string): TestReport | null {
  const results = [...t.matchAll(/^test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/gm)];
  if (results.length === 0) return null;
  const sum = (i: number) => results.reduce((n, m) => n + Number(m[i]), 0);
  const failing = [...t.matchAll(/^test (\S+) \.\.\. FAILED$/gm)].map((m) => m[1]!);
  return { runner: 'cargo test', passed: sum(1), failed: sum(2), skipped: sum(3), failing: uniq(failing) };
}

/** Pure: the summary of a test run's output, or null when no known runner's summary is in it. */
export function parseTestOutput(output: string): TestReport | null {
  const t = output.replace(ANSI, '').replace(/\r\n?/g, '\n');
  return jestOrVitest(t) ?? nodeTest(t) ?? pytest(t) ?? cargo(t) ?? mocha(t) ?? goTest(t);
}
