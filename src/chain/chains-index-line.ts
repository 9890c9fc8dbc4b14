/**
 * The chain index's lines (`<contexts>/.index/chains.jsonl`, read by ./chains-index.ts) and the
 * append the store makes after every save. A line is `{file, size, mtime_ms, prev_dir_mtime_ms?,
 * dir_mtime_ms?, status, calls, updated_at, row}`, keys first so a reader selects without parsing
 * the row. A store's line carries the contexts directory's mtime from before its head was written
 * (`prev_dir_mtime_ms`) and after (`dir_mtime_ms`): the index is current after the line only when it
 * was current before it (see ./chains-index.ts). An `mtime_ms` of -1 matches no file: its row is
 * read again.
 */
import { appendFileSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { chainRow, type ChainRow } from './row.js';
import type { ChainContext } from './schema.js';

/** The index's path for a contexts directory. */
export const indexPathOf = (dir: string) => path.join(dir, '.index', 'chains.jsonl');

/** A row as stored: its `file` (the absolute path) is put back on reading, from where the index lies. */
export type StoredRow = Omit<ChainRow, 'file'> & { file?: string };

/** The line of one file, keys first (LINE_START reads them without parsing the row). */
export function lineOf(
  file: string,
  size: number,
  mtimeMs: number,
  dirMtimes: { before: number; after: number } | null,
  row: StoredRow | null,
  error: string | null,
): string {
  const figures = {
    file,
    size,
    mtime_ms: mtimeMs,
    ...(dirMtimes === null ? {} : { prev_dir_mtime_ms: dirMtimes.before, dir_mtime_ms: dirMtimes.after }),
  };
  if (!row) return JSON.stringify({ ...figures, error });
  // The path is put back on reading; an empty one keeps its place, so a row from the index has its
  // keys in the order of one built from the file (the same JSON text either way).
  return JSON.stringify({
    ...figures,
    status: row.status,
    calls: row.calls,
    updated_at: row.updated_at,
    row: { ...row, file: '' },
  });
}

const NUM = '(-?[0-9][0-9.eE+-]*)';
/** The start of a row's line up to its row, its strings' characters as `chars` (a regex class). */
const lineStart = (chars: string, flags?: string) =>
  new RegExp(
    `${flags ? '' : '^'}\\{"file":"(${chars}+)","size":(\\d+),"mtime_ms":${NUM}(?:,"prev_dir_mtime_ms":${NUM},"dir_mtime_ms":${NUM})?,"status":"(${chars}*)","calls":(\\d+),"updated_at":"(${chars}*)","row":`,
    flags,
  );
/**
 * The keys at the start of a row's line: file, size, mtime_ms, prev_dir_mtime_ms and
 * dir_mtime_ms (or undefined), status, calls, updated_at (strings without escapes).
 */
export const LINE_START = lineStart('[^"\\\\]');
/**
 * LINE_START for strings of printable ASCII alone, matched where `lastIndex` says (sticky): what
 * it matches in a whole index decoded as Latin-1 (one byte a character, the cheapest decoding)
 * reads the same decoded as UTF-8, at the same offsets.
 */
export const ASCII_LINE_START = lineStart('[ !#-\\[\\]-~]', 'y');

/** The mtime (ms) of the directory `file` is in, or null when it cannot be read: what a store takes before it writes. */
export function dirMtimeOf(file: string): number | null {
  try {
    return statSync(path.dirname(file)).mtimeMs;
  } catch {
    return null;
  }
}

/**
 * Appends the summary of `ctx`, just saved to `file`, to its directory's index, with the
 * directory's mtime from before the save (`dirMtimeBefore`, from dirMtimeOf; null when unknown,
 * and then the line vouches for nothing beyond its row) and after it. `row`: the summary taken
 * when the saved version was serialized, for a save that finishes after the chain moved on.
 * Never throws: the index is a cache, and a reader rebuilds what is missing.
 */
export function recordInIndex(
  file: string,
  ctx: ChainContext,
  dirMtimeBefore: number | null,
  row: ChainRow = chainRow(ctx, file),
): void {
  try {
    const dir = path.dirname(file);
    const index = indexPathOf(dir);
    // Before the directory's mtime is taken: creating `.index` changes it.
    mkdirSync(path.dirname(index), { recursive: true });
    const head = statSync(file);
    const dirMtimes =
      dirMtimeBefore === null ? null : { before: dirMtimeBefore, after: statSync(dir).mtimeMs };
    appendFileSync(index, `${lineOf(path.basename(file), head.size, head.mtimeMs, dirMtimes, row, null)}\n`);
  } catch {
    // A read-only or full disk: readers fall back to the files.
  }
}
