/**
 * The chain index: one summary row per chain (the `chains@1` row: id, status, phase, goal, model,
 * workflow, cost and token totals, timestamps, parent and children) kept in
 * `<contexts>/.index/chains.jsonl`, so listing thousands of chains reads one file instead of
 * every context file and its journal. It is a cache, never the source of truth.
 *
 * Writers (the store, on every save) append one line `{file, size, mtime_ms, prev_dir_mtime_ms,
 * dir_mtime_ms, row}` after the head's rename; nothing is fsync'd. Every head write is a rename
 * into the contexts directory, which changes the directory's mtime. A reader trusts the index as it
 * is only along an unbroken chain of custody: a compacted index's header records the directory's
 * mtime it listed, and each store's line moves it on from the mtime its writer saw before the save
 * (`prev_dir_mtime_ms`) to the one after (`dir_mtime_ms`); the index is current when that chain
 * ends at the directory's mtime now. So a line lost to a concurrent compaction (appended to the
 * file the compaction's rename replaced), a file added, removed or copied in, or a lock taken
 * breaks the chain, and the next reader rebuilds: it stats every context file, reads again only
 * those whose size or mtime differ from their row, and writes the index back compacted (a header,
 * then one line per file). Mtimes move in ticks, so a compaction writes no header when the
 * directory changed within MTIME_SETTLE_MS (src/chain/store.ts) of its listing, and marks a file
 * changed within it to be read again (`mtime_ms` -1): a save in the same tick as the listing would
 * not show. Files that cannot be read are kept as `error` lines so their warning is repeated
 * without reading them again. A torn last line (a writer killed mid-append) is ignored. Each line
 * starts with what `chains` selects by (status, calls, updated_at), read without parsing the rest,
 * so listing the newest 50 of 10,000 chains parses 50 rows.
 */
import { mkdirSync, promises as fs, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ClaudeExecError } from '../errors.js';
import { chainFileName, parseChainFileName, type ParsedChainFileName } from './names.js';
import { indexPathOf, LINE_START, lineOf, type StoredRow } from './chains-index-line.js';
import { chainRow, type ChainRow } from './row.js';
import { listChainFiles, MTIME_SETTLE_MS, readChainFile, type ChainFileEntry } from './store.js';

/** What `chains` selects by (see selectChainRows in src/features/chains/chains.ts). */
interface ChainKeys {
  status: string;
  calls: number;
  updated_at: string;
}

/** One context file as the index knows it: its summary row (parsed on first use), or why it cannot be read. */
export interface IndexedChain {
  entry: ChainFileEntry;
  /** Null for a file that cannot be read. */
  keys: ChainKeys | null;
  /** The `chains@1` row; null for a file that cannot be read. */
  row(): ChainRow | null;
  /** The warning for a file that cannot be read. */
  error: string | null;
}

/** One line as kept in memory: its figures, and the row still as text until someone asks. */
interface Known {
  size: number;
  mtime_ms: number;
  keys: ChainKeys | null;
  error: string | null;
  rowText: string | null;
}

function readLines(index: string): { byFile: Map<string, Known>; dirMtime: number | null } {
  const byFile = new Map<string, Known>();
  let dirMtime: number | null = null;
  let text: string;
  try {
    text = readFileSync(index, 'utf8');
  } catch {
    return { byFile, dirMtime };
  }
  for (const raw of text.split('\n')) {
    if (!raw) continue;
    const m = LINE_START.exec(raw);
    if (m) {
      // A torn row is found when it is parsed; a torn line ends without the closing braces.
      if (!raw.endsWith('}}')) continue;
      // A store's line passes custody on only from the mtime its writer saw before the save; a
      // compaction's lines (no mtimes) belong to the header before them.
      if (m[4] !== undefined) dirMtime = dirMtime !== null && Number(m[4]) === dirMtime ? Number(m[5]) : null;
      byFile.set(m[1]!, {
        size: Number(m[2]),
        mtime_ms: Number(m[3]),
        keys: { status: m[6]!, calls: Number(m[7]), updated_at: m[8]! },
        error: null,
        rowText: raw,
      });
      continue;
    }
    let line: { file?: unknown; size?: unknown; mtime_ms?: unknown; dir_mtime_ms?: unknown; error?: unknown };
    try {
      line = JSON.parse(raw) as typeof line;
    } catch {
      continue;
    }
    // A header starts a chain of custody (none when it has no mtime); any other line breaks it.
    if (line.file === undefined) dirMtime = typeof line.dir_mtime_ms === 'number' ? line.dir_mtime_ms : null;
    else dirMtime = null;
    if (
      typeof line.file === 'string' &&
      typeof line.error === 'string' &&
      typeof line.size === 'number' &&
      typeof line.mtime_ms === 'number'
    ) {
      byFile.set(line.file, {
        size: line.size,
        mtime_ms: line.mtime_ms,
        keys: null,
        error: line.error,
        rowText: null,
      });
    }
  }
  return { byFile, dirMtime };
}

/** The row of a line, with its path put back; null when the line does not parse. */
function parseRow(rowText: string, file: string): ChainRow | null {
  try {
    const row = (JSON.parse(rowText) as { row: StoredRow }).row;
    row.file = file;
    return row as ChainRow;
  } catch {
    return null;
  }
}

