/**
 * Pure: what the model is told about a failed test run — the failure blocks first (the units that
 * did not build, then each failing test with its message and `file:line`), then the summary —
 * within a byte budget that names what it left out. Output no runner's reader recognised, or a
 * red run with no failure found in it, is shown by its last lines instead.
 */
import { countsText, parseTestOutput, readableOutput } from './testReport.js';
import type { TestFailure, TestReport } from './testReportTypes.js';

/** The digest's default budget, UTF-8 bytes: it fits the 4,000-character feedback a prompt is given (src/phases/machine.ts). */
const DIGEST_BYTES = 3600;

export interface DigestInput {
  failures: TestFailure[];
  /** Failing test names (some may have no block of their own, e.g. a suite around a failing test). */
  failing: string[];
  /** The summary line (`1 failed, 300 passed (node:test)`), or null when the output was not recognised. */
  summary: string | null;
  /** The output as a person reads it, for when no failure was found in it. */
  output: string;
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

function block(f: TestFailure): string {
  const head = `${f.kind === 'build' ? 'DID NOT BUILD' : 'FAILED'} ${f.name}${f.location ? ` — ${f.location}` : ''}`;
  return f.message ? `${head}\n${f.message.replace(/^/gm, '  ')}` : head;
}

function lastBytes(text: string, max: number): string {
  if (bytes(text) <= max) return text;
  let cut = text.slice(-max);
  while (bytes(cut) > max) cut = cut.slice(1);
  const nl = cut.indexOf('\n');
  return nl >= 0 && nl < cut.length - 1 ? cut.slice(nl + 1) : cut;
}

/**
 * The last whole lines of `text` within about `max` bytes, counting each decimal number (a
 * duration such as `duration_ms: 12.3456`) as if it were `0.0`, so which lines are kept does not
 * change from run to run with the timings (a replay compares them); lastBytes when the last line
 * alone is over the budget.
 */
function lastLines(text: string, max: number): string {
  if (bytes(text) <= max) return text;
  const lines = text.split('\n');
  let used = 0;
  let from = lines.length;
  while (from > 0) {
    const size = bytes(lines[from - 1]!.replace(/\d+\.\d+/g, '0.0')) + 1;
    if (used + size > max) break;
    used += size;
    from -= 1;
  }
  return from === lines.length ? lastBytes(text, max) : lines.slice(from).join('\n');
}

/**
 * Pure: the digest of a run within `maxBytes` (UTF-8; default 3,600). Blocks are kept whole in
 * order while they fit; the first is clipped rather than dropped; the rest are named in a last
 * line (`left out for the 3600-byte budget: …`). Without failures: the summary and the output's
 * last lines that fit.
 */
export function failureDigest(input: DigestInput, maxBytes = DIGEST_BYTES): string {
  const summary = input.summary
    ? `Summary: ${input.summary}`
    : 'Summary: not recognised (no known test runner summary in the output)';
  if (!input.failures.length) {
    const head = `${summary}\nNo failure could be read from the output; its last lines:\n`;
    return head + lastBytes(input.output.trimEnd(), Math.max(0, maxBytes - bytes(head)));
  }
  const named = new Set(input.failures.map((f) => f.name));
  const others = input.failing.filter(
    (n) => !named.has(n) && ![...named].some((m) => m.endsWith(n) || n.endsWith(m)),
  );
  const also = others.length
    ? `Also failing: ${others.slice(0, 10).join('; ')}${others.length > 10 ? ` … (+${others.length - 10})` : ''}`
    : '';
  const tailOf = (left: TestFailure[]) =>
    [
      also,
      left.length
        ? `${left.length} more failure(s) left out for the ${maxBytes}-byte budget: ${left
            .map((f) => f.name)
            .slice(0, 10)
            .join('; ')}${left.length > 10 ? ' …' : ''}`
        : '',
      summary,
    ]
      .filter(Boolean)
      .join('\n');
  const kept: string[] = [];
  for (let i = 0; i < input.failures.length; i++) {
    const b = block(input.failures[i]!);
    const rest = input.failures.slice(i + 1);
    const room = maxBytes - bytes([...kept, b].join('\n\n')) - bytes(`\n\n${tailOf(rest)}`);
    if (room >= 0) {
      kept.push(b);
      continue;
    }
    if (kept.length === 0) {
      // The first failure matters most: clipped to fit rather than left out.
      const fit = Math.max(0, maxBytes - bytes(`\n\n${tailOf(rest)}`) - bytes(' …[cut]'));
      let clipped = b.slice(0, fit);
      while (bytes(clipped) > fit) clipped = clipped.slice(0, -1);
      kept.push(`${clipped} …[cut]`);
      return `${kept.join('\n\n')}\n\n${tailOf(rest)}`;
    }
    return `${kept.join('\n\n')}\n\n${tailOf(input.failures.slice(i))}`;
  }
  return `${kept.join('\n\n')}\n\n${tailOf([])}`;
}

/** What `runDigest` reads of a recorded run (src/chain/schema.ts TestRun). */
export interface RecordedRun {
  failures: TestFailure[];
  failing: string[];
  broken: string[];
  counts: ({ runner: string } & Pick<TestReport, 'passed' | 'failed' | 'skipped'>) | null;
  timed_out: boolean;
  output_tail: string;
}

/**
 * Pure: the digest of a recorded run (`failureDigest`): its failure blocks, then its summary;
 * `output` (the readable output) stands in when no failure was read (default: the run's tail).
 */
export function runDigest(t: RecordedRun, output: string = t.output_tail, maxBytes = DIGEST_BYTES): string {
  const summary = t.counts
    ? countsText({ ...t.counts, broken: t.broken.length })
    : t.timed_out
      ? 'timed out'
      : null;
  return failureDigest({ failures: t.failures, failing: t.failing, summary, output }, maxBytes);
}

/** Most bytes of the output's last lines shown after the digest by run_tests. */
const TOOL_TAIL_BYTES = 1500;

/**
 * Pure: what the run_tests tool shows of a run's output, within `maxBytes`: when failures are read
 * from it, their digest (failures first, then the summary) and the output's last lines (at most
 * 1,500 bytes, e.g. the code's own prints); else the readable output's last `maxBytes` bytes, as
 * before (`go test -json` events turned back into text).
 */
export function presentTestOutput(output: string, maxBytes: number): string {
  const readable = readableOutput(output);
  const report = parseTestOutput(output);
  if (!report || !report.failures.length) return lastBytes(readable, maxBytes);
  const summary = countsText({ ...report, broken: report.broken.length });
  const digest = failureDigest(
    { failures: report.failures, failing: report.failing, summary, output: readable },
    Math.min(DIGEST_BYTES, Math.floor(maxBytes / 2)),
  );
  const head = `${digest}\n\nThe output's last lines:\n`;
  return head + lastLines(readable.trimEnd(), Math.max(0, Math.min(TOOL_TAIL_BYTES, maxBytes - bytes(head))));
}
