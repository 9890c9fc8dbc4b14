/**
 * Walks the workspace for list_files and search_code: skips dependency, VCS and build-output
 * directories, never follows symbolic links (so a walk cannot leave the root or loop), and
 * leaves out secrets files and anything under `.git/`.
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { RE2JS } from 're2js';
import { checkRelative } from './pathGuard.js';

/** Directory names never descended into. */
const SKIPPED_DIRS: ReadonlySet<string> = new Set(['node_modules', '.git', 'dist', 'build', 'coverage']);

export interface WalkEntry {
  /** `/`-separated, relative to the root. */
  rel: string;
  abs: string;
  kind: 'file' | 'dir' | 'symlink';
  depth: number;
}

/** Dependency lockfiles: generated, long, and no help to read as code. */
const LOCKFILES: ReadonlySet<string> = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lock',
  'bun.lockb',
  'deno.lock',
  'Cargo.lock',
  'poetry.lock',
  'Pipfile.lock',
  'uv.lock',
  'pdm.lock',
  'Gemfile.lock',
  'composer.lock',
  'go.sum',
  'mix.lock',
  'pubspec.lock',
  'packages.lock.json',
  'flake.lock',
  'gradle.lockfile',
  'Package.resolved',
  'Podfile.lock',
]);

/** Pure: a dependency lockfile (`package-lock.json`, `go.sum`, …) or a lock file (`*.lock`, e.g. a chain's driver lock)? */
export function isLockName(name: string): 'lockfile' | 'lock file' | null {
  if (LOCKFILES.has(name)) return 'lockfile';
  return /\.lock$/.test(name) ? 'lock file' : null;
}

/**
 * What list_files and search_code leave out besides the skipped directories: the
 * chain's contexts directory (its own state), lock files, lockfiles, and (search_code, list_files)
 * files over the size cap. Counts what was left out, so the tool can say so.
 */
export class WalkExclusions {
  readonly contextsRel: string | null;
  readonly left = {
    contexts: false,
    lockfiles: [] as string[],
    locks: [] as string[],
    large: [] as string[],
  };

  /** `contextsDir`: absolute path of the chain's contexts directory (skipped when inside `realRoot`). */
  constructor(realRoot: string, contextsDir: string | null) {
    const rel = contextsDir ? path.relative(realRoot, contextsDir).split(path.sep).join('/') : '';
    this.contextsRel = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : null;
  }

  /** For `walk`'s prune: true for the contexts directory, lock files and lockfiles (recorded). */
  readonly prune = (rel: string, isDir: boolean): boolean => {
    if (this.contextsRel && (rel === this.contextsRel || rel.startsWith(`${this.contextsRel}/`))) {
      this.left.contexts = true;
      return true;
    }
    const kind = isLockName(rel.split('/').pop() ?? rel);
    if (!kind || (isDir && kind === 'lockfile')) return false;
    (kind === 'lockfile' ? this.left.lockfiles : this.left.locks).push(rel);
    return true;
  };

  /** Records a file left out for its size. */
  tooLarge(rel: string): void {
    this.left.large.push(rel);
  }

  /** One line naming what was left out, or '' when nothing was. */
  note(maxBytes: number): string {
    const l = this.left;
    const list = (xs: string[]) =>
      `${xs.slice(0, 5).join(', ')}${xs.length > 5 ? `, … (+${xs.length - 5})` : ''}`;
    const parts: string[] = [];
    if (l.contexts) parts.push(`${this.contextsRel}/ (the chain's own state)`);
    if (l.lockfiles.length)
      parts.push(
        `${l.lockfiles.length} lockfile(s): ${list(l.lockfiles)} (read_file reads one when a version matters)`,
      );
    if (l.locks.length) parts.push(`${l.locks.length} lock file(s): ${list(l.locks)}`);
    if (l.large.length)
      parts.push(
        `${l.large.length} file(s) over ${maxBytes.toLocaleString('en-US')} bytes: ${list(l.large)}`,
      );
    return parts.length ? `\n[left out: ${parts.join('; ')}]\n` : '';
  }
}

/**
 * Yields entries under `absDir` (relative paths are taken against `realRoot`) in sorted order,
 * directories before their contents, down to `maxDepth` levels (1 = the directory's own entries).
 */
export async function* walk(
  realRoot: string,
  absDir: string,
  maxDepth: number,
  depth = 1,
  prune?: (rel: string, isDir: boolean) => boolean,
): AsyncGenerator<WalkEntry> {
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
    if (prune?.(rel, entry.isDirectory())) continue;
    if (entry.isDirectory()) {
      yield { rel, abs, kind: 'dir', depth };
      if (depth < maxDepth) yield* walk(realRoot, abs, maxDepth, depth + 1, prune);
    } else if (entry.isFile()) {
      yield { rel, abs, kind: 'file', depth };
    } else if (entry.isSymbolicLink()) {
      yield { rel, abs, kind: 'symlink', depth };
    }
  }
}

/**
 * Pure: compiles a glob to a regular expression, run by RE2JS (linear time: a glob from the model
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
        const body = glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        out += `[${body}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return { re: RE2JS.compile(`^${out}$`), matchBase: !glob.includes('/') };
}

/** Pure: does the relative path `rel` match the compiled glob? */
export function matchesGlob(rel: string, glob: ReturnType<typeof globToRegExp>): boolean {
  return glob.re.test(glob.matchBase ? (rel.split('/').pop() ?? rel) : rel);
}
