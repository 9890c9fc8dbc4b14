/**
 * The repository map (after Aider's repo map): the tracked files, each with its top-level symbols
 * and routes, so a conversation starts knowing where things are instead of listing directories.
 * It sits at the end of the cached system prefix (src/llm/layout.ts), so it must be the same bytes
 * for the same files: sorted by path, no timestamps, no sizes.
 *
 * Symbols come from one regular expression set per language, read line by line at the left margin
 * (top level only; linear-time patterns, no nesting): JavaScript/TypeScript exports, top-level
 * functions and classes, CommonJS exports and Express-style routes (`app.get('/x'`, `router.post`);
 * Python `def`/`class` and Flask/FastAPI route decorators; Go `func` (methods as `Type.Name`) and
 * `type`; Rust `pub fn`/`struct`/`enum`/`trait`. A parser per language would be more exact; these
 * cover what a map needs (names to search for and open) without a native dependency. Pure.
 *
 * Budget: `REPO_MAP_TOKENS` tokens, estimated at 4 characters a token (the rule of thumb of
 * src/llm/layout.ts `estimateInputTokens`), so at most 8,000 characters. When the whole map does
 * not fit, fewer symbols are shown per file (8, 4, 2, 1, then none), then the files past the
 * budget are counted instead of listed.
 */
import { dataBlock } from '../tools/dataBlock.js';

/** The map's budget, tokens: small beside the rest of the prefix (the library catalog is ~5,000). */
export const REPO_MAP_TOKENS = 2_000;
/** Characters a token, for the estimate. */
export const CHARS_PER_TOKEN = 4;

/** One tracked file and its top-level symbols, in file order. */
export interface MapFile {
  /** `/`-separated, relative to the workspace root. */
  path: string;
  symbols: string[];
}

