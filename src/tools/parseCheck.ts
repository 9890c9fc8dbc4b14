/**
 * The check after every edit: does the file still parse? A JSON file is read with JSON.parse; a
 * JavaScript or TypeScript file with the TypeScript parser (`transpileModule`'s syntactic
 * diagnostics: no type checking, no other file read), loaded lazily from claude-exec's own
 * install and skipped with a note when it is not installed; a Python file with
 * `compile()` by python3 in the sandbox (no file written, no module run), skipped with a note when
 * python3 is missing. The write tools keep the write and return the problem as an error result
 * naming line:col, so the model fixes it at once (the lint-on-edit of SWE-agent's interface).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { runTestCommand } from './runTests.js';
import type { Sandbox } from './sandbox.js';

/** A parse problem, or a note that the file could not be checked. */
export type ParseOutcome = { ok: true; note?: string } | { ok: false; problem: string };

const JS_EXT = new Set(['.js', '.mjs', '.cjs', '.jsx', '.ts', '.mts', '.cts', '.tsx']);

/** JSON files that allow comments and trailing commas (tsconfig, jsconfig, VS Code settings): not checked as strict JSON. */
function jsonWithComments(rel: string): boolean {
  const base = path.posix.basename(rel);
  return (
    /^(tsconfig|jsconfig)(\..*)?\.json$/.test(base) ||
    rel.split('/').includes('.vscode') ||
    base === '.eslintrc.json' ||
    base === 'devcontainer.json'
  );
}

/** Pure: 1-based line:col of a 0-based character offset in `text`. */
export function lineCol(text: string, offset: number): string {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  return `${line}:${offset - before.lastIndexOf('\n')}`;
}

/**
 * Pure: the offset where `text` stops being JSON (RFC 8259), or -1 when it is JSON. A small scanner,
 * because JSON.parse names no position for some errors (`Unexpected token '}'` in Node 20).
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const value = (): boolean => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) return (i++, true);
      for (;;) {
        if (c === '{') {
          ws();
          if (text[i] !== '"' || !string()) return false;
          ws();
          if (text[i] !== ':') return false;
          i++;
        }
        if (!value()) return false;
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === close) return (i++, true);
        else return false;
      }
    }
    if (c === '"') return string();
    for (const word of ['true', 'false', 'null'])
      if (text.startsWith(word, i)) return ((i += word.length), true);
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m) return ((i += m[0].length), true);
    return false;
  };
  const string = (): boolean => {
    i++;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') return (i++, true);
      if (c < ' ') return false;
      if (c === '\\') {
        if (!/^(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/.test(text.slice(i + 1, i + 6))) return ((i += 1), false);
        i += text[i + 1] === 'u' ? 6 : 2;
      } else i++;
    }
    return false;
  };
  if (!value()) return i;
  ws();
  return i < text.length ? i : -1;
}

/** Pure: the JSON problem of `text` as `line:col message`, or null (JSON.parse decides; the scanner places it). */
export function jsonProblem(text: string): string | null {
  try {
    JSON.parse(text);
    return null;
  } catch (err) {
    const message = (err as Error).message
      .replace(/ in JSON at position \d+/, '')
      .replace(/\s*\(line \d+ column \d+\)/, '')
      .replace(/, ".*" is not valid JSON$/s, '');
    const at = jsonErrorOffset(text);
    return `${lineCol(text, at < 0 ? 0 : at)}: ${message}`;
  }
}

type Ts = typeof import('typescript');
let typescript: Ts | null | undefined;

/** The TypeScript compiler of claude-exec's own install (never the workspace's: its code would run here), or null. */
function loadTypescript(): Ts | null {
  if (typescript === undefined) {
    try {
      typescript = createRequire(import.meta.url)('typescript') as Ts;
    } catch {
      typescript = null;
    }
  }
  return typescript;
}

/** Pure given the parser: the first syntax errors of a JS/TS file as `line:col message` (at most 3), or null. */
function scriptProblem(ts: Ts, rel: string, text: string): string | null {
  const out = ts.transpileModule(text, {
    fileName: path.posix.basename(rel),
    reportDiagnostics: true,
    compilerOptions: { allowJs: true, jsx: ts.JsxEmit.Preserve },
  });
  const errors = (out.diagnostics ?? []).filter(
    (d) => d.category === ts.DiagnosticCategory.Error && d.file && d.start !== undefined,
  );
  if (!errors.length) return null;
  return errors
    .slice(0, 3)
    .map((d) => `${lineCol(text, d.start!)}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`)
    .join('; ');
}

/** python3 reads the file and compiles it: exit 0, or the SyntaxError as `line:col message` on stdout. */
const PY_COMPILE = [
  'import sys',
  'src = open(sys.argv[1], "rb").read()',
  'try:',
  '    compile(src, sys.argv[1], "exec")',
  'except SyntaxError as e:',
  '    print(f"{e.lineno}:{e.offset or 0}: {e.msg}")',
  '    sys.exit(3)',
].join('\n');

/**
 * Whether the file `rel` (workspace-relative, `/`-separated) with content `text` parses. Files of
 * other kinds are ok. Never throws: a parser that is missing gives `ok` with a note.
 */
export async function parseCheck(
  rel: string,
  text: string,
  opts: { root: string; sandbox?: Sandbox; timeoutMs?: number },
): Promise<ParseOutcome> {
  const ext = path.posix.extname(rel).toLowerCase();
  if (ext === '.json') {
    if (jsonWithComments(rel)) return { ok: true };
    const problem = jsonProblem(text);
    return problem ? { ok: false, problem } : { ok: true };
  }
  if (JS_EXT.has(ext)) {
    const ts = loadTypescript();
    if (!ts)
      return {
        ok: true,
        note: 'syntax not checked: the typescript package is not installed beside claude-exec',
      };
    const problem = scriptProblem(ts, rel, text);
    return problem ? { ok: false, problem } : { ok: true };
  }
  if (ext === '.py') {
    const r = await runTestCommand({
      root: opts.root,
      command: ['python3', '-c', PY_COMPILE, rel],
      timeoutMs: opts.timeoutMs ?? 20_000,
      maxOutputBytes: 4_000,
      ...(opts.sandbox ? { sandbox: opts.sandbox } : {}),
    });
    if (r.passed) return { ok: true };
    const line = r.output.split('\n').find((l) => /^\d+:\d+: /.test(l));
    if (r.exitCode === 3 && line) return { ok: false, problem: line.trim() };
    return { ok: true, note: 'syntax not checked: python3 could not be run' };
  }
  return { ok: true };
}