function indexed(entry: ChainFileEntry, known: Known): IndexedChain {
  let row: ChainRow | null | undefined;
  return {
    entry,
    keys: known.keys,
    error: known.error,
    row: () =>
      row === undefined ? (row = known.rowText === null ? null : parseRow(known.rowText, entry.path)) : row,
  };
}

/**
 * Every context file of `dirs` with its summary row, sorted as `listChainFiles` sorts (chain id,
 * then start time), from the index where it is current and from the files where it is not (see
 * above). Throws only what listing the directory throws; unreadable files come back with `error`.
 */
export async function indexedChains(dirs: string[]): Promise<IndexedChain[]> {
  const out: IndexedChain[] = [];
  for (const dir of dirs) out.push(...(await indexedChainsOf(dir)));
  return out.sort(
    (a, b) => Number(a.entry.chainId) - Number(b.entry.chainId) || a.entry.startedAtMs - b.entry.startedAtMs,
  );
}

async function indexedChainsOf(dir: string): Promise<IndexedChain[]> {
  const index = indexPathOf(dir);
  let dirMtime: number;
  try {
    if (!statSync(dir).isDirectory()) return [];
    // Before the directory's mtime is taken: creating `.index` changes it.
    mkdirSync(path.dirname(index), { recursive: true });
    dirMtime = statSync(dir).mtimeMs;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const known = readLines(index);
  if (known.dirMtime === dirMtime) {
    const fresh = fromLines(dir, known.byFile);
    if (fresh) return fresh;
  }
  const out: IndexedChain[] = [];
  // Settled: changed at least MTIME_SETTLE_MS before the listing, so a later change shows in the mtime.
  const settledBefore = Date.now() - MTIME_SETTLE_MS;
  let settled = dirMtime <= settledBefore;
  const lines: string[] = [];
  for (const entry of await listChainFiles([dir])) {
    let st: { size: number; mtimeMs: number };
    try {
      st = await fs.stat(entry.path);
    } catch {
      continue;
    }
    const fileSettled = st.mtimeMs <= settledBefore;
    settled &&= fileSettled;
    const was = known.byFile.get(entry.file);
    const wasRow =
      was && was.size === st.size && was.mtime_ms === st.mtimeMs
        ? was.rowText === null
          ? null
          : parseRow(was.rowText, entry.path)
        : undefined;
    let row: ChainRow | null = null;
    let error: string | null = null;
    if (wasRow) row = wasRow;
    else if (wasRow === null && was?.error) error = was.error;
    else {
      try {
        row = chainRow(await readChainFile(entry.path), entry.path);
      } catch (err) {
        if (!(err instanceof ClaudeExecError)) throw err;
        error = err.message;
      }
    }
    lines.push(lineOf(entry.file, st.size, fileSettled ? st.mtimeMs : -1, null, row, error));
    const keys = row ? { status: row.status, calls: row.calls, updated_at: row.updated_at } : null;
    out.push({ entry, keys, error, row: () => row });
  }
  lines.unshift(JSON.stringify({ dir_mtime_ms: settled ? dirMtime : null }));
  writeCompacted(index, lines);
  return out;
}

/** The chains from a current index alone; null when a line names no parsable file. */
function fromLines(dir: string, byFile: Map<string, Known>): IndexedChain[] | null {
  const out: IndexedChain[] = [];
  // path.join(dir, file) for every file, joined once.
  const prefix = path.join(dir, 'x').slice(0, -1);
  for (const [file, known] of byFile) {
    const parsed = quickParse(file) ?? parseChainFileName(file);
    if (!parsed) return null;
    out.push(
      indexed(
        {
          path: prefix + file,
          dir,
          file,
          chainId: parsed.chainId,
          slug: parsed.slug,
          startedAtMs: parsed.startedAtMs,
        },
        known,
      ),
    );
  }
  return out;
}

/**
 * `chain-NNN-slug-YYYY-MM-DD-HH-MM-SS.json` by slicing, checked by building the name again: the
 * name regex is a tenth of a warm `chains` over 10,000 chains. Null when in doubt (use the regex).
 */
function quickParse(file: string): ParsedChainFileName | null {
  const dash = file.indexOf('-', 6);
  if (dash < 0 || file.length < dash + 25) return null;
  const stamp = file.slice(-24, -5);
  const ms = Date.UTC(
    +stamp.slice(0, 4),
    +stamp.slice(5, 7) - 1,
    +stamp.slice(8, 10),
    +stamp.slice(11, 13),
    +stamp.slice(14, 16),
    +stamp.slice(17, 19),
  );
  if (Number.isNaN(ms)) return null;
  const parsed = { chainId: file.slice(6, dash), slug: file.slice(dash + 1, -25), startedAtMs: ms };
  return chainFileName(parsed.chainId, parsed.slug, new Date(ms)) === file && /^\d{3,}$/.test(parsed.chainId)
    ? parsed
    : null;
}

function writeCompacted(index: string, lines: string[]): void {
  try {
    const tmp = `${index}.${process.pid}.tmp`;
    writeFileSync(tmp, `${lines.join('\n')}\n`);
    renameSync(tmp, index);
  } catch {
    // Read-only: the next reader reads the files again.
  }
}
