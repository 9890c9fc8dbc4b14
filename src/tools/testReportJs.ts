/**
 * Pure: reads the output of the JavaScript runners — node:test (TAP and spec reporters), jest,
 * vitest, mocha — and of `tsc`, into a TestReport with each failure's message and location. A
 * suite or file that fails to load (jest "Test suite failed to run", vitest "Failed Suites",
 * a node:test file that throws at load, mocha "Exception during run") is a `build` failure.
 */
import {
  firstLocation,
  lastMatch,
  messageOf,
  num,
  orderFailures,
  uniq,
  type TestFailure,
  type TestReport,
} from './testReportTypes.js';

const CODE_FRAME = /^\s*(>?\s*\d+\s*\||\|\s|[│╭╰─┬]|\d+\s*│)/;
const STACK = /^\s*(at |❯ )/;
const isFile = (name: string) => /\.(c|m)?[jt]sx?$/.test(name.trim());

/** Message lines of a block: no code frames, no stack frames. */
function keep(lines: string[]): string[] {
  return lines.filter((l) => !CODE_FRAME.test(l) && !STACK.test(l));
}

/** Location: the first stack frame outside node_modules, else any `file:line` in the block. */
function locate(lines: string[]): string | null {
  return firstLocation(lines.filter((l) => STACK.test(l)).join('\n')) ?? firstLocation(lines.join('\n'));
}

