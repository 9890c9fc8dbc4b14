/**
 * Read-only workspace tools: list_files, read_file, search_code. Every problem the model can fix
 * (bad path, missing file, binary file, bad regex) comes back as `{ isError: true, content }`.
 * Output is capped to `maxOutputBytes` (config `limits.tool_output_bytes`).
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { RE2JS } from 're2js';
import { z } from 'zod';
import { dataBlock } from './dataBlock.js';
import { resolveInWorkspace } from './pathGuard.js';
import { capHead, fsErrorsAsOutcome, looksBinary } from './text.js';
import type { AgentTool, ToolOutcome } from './types.js';
import { globToRegExp, matchesGlob, walk, WalkExclusions } from './walk.js';

export interface ReadToolContext {
  root: string;
  /** The chain's contexts directory (absolute): list_files and search_code leave it out. Default: `<root>/contexts`. */
  contextsDir?: string;
  /** Cap on the text of one tool result, in bytes (limits.tool_output_bytes). */
  maxOutputBytes: number;
}

/** Entries list_files returns at most, whatever the byte cap. */
export const MAX_LIST_ENTRIES = 1000;
/** Matches search_code returns at most. */
const MAX_SEARCH_MATCHES = 200;
/** Files larger than this (bytes) are refused by read_file and skipped by search_code. */
const MAX_FILE_BYTES = 2_000_000;
const MAX_MATCH_LINE_CHARS = 240;
/** Bytes of a result kept for the data block's tags and a truncation note. */
const TAG_RESERVE = 300;

export const ListFilesInput = z.object({
  path: z.string().optional().describe('Directory relative to the workspace root; default: the root.'),
  depth: z
    .number()
    .int()
    .min(1)
    .max(10)
    .optional()
    .describe('Levels to descend; 1 = only this directory. Default 2.'),
});
export type ListFilesInput = z.infer<typeof ListFilesInput>;

export const ReadFileInput = z.object({
  path: z.string().min(1).describe('File path relative to the workspace root.'),
  start_line: z.number().int().min(1).optional().describe('First line to return (1-based). Default 1.'),
  end_line: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('Last line to return (inclusive). Default: end of file.'),
});
export type ReadFileInput = z.infer<typeof ReadFileInput>;

export const SearchCodeInput = z.object({
  pattern: z
    .string()
    .min(1)
    .describe('Text to find (case-sensitive), or a regular expression in RE2 syntax when regex is true.'),
  path: z
    .string()
    .optional()
    .describe('Directory or file to search, relative to the workspace root; default: the root.'),
  glob: z
    .string()
    .optional()
    .describe("Only files matching this glob, e.g. '*.ts' (base name) or 'src/**/*.js' (path)."),
  regex: z.boolean().optional().describe('Treat pattern as a regular expression. Default false.'),
});
export type SearchCodeInput = z.infer<typeof SearchCodeInput>;

const fail = (content: string): ToolOutcome => ({ content, isError: true });

/** list_files: the workspace tree below a directory, skipping node_modules, .git, dist, build, coverage. */
export function listFilesTool(ctx: ReadToolContext): AgentTool<ListFilesInput> {
  return {
    name: 'list_files',
    description:
      'List files and directories in the workspace, sorted, one relative path per line inside a <workspace_listing> block; directories end with "/", ' +
      'symbolic links end with "@". Skips node_modules, .git, dist, build, coverage, lockfiles and our state, and hides secrets files. ' +
      `Returns at most ${MAX_LIST_ENTRIES} entries; list a subdirectory or lower the depth when truncated.`,
    inputSchema: ListFilesInput,
    pathArgs: ['path'],
    run(input) {
      return fsErrorsAsOutcome(input.path ?? '.', async () => {
        const target = await resolveInWorkspace(ctx.root, input.path ?? '.');
        if (!target.ok) return fail(`${input.path}: ${target.reason}`);
        if (!target.exists) return fail(`${target.rel}: no such directory`);
        if (!(await stat(target.abs)).isDirectory())
          return fail(`${target.rel} is a file; use read_file to read it`);
        const realRoot = await realpath(ctx.root);
        const left = new WalkExclusions(realRoot, contextsOf(ctx, realRoot));
        const lines: string[] = [];
        let more = false;
        for await (const entry of walk(realRoot, target.abs, input.depth ?? 2, 1, left.prune)) {
          if (lines.length === MAX_LIST_ENTRIES) {
            more = true;
            break;
          }
          if (entry.kind === 'file' && (await sizeOf(entry.abs)) > MAX_FILE_BYTES) {
            left.tooLarge(entry.rel);
            continue;
          }
          lines.push(entry.rel + (entry.kind === 'dir' ? '/' : entry.kind === 'symlink' ? '@' : ''));
        }
        const omitted = left.note(MAX_FILE_BYTES);
        if (lines.length === 0) return { content: `${target.rel}: (empty directory)${omitted}` };
        const capped = capHead(lines.join('\n') + '\n', ctx.maxOutputBytes - TAG_RESERVE - omitted.length);
        const note =
          more || capped.truncated ? '\n[list truncated; list a subdirectory or lower the depth]\n' : '';
        return {
          content: dataBlock('workspace_listing', { path: target.rel }, capped.text) + note + omitted,
        };
      });
    },
  };
}

