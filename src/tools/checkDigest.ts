/**
 * What the model reads of a check's output (typecheck, lint, build): the first problems, each with
 * its `file:line`, then the end of the output (the tools' summary line), within a byte budget.
 * Compilers and linters print a problem per line (`src/a.ts(3,7): error TS2322: …` from tsc,
 * `src/a.ts:3:7: error …` from most others) or, like eslint's default formatter, a file name line
 * followed by indented `line:col  error  message` lines; both are kept whole. Pure.
 */

/** Problems shown at most before the rest is counted. */
export const CHECK_PROBLEMS_SHOWN = 30;
/** Lines of the output's end shown after the problems (the summary). */
const CHECK_TAIL_LINES = 6;

/** `path:line[:col]` or `path(line,col)` with a file extension in the path. */
const LOCATED =
  /(?:^|[\s'"`(])(?:\.{0,2}\/)?[\w@.-]+(?:\/[\w@.-]+)*\.[A-Za-z]\w{0,5}(?::\d+(?::\d+)?|\(\d+,\d+\))/;
/** eslint stylish: `  3:7  error  'x' is defined but never used  no-unused-vars`. */
const STYLISH = /^\s+\d+:\d+\s+(error|warning)\s/;
/** A line that names a problem without a location (`error: could not compile`, `error[E0308]: …`). */
const PROBLEM = /\b(error|warning)(\[\w+\])?:|^\s*error\b/i;

/** Pure: the problem lines of `output` (with eslint's file headers), in order. */
export function problemLines(output: string): string[] {
  const lines = output.split('\n');
  const out: string[] = [];
  let header: string | null = null;
  for (const line of lines) {
    if (!line.trim()) continue;
    if (STYLISH.test(line)) {
      if (header !== null) out.push(header);
      header = null;
      out.push(line.trimEnd());
      continue;
    }
    if (!/^\s/.test(line) && /^(?:\.{0,2}\/)?[\w@.-]+(?:\/[\w@.-]+)*\.[A-Za-z]\w{0,5}\s*$/.test(line)) {
      header = line.trim();
      continue;
    }
    if (LOCATED.test(line) || PROBLEM.test(line)) out.push(line.trimEnd());
  }
  return out;
}

/**
 * Pure: the digest of a check's output: `problems:` with the first `CHECK_PROBLEMS_SHOWN` problem
 * lines (and how many more), then `end of output:` with its last `CHECK_TAIL_LINES` lines; the
 * whole at most `maxBytes` (UTF-8, cut at a line). Output with no problem line is its tail only.
 */
export function digestCheckOutput(output: string, maxBytes: number): string {
  const problems = problemLines(output);
  const tail = output
    .split('\n')
    .filter((l) => l.trim())
    .slice(-CHECK_TAIL_LINES);
  const parts: string[] = [];
  if (problems.length) {
    parts.push('problems:', ...problems.slice(0, CHECK_PROBLEMS_SHOWN));
    if (problems.length > CHECK_PROBLEMS_SHOWN)
      parts.push(`… ${problems.length - CHECK_PROBLEMS_SHOWN} more problem lines`);
    parts.push('end of output:');
  }
  parts.push(...tail);
  let text = '';
  for (const line of parts) {
    const next = `${text}${line}\n`;
    if (Buffer.byteLength(next, 'utf8') > maxBytes) {
      text += '… (cut)\n';
      break;
    }
    text = next;
  }
  return text;
}