function nodeTapFailures(t: string): TestFailure[] {
  const out: TestFailure[] = [];
  const lines = t.split('\n');
  lines.forEach((l, i) => {
    const m = /^(\s*)not ok \d+ - (.+?)(?: # .*)?$/.exec(l);
    if (!m) return;
    const yaml: string[] = [];
    for (let j = i + 1; j < lines.length && !/^\s*\.\.\.$/.test(lines[j]!); j++) yaml.push(lines[j]!);
    const y = yaml.join('\n');
    const location = /location: '([^']+)'/.exec(y)?.[1] ?? null;
    const single = /^\s*error: '(.*)'$/m.exec(y)?.[1];
    const multi = /^(\s*)error: \|-\n((?:\1 {2}.*\n?|\s*\n)+)/m.exec(y)?.[2];
    let message = messageOf((single ?? multi ?? '').split('\n'));
    const name = m[2]!;
    const loadError = isFile(name) && /ERR_TEST_FAILURE/.test(y);
    if (loadError) {
      // The file's own error is printed as `# ` diagnostics just before its `# Subtest:` line.
      const diag: string[] = [];
      for (let j = i - 2; j >= 0 && /^#(?! Subtest:)/.test(lines[j]!); j--)
        diag.unshift(lines[j]!.replace(/^# ?/, ''));
      const errors = diag.filter((d) => /Error\b/.test(d) && !STACK.test(d));
      if (errors.length) message = messageOf(errors);
      const at = firstLocation(diag.join('\n'));
      out.push({ kind: 'build', name, message, location: at ?? location });
      return;
    }
    // The assertion's own line is the first stack frame in the test file; `location` is where the test is declared.
    const stack = /^\s*stack: \|-\n((?:\s{4,}.*\n?)+)/m.exec(y)?.[1] ?? '';
    out.push({ kind: 'test', name, message, location: firstLocation(stack) ?? location });
  });
  return out;
}

function nodeSpecFailures(t: string): TestFailure[] {
  const start = t.lastIndexOf('✖ failing tests:');
  if (start < 0) return [];
  const body = t.slice(0, start).split('\n');
  const out: TestFailure[] = [];
  for (const block of t
    .slice(start)
    .split(/\n(?=test at )/)
    .slice(1)) {
    const lines = block.split('\n');
    const where = /^test at (\S+)/.exec(lines[0]!)?.[1] ?? null;
    const name = /^\s*✖ (.+?)(?: \([\d.]+m?s\))?$/.exec(lines[1] ?? '')?.[1];
    if (!name) continue;
    const rest = lines.slice(2);
    const stackAt = rest.findIndex((l) => STACK.test(l));
    let message = messageOf(
      (stackAt >= 0 ? rest.slice(0, stackAt) : rest).filter(
        (l) => !/^\s*[{}]|^\s+\w+: .*,?$/.test(l) || /Error/.test(l),
      ),
    );
    const loadError = isFile(name) && /^'test failed'$/.test(message);
    let location = firstLocation(rest.slice(stackAt >= 0 ? stackAt : 0).join('\n')) ?? where;
    if (loadError) {
      // The file's error is printed raw just before its `✖ file` line in the run's body.
      const at = body.findIndex((l) => l.startsWith(`✖ ${name}`));
      const before: string[] = [];
      for (let j = at - 1; j >= 0 && !/^\s*[✔✖﹣]/.test(body[j]!); j--) before.unshift(body[j]!);
      const errors = before.filter((l) => /Error\b/.test(l) && !STACK.test(l));
      if (errors.length) message = messageOf(errors);
      location = firstLocation(before.join('\n')) ?? where;
    }
    out.push({ kind: loadError ? 'build' : 'test', name, message, location });
  }
  return out;
}

export function nodeTest(t: string): TestReport | null {
  const count = (k: string) => lastMatch(t, new RegExp(`^(?:#|ℹ) ${k} (\\d+)$`, 'm'));
  const tests = count('tests');
  const pass = count('pass');
  const fail = count('fail');
  if (!tests || !pass || !fail) return null;
  const skipped = num(count('skipped')?.[1]) + num(count('todo')?.[1]);
  const failures = orderFailures([...nodeTapFailures(t), ...nodeSpecFailures(t)]);
  const broken = uniq(failures.filter((f) => f.kind === 'build').map((f) => f.name));
  const tap = [...t.matchAll(/^\s*not ok \d+ - (.+?)(?: # .*)?$/gm)].map((m) => m[1]!);
  const spec = [...t.matchAll(/^\s*✖ (.+?)(?: \([\d.]+m?s\))?$/gm)]
    .map((m) => m[1]!)
    .filter((n) => n !== 'failing tests:');
  // A failing suite is reported as well as its failing tests; the innermost names are the tests.
  const failing = uniq([...tap, ...spec]).filter((n) => !broken.includes(n));
  return {
    runner: 'node:test',
    passed: Number(pass[1]),
    failed: Number(fail[1]) - broken.length,
    skipped,
    failing,
    broken,
    failures,
  };
}

/** vitest's blocks: ` FAIL  file > test` (a test) or ` FAIL  file [ file ]` (a suite that did not load), each up to a `⎯` rule. */
function vitestFailures(t: string): TestFailure[] {
  const out: TestFailure[] = [];
  const lines = t.split('\n');
  lines.forEach((l, i) => {
    const m = /^ FAIL\s+(.+?)\s*$/.exec(l);
    if (!m) return;
    const block: string[] = [];
    for (let j = i + 1; j < lines.length && !/^⎯|^ FAIL\s/.test(lines[j]!); j++) block.push(lines[j]!);
    const suite = /^(.+?) \[ (.+?) \]$/.exec(m[1]!);
    const file = /^\s*File: (\S+)/m.exec(block.join('\n'))?.[1];
    const location = locate(block) ?? (file ? (firstLocation(file) ?? file) : null);
    const message = messageOf(
      keep(block)
        .filter((l) => !/^\s*(Plugin|File): /.test(l))
        .slice(0, 14),
    );
    out.push({ kind: suite ? 'build' : 'test', name: suite ? suite[1]! : m[1]!, message, location });
  });
  return out;
}

/** jest's `● name` blocks; `● Test suite failed to run` belongs to the `FAIL file` line above it. */
function jestFailures(t: string): TestFailure[] {
  const out: TestFailure[] = [];
  const lines = t.split('\n');
  let file = '';
  lines.forEach((l, i) => {
    const f = /^FAIL (\S+)/.exec(l);
    if (f) file = f[1]!;
    const m = /^\s*● (.+?)$/.exec(l);
    if (!m) return;
    let block: string[] = [];
    for (let j = i + 1; j < lines.length && !/^\s*● |^(PASS|FAIL) |^Test Suites:/.test(lines[j]!); j++)
      block.push(lines[j]!);
    const suite = m[1]!.startsWith('Test suite failed to run');
    const details = block.findIndex((b) => /^\s*Details:\s*$/.test(b));
    const location = locate(block);
    if (details >= 0) block = [block.find((b) => b.trim())!, ...block.slice(details + 1)];
    out.push({
      kind: suite ? 'build' : 'test',
      name: suite ? file : m[1]!,
      message: messageOf(keep(block).slice(0, 14)),
      location: suite ? (firstLocation(block.join('\n')) ?? location ?? file) : location,
    });
  });
  return out;
}

export function jestOrVitest(t: string): TestReport | null {
  const vitest = lastMatch(t, /^\s*Tests\s+(.+?)\s*\((\d+)\)\s*$/m);
  const files = lastMatch(t, /^\s*Test Files\s+(.+?)\s*\((\d+)\)\s*$/m);
  if ((vitest && /passed|failed|skipped/.test(vitest[1]!)) || files) {
    const part = (k: string) => num(new RegExp(`(\\d+) ${k}`).exec(vitest?.[1] ?? '')?.[1]);
    const failures = orderFailures(vitestFailures(t));
    const broken = uniq(failures.filter((f) => f.kind === 'build').map((f) => f.name));
    const failing = [...t.matchAll(/^\s*(?:FAIL|×|✗)\s+(.+?)(?:\s+\d+m?s)?$/gm)]
      .map((m) => m[1]!)
      .filter((n) => !/ \[ .+ \]$/.test(n));
    return {
      runner: 'vitest',
      passed: part('passed'),
      failed: part('failed'),
      skipped: part('skipped') + part('todo'),
      failing: uniq(failing),
      broken,
      failures,
    };
  }
  const jest = lastMatch(t, /^Tests:\s+(.+?),?\s*(\d+) total\s*$/m);
  const suites = lastMatch(t, /^Test Suites:\s+(.+?),?\s*(\d+) total\s*$/m);
  if (jest || suites) {
    const part = (k: string) => num(new RegExp(`(\\d+) ${k}`).exec(jest?.[1] ?? '')?.[1]);
    const failures = orderFailures(jestFailures(t));
    const failing = [...t.matchAll(/^\s*● (.+?)$/gm)]
      .map((m) => m[1]!)
      .filter((n) => !n.startsWith('Test suite failed'));
    return {
      runner: 'jest',
      passed: part('passed'),
      failed: part('failed'),
      skipped: part('skipped') + part('todo'),
      failing: uniq(failing),
      broken: uniq(failures.filter((f) => f.kind === 'build').map((f) => f.name)),
      failures,
    };
  }
  return null;
}

export function mocha(t: string): TestReport | null {
  const passing = lastMatch(t, /^\s*(\d+) passing \(/m);
  const exception = /^ *Exception during run: (.+)$/m.exec(t);
  if (!passing && exception) {
    const rest = t.slice(exception.index).split('\n');
    const file =
      /^- (\S+)/m.exec(t)?.[1] ??
      firstLocation(rest.filter((l) => STACK.test(l) && !/node:|mocha/.test(l)).join('\n'))?.replace(
        /:\d+(:\d+)?$/,
        '',
      ) ??
      'mocha';
    const location = firstLocation(
      rest.filter((l) => STACK.test(l) && !/node:|\/mocha\//.test(l)).join('\n'),
    );
    const failure: TestFailure = {
      kind: 'build',
      name: file,
      message: messageOf(
        [
          exception[1]!,
          ...rest.slice(1).filter((l) => !STACK.test(l) && !/^\s*[{}]|^\s+\w+: /.test(l)),
        ].slice(0, 8),
      ),
      location,
    };
    return {
      runner: 'mocha',
      passed: null,
      failed: 0,
      skipped: null,
      failing: [],
      broken: [file],
      failures: [failure],
    };
  }
  if (!passing) return null;
  const failing = lastMatch(t, /^\s*(\d+) failing\s*$/m);
  const pending = lastMatch(t, /^\s*(\d+) pending\s*$/m);
  const after = failing ? t.slice(t.lastIndexOf(failing[0])) : '';
  // "  1) suite\n       title:" — the suite and the test title on the lines after the count.
  const failures: TestFailure[] = [];
  for (const m of after.matchAll(
    /^\s*\d+\) (.+?):?\n(?:\s+(?!\d+\))(.+?):\n)?([\s\S]*?)(?=^\s*\d+\) |$(?![\s\S]))/gm,
  )) {
    const name = m[2] ? `${m[1]} ${m[2]}` : m[1]!;
    const body = m[3]!.split('\n');
    const stackAt = body.findIndex((l) => STACK.test(l));
    failures.push({
      kind: 'test',
      name: name.trim(),
      message: messageOf(
        (stackAt >= 0 ? body.slice(0, stackAt) : body).filter(
          (l) => !/^\s*[+-]( expected| actual|\d)|^\s*[+-]\S*$/.test(l),
        ),
      ),
      location: locate(body),
    });
  }
  return {
    runner: 'mocha',
    passed: Number(passing[1]),
    failed: num(failing?.[1]),
    skipped: num(pending?.[1]),
    failing: uniq(failures.map((f) => f.name)),
    broken: [],
    failures: orderFailures(failures),
  };
}

/** `tsc` errors (`file(l,c): error TS…` or, with --pretty, `file:l:c - error TS…`): each file with errors did not build. */
export function tsc(t: string): TestReport | null {
  const errors = [...t.matchAll(/^(\S+?)(?:\((\d+),(\d+)\)|:(\d+):(\d+)) ?[:-] error (TS\d+): (.+)$/gm)];
  if (!errors.length) return null;
  const byFile = new Map<string, { location: string; lines: string[] }>();
  for (const e of errors) {
    const [file, line, col] = [e[1]!, e[2] ?? e[4], e[3] ?? e[5]];
    const entry = byFile.get(file) ?? { location: `${file}:${line}:${col}`, lines: [] };
    entry.lines.push(`${file}:${line}:${col} ${e[6]}: ${e[7]}`);
    byFile.set(file, entry);
  }
  const failures: TestFailure[] = [...byFile.entries()].map(([file, e]) => ({
    kind: 'build',
    name: file,
    message: messageOf(e.lines),
    location: e.location,
  }));
  return {
    runner: 'tsc',
    passed: null,
    failed: 0,
    skipped: null,
    failing: [],
    broken: uniq([...byFile.keys()]),
    failures: orderFailures(failures),
  };
}