/** read_file: a text file with line numbers, optionally a line range. */
export function readFileTool(ctx: ReadToolContext): AgentTool<ReadFileInput> {
  return {
    name: 'read_file',
    description:
      'Read a text file of the workspace. The result is a <workspace_file path="…" lines="first-last" of="total"> block; ' +
      'each line inside it is "<line number><TAB><text>" (the number and tab are not part of the file). ' +
      'Use start_line/end_line to read part of a long file; when the output is truncated, continue from the line it names. ' +
      'Binary files, files under .git/ and secrets files (.env, .env.*) are refused.',
    inputSchema: ReadFileInput,
    pathArgs: ['path'],
    run(input) {
      return fsErrorsAsOutcome(input.path ?? '.', async () => {
        const target = await resolveInWorkspace(ctx.root, input.path);
        if (!target.ok) return fail(`${input.path}: ${target.reason}`);
        if (!target.exists)
          return fail(`${target.rel}: file not found (use list_files or search_code to find it)`);
        const info = await stat(target.abs);
        if (info.isDirectory()) return fail(`${target.rel} is a directory; use list_files`);
        if (info.size > MAX_FILE_BYTES) {
          return fail(
            `${target.rel} is ${info.size} bytes, more than ${MAX_FILE_BYTES}; use search_code to find the relevant lines`,
          );
        }
        const buf = await readFile(target.abs);
        if (looksBinary(buf)) return fail(`${target.rel} is a binary file`);
        const lines = splitLines(buf.toString('utf8'));
        const total = lines.length;
        const start = input.start_line ?? 1;
        const end = Math.min(input.end_line ?? total, total);
        if (total === 0) return { content: `${target.rel}: (empty file)` };
        if (start > total)
          return fail(`${target.rel} has ${total} lines; start_line ${start} is past the end`);
        if (end < start) return fail(`end_line ${input.end_line} is before start_line ${start}`);

        const width = String(end).length;
        const budget = ctx.maxOutputBytes - TAG_RESERVE;
        let body = '';
        let used = 0;
        let last = start - 1;
        for (let n = start; n <= end; n++) {
          const line = `${String(n).padStart(width)}\t${lines[n - 1]}\n`;
          const size = Buffer.byteLength(line);
          if (used + size > budget && n > start) break;
          body += line;
          used += size;
          last = n;
        }
        const note =
          last < end
            ? `\n[truncated at line ${last}; call read_file with start_line=${last + 1} to continue]\n`
            : '';
        const block = dataBlock(
          'workspace_file',
          { path: target.rel, lines: `${start}-${last}`, of: total },
          capHead(body, budget).text,
        );
        return { content: block + note };
      });
    },
  };
}

