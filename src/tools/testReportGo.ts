/**
 * Pure: reads `go test` output, plain (`go test ./...`, with or without -v) or as `go test -json`
 * events (test2json), into a TestReport. Packages that fail to build are failures by name:
 * `FAIL pkg [build failed]` / `[setup failed]` lines with the compiler errors under `# pkg` above
 * them (what Go before 1.24 prints, also between -json events), or a `fail` event's `FailedBuild`
 * with its `build-output` events (Go 1.24 on). Passed counts: the `pass` events of tests with
 * -json, the `--- PASS` lines with -v; plain output gives none (its `ok pkg` lines count
 * packages, not tests), so `passed` is null there.
 */
import {
  firstLocation,
  messageOf,
  orderFailures,
  uniq,
  type TestFailure,
  type TestReport,
} from './testReportTypes.js';

interface GoEvent {
  Action: string;
  Package?: string;
  Test?: string;
  Output?: string;
  ImportPath?: string;
  FailedBuild?: string;
}

function parseEvent(line: string): GoEvent | null {
  if (!line.startsWith('{') || !line.includes('"Action"')) return null;
  try {
    const e = JSON.parse(line) as GoEvent;
    return typeof e.Action === 'string' ? e : null;
  } catch {
    return null;
  }
}

/** Pure: the text a -json run would have printed (its events' Output, and any plain lines between them). */
export function goJsonText(t: string): { text: string; events: GoEvent[] } | null {
  const lines = t.split('\n');
  const events: GoEvent[] = [];
  let text = '';
  for (const line of lines) {
    const e = parseEvent(line);
    if (e) {
      events.push(e);
      text += e.Output ?? '';
    } else if (line) {
      text += `${line}\n`;
    }
  }
  return events.length ? { text, events } : null;
}

const NOISE = /^\s*(=== (RUN|PAUSE|CONT|NAME)|--- (PASS|FAIL|SKIP):)/;

