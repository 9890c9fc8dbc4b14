/**
 * Pure: reads pytest and cargo test output into a TestReport with each failure's message and
 * location. pytest collection errors (`ERROR collecting path`, `ERROR path` without `::`,
 * `Interrupted: N errors during collection`) and crates that do not compile (`error: could not
 * compile`) are `build` failures.
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

/** `____ title ____` sections of pytest's FAILURES and ERRORS blocks. */
function pytestSections(t: string): { title: string; body: string[] }[] {
  const lines = t.split('\n');
  const out: { title: string; body: string[] }[] = [];
  lines.forEach((l, i) => {
    const m = /^_{3,} (.+?) _{3,}$/.exec(l);
    if (!m) return;
    const body: string[] = [];
    for (let j = i + 1; j < lines.length && !/^_{3,} .+ _{3,}$|^={3,}/.test(lines[j]!); j++)
      body.push(lines[j]!);
    out.push({ title: m[1]!, body });
  });
  return out;
}

export function pytest(t: string): TestReport | null {
  const line = lastMatch(
    t,
    /^=+ (.*\b(?:passed|failed|error|errors|skipped|no tests ran)\b.*) in [\d.]+s.*=+$/m,
  );
  if (!line) return null;
  const part = (k: string) => num(new RegExp(`(\\d+) ${k}\\b`).exec(line[1]!)?.[1]);
  const ids = [...t.matchAll(/^(?:FAILED|ERROR) (\S+)/gm)].map((m) => m[1]!);
  const broken = uniq(ids.filter((id) => !id.includes('::')));
  const failing = uniq(ids.filter((id) => id.includes('::')));
  const failures: TestFailure[] = pytestSections(t).map(({ title, body }) => {
    const collecting = /^ERROR collecting (\S+)/.exec(title)?.[1];
    const test = title.replace(/^ERROR at (setup|teardown) of /, '');
    const name =
      collecting ??
      failing.find((id) => id.endsWith(`::${test.replace(/\./g, '::')}`) || id.endsWith(`::${test}`)) ??
      test;
    const errors = body.filter((l) => /^E\s/.test(l)).map((l) => l.replace(/^E {1,3}/, ''));
    const where = [...body.join('\n').matchAll(/^(\S+\.py):(\d+): /gm)]
      .filter((m) => !/site-packages|importlib|^<frozen/.test(m[1]!))
      .at(-1);
    const fileLine = /File "([^"]+)", line (\d+)/.exec(errors.join('\n'));
    const location = fileLine ? `${fileLine[1]}:${fileLine[2]}` : where ? `${where[1]}:${where[2]}` : null;
    return {
      kind: collecting ? 'build' : 'test',
      name,
      message: messageOf(errors.length ? errors : body.slice(-6)),
      location,
    };
  });
  const interrupted = /Interrupted: (\d+) errors? during collection/.exec(t);
  const brokenCount = Math.max(broken.length, interrupted ? Number(interrupted[1]) : 0);
  return {
    runner: 'pytest',
    passed: part('passed'),
    failed: part('failed') + Math.max(0, part('errors?') - brokenCount),
    skipped: part('skipped') + part('xfailed'),
    failing,
    broken,
    failures: orderFailures(failures),
  };
}

export function cargo(t: string): TestReport | null {
  const results = [...t.matchAll(/^test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/gm)];
  const notCompiled = [...t.matchAll(/^error: could not compile `([^`]+)`(?: \(([^)]+)\))?/gm)];
  if (results.length === 0 && notCompiled.length === 0) return null;
  const sum = (i: number) => results.reduce((n, m) => n + Number(m[i]), 0);
  const failures: TestFailure[] = [];
  for (const m of t.matchAll(/^---- (\S+) stdout ----\n([\s\S]*?)(?=^---- |^failures:|^test result:)/gm)) {
    const body = m[2]!.split('\n');
    const panic = body.findIndex((l) => /panicked at /.test(l));
    const end = body.findIndex((l, i) => i > panic && /^(stack backtrace:|note: )/.test(l));
    const lines = panic >= 0 ? body.slice(panic + 1, end > panic ? end : undefined) : body;
    const location = panic >= 0 ? firstLocation(body[panic]!) : firstLocation(m[2]!);
    failures.push({ kind: 'test', name: m[1]!, message: messageOf(lines), location });
  }
  // Compiler errors: `error[E…]: message` with ` --> file:line:col` on the next line.
  const compile = [
    ...t.matchAll(/^(error(?:\[E\d+\])?: (?!could not compile|test failed).+)\n\s*--> (\S+)/gm),
  ];
  const crates = uniq(notCompiled.map((m) => m[1]!));
  for (const crate of crates) {
    const message = messageOf(compile.map((c) => `${c[2]}: ${c[1]}`).slice(0, 10));
    failures.push({
      kind: 'build',
      name: crate,
      message: message || 'could not compile',
      location: compile[0]?.[2] ?? null,
    });
  }
  const failing = [...t.matchAll(/^test (\S+) \.\.\. FAILED$/gm)].map((m) => m[1]!);
  return {
    runner: 'cargo test',
    passed: sum(1),
    failed: sum(2),
    skipped: sum(3),
    failing: uniq(failing),
    broken: crates,
    failures: orderFailures(failures),
  };
}
