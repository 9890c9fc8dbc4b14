/**
 * The verdict of a `tests_fail_before_pass_after` assertion from the test runs made for it (the
 * runs themselves: src/features/library/evalTests.ts). Pure. The tests a step wrote must fail on the fixture
 * (at least one failure the fixture alone does not have) and pass on the fixture with the case's
 * `after` overlay (the reference implementation).
 */

/** One run of the workspace's test command, as read from the runner's summary (src/tools/testReport.ts). */
export interface SideRun {
  passed: boolean;
  /** The runner's failing test names and the files or units that did not build, workspace-relative. */
  failing: string[];
  /** e.g. `exit 1, 3 passed, 1 failed (node:test)`. */
  summary: string;
}

/** The runs of one check: `baseline` is the fixture alone (made only when `before` failed; null otherwise). */
export interface BeforeAfterRuns {
  /** The test files the step wrote, workspace-relative. */
  tests: string[];
  argv: string[];
  before: SideRun;
  baseline: SideRun | null;
  after: SideRun;
}

const names = (xs: readonly string[], max = 5) =>
  xs.length
    ? `${xs.slice(0, max).join('; ')}${xs.length > max ? ` … (+${xs.length - max})` : ''}`
    : 'no test named by the runner';

/**
 * Pass when `before` failed with a failure the fixture alone does not have (or the fixture alone
 * passed) and `after` passed. `detail` reports both sides: which tests failed before, or "passed
 * before the implementation: the tests do not test the change"; which failed after.
 */
export function judgeBeforeAfter(r: BeforeAfterRuns): { pass: boolean; detail: string } {
  const known = new Set(r.baseline?.passed === false ? r.baseline.failing : []);
  const fresh = r.before.failing.filter((f) => !known.has(f));
  const failedBefore = !r.before.passed && (r.baseline === null || r.baseline.passed || fresh.length > 0);
  const beforeText = r.before.passed
    ? `passed before the implementation: the tests do not test the change (${r.before.summary})`
    : failedBefore
      ? `failed before the implementation, as they should (${r.before.summary}; failing: ${names(r.baseline?.passed === false ? fresh : r.before.failing)})`
      : `failed before only where the fixture already fails without them (${r.before.summary}; failing: ${names(r.before.failing)})`;
  const afterText = r.after.passed
    ? `passed after it (${r.after.summary})`
    : `failed after the implementation, where they should pass (${r.after.summary}; failing: ${names(r.after.failing)})`;
  return {
    pass: failedBefore && r.after.passed,
    detail: `${r.tests.join(', ')} with \`${r.argv.join(' ')}\`: ${beforeText}; ${afterText}`,
  };
}