/** search_code: `file:line: text` for each matching line under a directory. */
export function searchCodeTool(ctx: ReadToolContext): AgentTool<SearchCodeInput> {
  return {
    name: 'search_code',
    description:
      'Search the text files of the workspace for a string (case-sensitive) or, with regex: true, a regular expression ' +
      '(RE2 syntax, as in Go or ripgrep: no backreferences or lookaround) tested against each line. ' +
      'Returns one "path:line: text" per matching line (text trimmed, long lines cut) inside a <search_results> block. ' +
      'Skips node_modules, .git, dist, build, coverage, lockfiles, our state, binary and secrets files and files over 2 MB. ' +
      `At most ${MAX_SEARCH_MATCHES} matches; narrow with path or glob when it says it stopped early.`,
    inputSchema: SearchCodeInput,
    pathArgs: ['path'],
    run(input) {
      return fsErrorsAsOutcome(input.path ?? '.', async () => {
        let test: (line: string) => boolean;
        if (input.regex) {
          const re = compileLinear(input.pattern);
          if (typeof re === 'string') return fail(re);
          test = (line) => re.test(line);
        } else {
          test = (line) => line.includes(input.pattern);
        }
        let glob: ReturnType<typeof globToRegExp> | null;
        try {
          glob = input.glob ? globToRegExp(input.glob) : null;
        } catch (err) {
          return fail(`invalid glob ${JSON.stringify(input.glob)}: ${(err as Error).message}`);
        }
        const target = await resolveInWorkspace(ctx.root, input.path ?? '.');
        if (!target.ok) return fail(`${input.path}: ${target.reason}`);
        if (!target.exists) return fail(`${target.rel}: no such file or directory`);
        const realRoot = await realpath(ctx.root);
        const left = new WalkExclusions(realRoot, contextsOf(ctx, realRoot));
        const files = (await stat(target.abs)).isDirectory()
          ? walk(realRoot, target.abs, Infinity, 1, left.prune)
          : single(target.rel, target.abs);

        const matches: string[] = [];
        let searched = 0;
        let stopped = false;
        outer: for await (const entry of files) {
          if (entry.kind !== 'file' || (glob && !matchesGlob(entry.rel, glob))) continue;
          const buf = await readSearchable(entry.abs);
          if (buf === 'large') left.tooLarge(entry.rel);
          if (!buf || buf === 'large') continue;
          searched++;
          const lines = splitLines(buf.toString('utf8'));
          for (let i = 0; i < lines.length; i++) {
            const line = lines[i] as string;
            if (!test(line)) continue;
            if (matches.length === MAX_SEARCH_MATCHES) {
              stopped = true;
              break outer;
            }
            matches.push(`${entry.rel}:${i + 1}: ${line.trim().slice(0, MAX_MATCH_LINE_CHARS)}`);
          }
        }
        const omitted = left.note(MAX_FILE_BYTES);
        if (matches.length === 0)
          return {
            content: `no matches for ${JSON.stringify(input.pattern)} in ${searched} files${omitted}`,
          };
        const capped = capHead(matches.join('\n') + '\n', ctx.maxOutputBytes - TAG_RESERVE - omitted.length);
        const note =
          stopped || capped.truncated ? '\n[stopped early; narrow the search with path or glob]\n' : '';
        return {
          content:
            dataBlock(
              'search_results',
              { pattern: input.pattern, path: target.rel, matches: matches.length },
              capped.text,
            ) +
            note +
            omitted,
        };
      });
    },
  };
}

/**
 * Compiles a model's pattern with RE2JS (the `re2js` package, a pure-JavaScript port of RE2, so
 * nothing is built at install time): matching takes time linear in the
 * line's length whatever the pattern, so no pattern can freeze the process (a backtracking
 * engine takes exponential time on `^(a+)+$` against "aaaa…b"). Returns the error text for a
 * pattern RE2 refuses: a syntax error, or a feature it leaves out (backreferences, lookaround).
 */
function compileLinear(pattern: string): { test(line: string): boolean } | string {
  try {
    return RE2JS.compile(pattern);
  } catch (err) {
    return `invalid regular expression for search_code (RE2 syntax: no backreferences or lookaround): ${(err as Error).message}`;
  }
}

/** The file's content; 'large' when it is over MAX_FILE_BYTES (reported), null when binary or unreadable (skipped silently). */
async function readSearchable(abs: string): Promise<Buffer | 'large' | null> {
  try {
    if ((await stat(abs)).size > MAX_FILE_BYTES) return 'large';
    const buf = await readFile(abs);
    return looksBinary(buf) ? null : buf;
  } catch {
    return null;
  }
}

/** Size of a file in bytes (0 when it cannot be read: listed, and read_file reports the problem). */
async function sizeOf(abs: string): Promise<number> {
  try {
    return (await stat(abs)).size;
  } catch {
    return 0;
  }
}

/** The contexts directory the tools leave out: the chain's, else `<root>/contexts`. */
function contextsOf(ctx: ReadToolContext, realRoot: string): string {
  const dir = ctx.contextsDir ?? path.join(realRoot, 'contexts');
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

async function* single(rel: string, abs: string) {
  yield { rel, abs, kind: 'file' as const, depth: 0 };
}

/** Splits text into lines (LF or CRLF); a final newline does not start another line. */
function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
