/**
 * The test runs of a `tests_fail_before_pass_after` eval assertion: the test files a case's step
 * wrote, run with the workspace's test command (detected from the fixture's files the way a chain
 * detects its own, src/tools/testCommand.ts) through the chain's test runner (`runTestCommand`, in
 * the configured sandbox) — on the fixture with those tests (must fail), on the fixture with the
 * case's `after` overlay and those tests (must pass), and on the fixture alone when the first
 * failed (to tell the new tests' failures from the fixture's own). Judged by src/evals/beforeAfter.ts.
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { judgeBeforeAfter, type SideRun } from '../../evals/beforeAfter.js';
import { runTestCommand, type Sandbox } from '../../tools/index.js';
import { detectTestCommand, probeWorkspace } from '../../tools/testCommand.js';
import { countsText, parseTestOutput } from '../../tools/testReport.js';
import { REPORT_OUTPUT_BYTES } from '../../engine/testing.js';

export interface BeforeAfterInput {
  /** The case's fixture (inputs.workspace), absolute. */
  fixture: string;
  /** The assertion's overlay of reference implementation files, absolute. */
  after: string;
  /** The workspace the step ran in (where its test files are read). */
  stepWorkspace: string;
  /** The test files the step wrote, relative to `stepWorkspace` (session_memory.tests_written). */
  tests: readonly string[];
  /** An empty directory for the copies (removed by the caller). */
  scratch: string;
  sandbox: Sandbox;
  /** Kill a test run after this many ms (config limits.test_timeout_ms). */
  timeoutMs: number;
}

/** Runs the test command in `root` and reads the runner's summary: passed, failing names (workspace-relative), a summary line. */
async function runSide(root: string, argv: string[], input: BeforeAfterInput): Promise<SideRun> {
  const r = await runTestCommand({
    root,
    command: argv,
    timeoutMs: input.timeoutMs,
    maxOutputBytes: REPORT_OUTPUT_BYTES,
    sandbox: input.sandbox,
  });
  const report = parseTestOutput(r.output);
  const abs = `${path.resolve(root)}${path.sep}`;
  const rel = (f: string) => f.split(`file://${abs}`).join('').split(abs).join('');
  const failing = [
    ...(report?.failing ?? []),
    ...(report?.broken ?? []).map((b) => `${b} (did not build)`),
  ].map(rel);
  const counts = report ? countsText({ ...report, broken: report.broken.length }) : 'summary not recognised';
  return {
    passed: r.passed,
    failing,
    summary: r.timedOut ? `timed out after ${input.timeoutMs} ms` : `exit ${r.exitCode}, ${counts}`,
  };
}

/** A copy of the fixture in `dir`, then `overlay` over it (when given), then the step's test files. */
async function prepare(
  dir: string,
  input: BeforeAfterInput,
  tests: ReadonlyMap<string, Buffer>,
  overlay: string | null,
): Promise<string> {
  await cp(input.fixture, dir, { recursive: true });
  if (overlay) await cp(overlay, dir, { recursive: true, force: true });
  for (const [rel, content] of tests) {
    const file = path.resolve(dir, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
  return dir;
}

/**
 * Runs the step's tests before and after the reference implementation and judges them. Never
 * throws for a failing run; fails (with the reason in `detail`) when the step wrote no test file
 * or no test command can be told from the fixture. Throws only for I/O errors on the copies.
 */
export async function testsBeforeAfter(input: BeforeAfterInput): Promise<{ pass: boolean; detail: string }> {
  const written = input.tests.filter((rel) => {
    const rp = path.relative(input.stepWorkspace, path.resolve(input.stepWorkspace, rel));
    return !rp.startsWith('..') && !path.isAbsolute(rp);
  });
  if (written.length === 0)
    return {
      pass: false,
      detail: 'the step wrote no test file, so there is nothing to run before and after',
    };
  const tests = new Map<string, Buffer>();
  for (const rel of written) {
    const content = await readFile(path.join(input.stepWorkspace, rel)).catch(() => null);
    if (content) tests.set(rel, content);
  }
  if (tests.size === 0)
    return { pass: false, detail: `the test files the step wrote are gone: ${written.join(', ')}` };
  const found = detectTestCommand(probeWorkspace(input.fixture));
  if (!found)
    return {
      pass: false,
      detail:
        'no test command can be told from the fixture (no package.json test script, pytest, go.mod, Cargo.toml, Makefile test target, …)',
    };
  const argv = found.argv;
  const before = await runSide(
    await prepare(path.join(input.scratch, 'before'), input, tests, null),
    argv,
    input,
  );
  const baseline = before.passed
    ? null
    : await runSide(await prepare(path.join(input.scratch, 'baseline'), input, new Map(), null), argv, input);
  const after = await runSide(
    await prepare(path.join(input.scratch, 'after'), input, tests, input.after),
    argv,
    input,
  );
  return judgeBeforeAfter({ tests: [...tests.keys()], argv, before, baseline, after });
}
