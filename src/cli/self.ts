/**
 * How the user can run this program again, for the commands we suggest: `claude-exec` when that
 * name on PATH is this very package's binary, else the path to our bin/claude-exec (relative to
 * the working directory when inside it, e.g. `./bin/claude-exec` after `npm ci` in a clone).
 */
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** This package's bin/claude-exec (the same path from src/cli and dist/cli). */
export function ownBin(): string {
  return fileURLToPath(new URL('../../bin/claude-exec', import.meta.url));
}

function realOrNull(p: string): string | null {
  try {
    return statSync(p).isFile() ? realpathSync(p) : null;
  } catch {
    return null;
  }
}

/**
 * The command that runs this program: `claude-exec` when the first `claude-exec` found on `pathEnv`
 * resolves to `bin` (symlinks followed), else `bin` as a path — `./x` relative to `cwd` when under it,
 * absolute otherwise. Pure but for file-system lookups; never throws.
 */
export function selfCommand(opts: { pathEnv?: string; cwd?: string; bin?: string } = {}): string {
  const bin = opts.bin ?? ownBin();
  const own = realOrNull(bin) ?? bin;
  for (const dir of (opts.pathEnv ?? process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const found = realOrNull(path.join(dir, 'claude-exec'));
    if (found) return found === own ? 'claude-exec' : shownPath(bin, opts.cwd ?? process.cwd());
  }
  return shownPath(bin, opts.cwd ?? process.cwd());
}

function shownPath(bin: string, cwd: string): string {
  const rel = path.relative(cwd, bin);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? `./${rel}` : bin;
}
