/**
 * The chain index's lines (`<contexts>/.index/chains.jsonl`, read by ./chains-index.ts) and the
 * append the store makes after every save. A line is `{file, size, mtime_ms, dir_mtime_ms?,
 * status, calls, updated_at, row}`, keys first so a reader selects without parsing the row.
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
  dirMtimeMs: number | null,
  row: StoredRow | null,
  error: string | null,
): string {
  const figures = {
    file,
    size,
    mtime_ms: mtimeMs,
    ...(dirMtimeMs === null ? {} : { dir_mtime_ms: dirMtimeMs }),
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
export const LINE_START = new RegExp(
  `^\\{"file":"([^"\\\\]+)","size":(\\d+),"mtime_ms":${NUM}(?:,"dir_mtime_ms":${NUM})?,"status":"([^"\\\\]*)","calls":(\\d+),"updated_at":"([^"\\\\]*)","row":`,
);

/**
 * Appends the summary of `ctx`, just saved to `file`, to its directory's index. Never throws:
 * the index is a cache, and a reader rebuilds what is missing. `row`: the summary taken when the
 * saved version was serialized, for a save that finishes after the chain moved on.
 */
export function recordInIndex(file: string, ctx: ChainContext, row: ChainRow = chainRow(ctx, file)): void {
  try {
    const dir = path.dirname(file);
    const index = indexPathOf(dir);
    // Before the directory's mtime is taken: creating `.index` changes it.
    mkdirSync(path.dirname(index), { recursive: true });
    const head = statSync(file);
    const dirMtime = statSync(dir).mtimeMs;
    appendFileSync(index, `${lineOf(path.basename(file), head.size, head.mtimeMs, dirMtime, row, null)}\n`);
  } catch {
    // A read-only or full disk: readers fall back to the files.
  }
}
