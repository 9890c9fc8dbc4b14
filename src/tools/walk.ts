/**
 * Walks the workspace for list_files and search_code: skips dependency, VCS and build-output
 * directories, never follows symbolic links (so a walk cannot leave the root or loop), and
 * leaves out secrets files and anything under `.git/`.
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import RE2 from 're2';
import { checkRelative } from './pathGuard.js';

/** Directory names never descended into. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set(['node_modules', '.git', 'dist', 'build', 'coverage']);

export interface WalkEntry {
  /** `/`-separated, relative to the root. */
  rel: string;
  abs: string;
  kind: 'file' | 'dir' | 'symlink';
  depth: number;
}

/**
 * Yields entries under `absDir` (relative paths are taken against `realRoot`) in sorted order,
 * directories before their contents, down to `maxDepth` levels (1 = the directory's own entries).
 */
export async function* walk(realRoot: string, absDir: string, maxDepth: number, depth = 1): AsyncGenerator<WalkEntry> {
  let entries: Dirent[];
  try {
    entries = await readdir(absDir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const abs = path.join(absDir, entry.name);
    const rel = path.relative(realRoot, abs).split(path.sep).join('/');
    if (!checkRelative(rel).ok) continue;
    // A symlinked node_modules (common in monorepos) is skipped like a real one.
    if ((entry.isDirectory() || entry.isSymbolicLink()) && SKIPPED_DIRS.has(entry.name)) continue;
    if (entry.isDirectory()) {
      yield { rel, abs, kind: 'dir', depth };
      if (depth < maxDepth) yield* walk(realRoot, abs, maxDepth, depth + 1);
    } else if (entry.isFile()) {
      yield { rel, abs, kind: 'file', depth };
    } else if (entry.isSymbolicLink()) {
      yield { rel, abs, kind: 'symlink', depth };
    }
  }
}

/**
 * Pure: compiles a glob to a regular expression, run by RE2 (linear time: a glob from the model
 * such as `**a**a**a…` would backtrack without end in JavaScript's engine). Supports `*` (within
 * a segment), `**` (any depth), `?`, `{a,b}` and `[...]`. A glob without `/` matches the file's
 * base name (like `rg -g '*.ts'`); one with `/` matches the whole relative path.
 * Throws `SyntaxError` for a glob whose character class RE2 cannot compile.
 */
export function globToRegExp(glob: string): { re: { test(s: string): boolean }; matchBase: boolean } {
  let out = '';
  let inBraces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          out += '(?:.*/)?';
        } else {
          out += '.*';
        }
      } else {
        out += '[^/]*';
      }
    } else if (c === '?') out += '[^/]';
    else if (c === '{') {
      inBraces++;
      out += '(?:';
    } else if (c === '}' && inBraces > 0) {
      inBraces--;
      out += ')';
    } else if (c === ',' && inBraces > 0) out += '|';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) out += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        out += `[${body}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return { re: new RE2(`^${out}$`, 'u'), matchBase: !glob.includes('/') };
}

/** Pure: does the relative path `rel` match the compiled glob? */
export function matchesGlob(rel: string, glob: ReturnType<typeof globToRegExp>): boolean {
  return glob.re.test(glob.matchBase ? (rel.split('/').pop() ?? rel) : rel);
}
