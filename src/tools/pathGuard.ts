/**
 * Confines model-supplied paths to the workspace root (DESIGN §7). Refusals are returned as
 * data (`{ ok: false, reason }`) so the tools can send them back to the model as an error
 * tool_result; nothing here throws for a bad path.
 *
 * Two layers: `checkLexical` is pure (the path as written: escapes, `.git/`, secrets files);
 * `resolveInWorkspace` adds the file-system layer (realpath of the deepest existing ancestor,
 * so a symlink that leaves the root, or points into `.git/` or at a secrets file, is refused
 * too, for files that exist and for files about to be created).
 */
import { lstat, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AgentTool } from './types.js';

export type PathCheck =
  | {
      ok: true;
      /** Real absolute path to do I/O on (symlinks resolved as far as the path exists). */
      abs: string;
      /** The real path relative to the real root, `/`-separated; `.` for the root itself. */
      rel: string;
      exists: boolean;
    }
  | { ok: false; reason: string };

export type LexicalCheck = { ok: true; rel: string } | { ok: false; reason: string };

/** True for `.env` and `.env.*` (e.g. `.env.local`), except the shareable `.env.example`. */
export function isSecretFile(relOrName: string): boolean {
  const base = relOrName.split(/[\\/]/).pop() ?? '';
  if (base === '.env.example') return false;
  return base === '.env' || base.startsWith('.env.');
}

/**
 * Checks a `/`-separated path relative to the root (as produced by `path.relative`): it must
 * not leave the root, must not pass through a `.git` directory, and must not name a secrets file
 * (a secrets file is neither shown to the model nor overwritten by it).
 */
export function checkRelative(rel: string): LexicalCheck {
  const posix = rel.split(path.sep).join('/');
  if (posix === '') return { ok: true, rel: '.' };
  if (path.isAbsolute(rel) || posix === '..' || posix.startsWith('../')) {
    return { ok: false, reason: 'path is outside the workspace' };
  }
  const segments = posix.split('/');
  if (segments.includes('.git')) return { ok: false, reason: 'paths under .git/ are not accessible' };
  if (isSecretFile(posix)) {
    return { ok: false, reason: 'secrets files (.env, .env.*) are not accessible; .env.example is' };
  }
  return { ok: true, rel: posix };
}

/**
 * Pure: resolves `input` (relative to `root`, or absolute) without touching the disk and applies
 * `checkRelative`. An empty input means the root.
 */
export function checkLexical(root: string, input: string): LexicalCheck {
  if (input.includes('\0')) return { ok: false, reason: 'path contains a NUL byte' };
  const abs = path.resolve(root, input === '' ? '.' : input);
  return checkRelative(path.relative(path.resolve(root), abs));
}

/**
 * Resolves a model-supplied path inside `root` (which may itself be reached through a symlink).
 * Returns the real absolute path, or a refusal when the path as written or as resolved leaves
 * the root, touches `.git/`, names a secrets file, or crosses a dangling symlink.
 */
export async function resolveInWorkspace(root: string, input: string): Promise<PathCheck> {
  const lexical = checkLexical(root, input);
  if (!lexical.ok) return lexical;
  const realRoot = await realpath(root);
  const target = path.resolve(realRoot, lexical.rel);

  // Walk up to the deepest existing ancestor; what is below it does not exist yet.
  let existing = target;
  const missing: string[] = [];
  for (;;) {
    try {
      existing = await realpath(existing);
      break;
    } catch (err) {
      if (!isNotFound(err)) return { ok: false, reason: `cannot resolve path: ${(err as Error).message}` };
      if (await lexists(existing)) return { ok: false, reason: 'path crosses a dangling symbolic link' };
      missing.unshift(path.basename(existing));
      const parent = path.dirname(existing);
      if (parent === existing) return { ok: false, reason: 'path is outside the workspace' };
      existing = parent;
    }
  }
  if (missing.length > 0 && !(await stat(existing)).isDirectory()) {
    return { ok: false, reason: `${path.relative(realRoot, existing) || '.'} is a file, not a directory` };
  }
  const abs = path.join(existing, ...missing);
  const real = checkRelative(path.relative(realRoot, abs));
  if (!real.ok) return { ok: false, reason: `${real.reason} (after resolving symbolic links)` };
  return { ok: true, abs, rel: real.rel, exists: missing.length === 0 };
}

/**
 * The one guard for every path-like tool argument: returns `tool` with a `run` that first checks
 * each of `tool.pathArgs` present in the input with `resolveInWorkspace` and refuses the call
 * (error outcome `<arg> "<value>": <reason>`) when any is refused. A tool without `pathArgs` is
 * returned as it is. The tools still resolve their paths themselves for the I/O.
 */
export function guardToolPaths<I>(root: string, tool: AgentTool<I>): AgentTool<I> {
  const names = tool.pathArgs ?? [];
  if (names.length === 0) return tool;
  return {
    ...tool,
    async run(input) {
      for (const name of names) {
        const value = (input as Record<string, unknown> | null)?.[name];
        if (typeof value !== 'string') continue;
        const check = await resolveInWorkspace(root, value);
        if (!check.ok)
          return { content: `${name} ${JSON.stringify(value)} refused: ${check.reason}`, isError: true };
      }
      return tool.run(input);
    },
  };
}

function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function lexists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}
