/**
 * Pure: reads a test run's output: passed / failed / skipped counts, the names of
 * failing tests, the units that did not build, and each failure's message and location, for
 * node:test (TAP and spec reporters), jest, vitest, mocha, pytest, go test (plain and -json),
 * cargo test and tsc. Output of any other runner gives null; the caller keeps the raw tail instead.
 * The readers are per runner: ./testReportJs.ts, ./testReportPyRs.ts, ./testReportGo.ts.
 */
import { goJsonText, goTest } from './testReportGo.js';
import { jestOrVitest, mocha, nodeTest, tsc } from './testReportJs.js';
import { cargo, pytest } from './testReportPyRs.js';
import { ANSI, type TestReport } from './testReportTypes.js';

export type { TestFailure, TestReport } from './testReportTypes.js';

/**
 * Pure: `1 failed, 2 passed, 1 skipped, 1 did not build (node:test)` for a run's counts (passed
 * and skipped left out when unknown or 0 skipped; units that did not build when there are any).
 */
export function countsText(
  c: { runner: string; broken?: number } & Pick<TestReport, 'passed' | 'failed' | 'skipped'>,
): string {
  const broken = c.broken ? `, ${c.broken} did not build` : '';
  return `${c.failed} failed${c.passed !== null ? `, ${c.passed} passed` : ''}${c.skipped ? `, ${c.skipped} skipped` : ''}${broken} (${c.runner})`;
}

/** Pure: output with colour codes and CR removed. */
function plainText(output: string): string {
  return output.replace(ANSI, '').replace(/\r\n?/g, '\n');
}

/** Pure: the output as a person reads it: `go test -json` events turned back into their text; other output unchanged (colour codes removed). */
export function readableOutput(output: string): string {
  const t = plainText(output);
  return goJsonText(t)?.text ?? t;
}

/** Pure: the report of a run's output, or null when no known runner's summary is in it. */
export function parseTestOutput(output: string): TestReport | null {
  const t = plainText(output);
  // `go test -json` first: its events carry other runners' words in their Output.
  const goJson = t.includes('"Action"') ? goTest(t) : null;
  return goJson ?? jestOrVitest(t) ?? nodeTest(t) ?? pytest(t) ?? cargo(t) ?? mocha(t) ?? goTest(t) ?? tsc(t);
}