const JS = /\.(?:[cm]?[jt]sx?)$/;
const ROUTE_JS =
  /^\s*(?:app|router|server|api|routes?)\.(get|post|put|patch|delete|all)\(\s*['"`]([^'"`]{1,80})['"`]/;
const ROUTE_PY =
  /^@\w+\.(route|get|post|put|patch|delete)\(\s*['"]([^'"]{1,80})['"](?:.*methods\s*=\s*\[([^\]]{1,60})\])?/;

/** Pure: JavaScript/TypeScript top-level symbols and routes of `text`. */
function jsSymbols(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    let m =
      /^export\s+(?:default\s+)?(?:declare\s+)?(?:async\s+)?(?:abstract\s+)?(function\*?|class|const|let|var|interface|type|enum)\s+([A-Za-z_$][\w$]*)/.exec(
        line,
      );
    if (m) {
      out.push(m[2]!);
      continue;
    }
    m = /^(?:async\s+)?(?:function\*?|class)\s+([A-Za-z_$][\w$]*)/.exec(line);
    if (m) {
      out.push(m[1]!);
      continue;
    }
    m = /^(?:module\.)?exports\.([A-Za-z_$][\w$]*)\s*=/.exec(line);
    if (m) {
      out.push(m[1]!);
      continue;
    }
    m = /^module\.exports\s*=\s*\{([^}]{1,200})\}/.exec(line);
    if (m) {
      out.push(
        ...m[1]!
          .split(',')
          .map((s) => s.split(':')[0]!.trim())
          .filter((s) => /^[A-Za-z_$][\w$]*$/.test(s)),
      );
      continue;
    }
    m = ROUTE_JS.exec(line);
    if (m) out.push(`${m[1]!.toUpperCase()} ${m[2]}`);
  }
  return out;
}

/** Pure: Python top-level defs, classes and route decorators of `text`. */
function pySymbols(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const route = ROUTE_PY.exec(line);
    if (route) {
      const methods = route[3]
        ? route[3]
            .replace(/['"\s]/g, '')
            .split(',')
            .filter(Boolean)
            .join('|')
            .toUpperCase()
        : route[1] === 'route'
          ? 'GET'
          : route[1]!.toUpperCase();
      out.push(`${methods} ${route[2]}`);
      continue;
    }
    const m = /^(?:async\s+)?(def|class)\s+([A-Za-z_]\w*)/.exec(line);
    if (m) out.push(m[2]!);
  }
  return out;
}

/** Pure: Go top-level funcs (methods as `Type.Name`) and types of `text`. */
function goSymbols(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^func\s+(?:\(\s*(?:\w+\s+)?\*?\s*([A-Za-z_]\w*)(?:\[[^\]]*\])?\s*\)\s*)?([A-Za-z_]\w*)/.exec(
      line,
    );
    if (m) {
      out.push(m[1] ? `${m[1]}.${m[2]}` : m[2]!);
      continue;
    }
    const t = /^type\s+([A-Za-z_]\w*)/.exec(line);
    if (t) out.push(t[1]!);
  }
  return out;
}

/** Pure: Rust public items at the left margin of `text`. */
function rustSymbols(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m =
      /^pub(?:\([\w:]+\))?\s+(?:async\s+)?(?:unsafe\s+)?(fn|struct|enum|trait|type|const|static|mod)\s+([A-Za-z_]\w*)/.exec(
        line,
      );
    if (m) out.push(m[2]!);
  }
  return out;
}

/** Pure: does `extractSymbols` read files like `path`? (Others are listed by name only.) */
export function hasSymbols(path: string): boolean {
  return JS.test(path) || /\.(py|go|rs)$/.test(path);
}

/** Pure: the top-level symbols and routes of the file `path` with text `text`, in file order, without repeats. */
export function extractSymbols(path: string, text: string): string[] {
  const list =
    JS.test(path) && !path.endsWith('.d.ts')
      ? jsSymbols(text)
      : path.endsWith('.py')
        ? pySymbols(text)
        : path.endsWith('.go')
          ? goSymbols(text)
          : path.endsWith('.rs')
            ? rustSymbols(text)
            : [];
  return [...new Set(list)];
}

function fileLine(f: MapFile, perFile: number): string {
  if (perFile === 0 || f.symbols.length === 0) return f.path;
  const shown = f.symbols.slice(0, perFile);
  const more = f.symbols.length - shown.length;
  return `${f.path}: ${shown.join(', ')}${more > 0 ? ` (+${more})` : ''}`;
}

/**
 * Pure: the map's lines for `files` within `budgetChars`: every file with at most 8 symbols; if
 * that is too long, at most 4, 2, 1, then none; if the names alone are too long, the first files
 * in path order and a last line `… N more files (list_files shows them)`. Sorted by path.
 */
export function repoMapLines(
  files: readonly MapFile[],
  budgetChars = REPO_MAP_TOKENS * CHARS_PER_TOKEN,
): string[] {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const size = (lines: string[]) => lines.reduce((n, l) => n + l.length + 1, 0);
  for (const perFile of [8, 4, 2, 1, 0]) {
    const lines = sorted.map((f) => fileLine(f, perFile));
    if (size(lines) <= budgetChars) return lines;
  }
  const out: string[] = [];
  let used = 60; // room for the last line
  for (const f of sorted) {
    if (used + f.path.length + 1 > budgetChars) break;
    out.push(f.path);
    used += f.path.length + 1;
  }
  out.push(`… ${sorted.length - out.length} more files (list_files shows them)`);
  return out;
}

/**
 * Pure: the map as the system prefix carries it: a heading, one sentence on what it is, and the
 * lines in a `<repository_map>` data block (file names and symbols are workspace text). The whole
 * stays within `REPO_MAP_TOKENS` at `CHARS_PER_TOKEN`. `source`: where the file list came from.
 */
export function renderRepoMap(files: readonly MapFile[], source: string): string {
  const head = `# Repository map\n\nFiles (${source}) and their top-level symbols and routes, as this run found them; start from it instead of listing directories.\n\n`;
  const lines = repoMapLines(files, REPO_MAP_TOKENS * CHARS_PER_TOKEN - head.length - 80);
  return head + dataBlock('repository_map', { files: files.length }, lines.join('\n'));
}