/** `# pkg` blocks of compiler output, by the package named in the header. */
function buildBlocks(lines: string[]): Map<string, string[]> {
  const blocks = new Map<string, string[]>();
  for (let i = 0; i < lines.length; i++) {
    const h = /^# (\S+)/.exec(lines[i]!);
    if (!h) continue;
    const body: string[] = [];
    for (let j = i + 1; j < lines.length && !/^(FAIL|ok\s|\?\s|# |--- |=== |PASS$|\{)/.test(lines[j]!); j++)
      body.push(lines[j]!);
    blocks.set(h[1]!, [...(blocks.get(h[1]!) ?? []), ...body]);
  }
  return blocks;
}

function brokenPackages(lines: string[], failedBuilds: Map<string, string[]>): TestFailure[] {
  const blocks = buildBlocks(lines);
  const names = new Map<string, string>();
  for (const l of lines) {
    const m = /^FAIL\s+(\S+)\s+\[(build|setup) failed\]/.exec(l);
    if (m) names.set(m[1]!, m[2]!);
  }
  for (const pkg of failedBuilds.keys()) if (!names.has(pkg)) names.set(pkg, 'build');
  const claimed = new Set([...names.keys()].filter((p) => blocks.has(p)));
  const unclaimed = [...blocks.entries()]
    .filter(([p]) => !claimed.has(p))
    .flatMap(([p, b]) => [`# ${p}`, ...b]);
  return [...names.entries()].map(([pkg, what]) => {
    const reason = failedBuilds.get(pkg)?.length ? failedBuilds.get(pkg)! : (blocks.get(pkg) ?? unclaimed);
    const message = messageOf(reason) || `${what} failed`;
    return { kind: 'build', name: pkg, message, location: firstLocation(message) };
  });
}

/** The message of a `--- FAIL` line: indented lines after it (plain), else lines since its `=== RUN` (-v). */
function failMessage(lines: string[], i: number, name: string): string[] {
  const indent = /^\s*/.exec(lines[i]!)![0].length;
  const after: string[] = [];
  for (let j = i + 1; j < lines.length; j++) {
    const l = lines[j]!;
    if (!l.trim() || /^\s*/.exec(l)![0].length <= indent || NOISE.test(l)) break;
    after.push(l);
  }
  if (after.length) return after;
  const before: string[] = [];
  for (let j = i - 1; j >= 0 && !lines[j]!.includes(`=== RUN   ${name}`); j--)
    if (!NOISE.test(lines[j]!) && lines[j]!.trim()) before.unshift(lines[j]!);
  return before.slice(-20);
}

function testFailure(name: string, lines: string[]): TestFailure {
  const message = messageOf(lines);
  return { kind: 'test', name, message, location: firstLocation(message) };
}

function fromEvents(events: GoEvent[], text: string): TestReport {
  const outcome = new Map<string, string>();
  const output = new Map<string, string[]>();
  const failedBuilds = new Map<string, string[]>();
  const buildOutput = new Map<string, string[]>();
  for (const e of events) {
    if (e.Action === 'build-output' && e.ImportPath)
      buildOutput.set(e.ImportPath, [
        ...(buildOutput.get(e.ImportPath) ?? []),
        ...(e.Output ?? '').split('\n').filter(Boolean),
      ]);
    if (e.Action === 'fail' && !e.Test && e.Package && e.FailedBuild)
      failedBuilds.set(
        e.Package,
        (buildOutput.get(e.FailedBuild) ?? []).filter((l) => !l.startsWith('# ')),
      );
    if (!e.Test) continue;
    const key = `${e.Package ?? ''}\0${e.Test}`;
    if (e.Action === 'pass' || e.Action === 'fail' || e.Action === 'skip') outcome.set(key, e.Action);
    if (e.Action === 'output' && e.Output && !NOISE.test(e.Output))
      output.set(key, [...(output.get(key) ?? []), e.Output.replace(/\n$/, '')]);
  }
  const of = (a: string) => [...outcome.entries()].filter(([, v]) => v === a).map(([k]) => k);
  const failedKeys = of('fail');
  const tests = failedKeys.map((k) => testFailure(k.split('\0')[1]!, output.get(k) ?? []));
  const broken = brokenPackages(text.split('\n'), failedBuilds);
  const failing = uniq(failedKeys.map((k) => k.split('\0')[1]!));
  return {
    runner: 'go test',
    passed: of('pass').length,
    failed: failing.length,
    skipped: of('skip').length,
    failing,
    broken: uniq(broken.map((b) => b.name)),
    failures: orderFailures([...broken, ...tests]),
  };
}

/** Pure: the report of `go test` output (plain or -json), or null when it is not go test's. */
export function goTest(t: string): TestReport | null {
  const json = goJsonText(t);
  if (json && json.events.some((e) => e.Package || e.ImportPath)) return fromEvents(json.events, json.text);
  const lines = t.split('\n');
  const fails: TestFailure[] = [];
  lines.forEach((l, i) => {
    const m = /^\s*--- FAIL: (\S+)/.exec(l);
    if (m) fails.push(testFailure(m[1]!, failMessage(lines, i, m[1]!)));
  });
  const passes = lines.filter((l) => /^\s*--- PASS: /.test(l)).length;
  const skips = lines.filter((l) => /^\s*--- SKIP: /.test(l)).length;
  const broken = brokenPackages(lines, new Map());
  const summary = /^(ok|FAIL)\s/m.test(t);
  if (!summary && fails.length === 0) {
    // No package ran: a setup error (a missing module, an import cycle) stops `go test` before any.
    const errors = lines.filter((l) => /^\S+\.go:\d+:\d+: /.test(l) || /^go: /.test(l) || /^\t/.test(l));
    if (!errors.some((l) => /\.go:\d+:\d+: /.test(l) || /^go: /.test(l))) return null;
    const message = messageOf(errors);
    const location = firstLocation(message);
    const dir = location ? location.split('/').slice(0, -1).join('/') || '.' : '.';
    return {
      runner: 'go test',
      passed: null,
      failed: 0,
      skipped: null,
      failing: [],
      broken: [dir],
      failures: [{ kind: 'build', name: dir, message, location }],
    };
  }
  const failing = uniq(fails.map((f) => f.name));
  return {
    runner: 'go test',
    passed: passes ? passes : null,
    failed: failing.length,
    skipped: skips ? skips : null,
    failing,
    broken: uniq(broken.map((b) => b.name)),
    failures: orderFailures([...broken, ...fails]),
  };
}
