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
import { isChainFileName, parseChainFileName } from './names.js';
import { ASCII_LINE_START, indexPathOf, LINE_START, lineOf, type StoredRow } from './chains-index-line.js';
import { chainRow, type ChainRow } from './row.js';
import { listChainFiles, MTIME_SETTLE_MS, readChainFile, type ChainFileEntry } from './store.js';

/** What `chains` selects by (see selectChainRows in src/features/chains/chains.ts). */
export interface ChainKeys {
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

/** A contexts directory as its index's lines name it; `prefix` is its path with a separator at the end. */
interface Where {
  dir: string;
  prefix: string;
}

/**
 * One line of the index as kept in memory, and the chain it names: its figures and keys, its
 * row still as bytes of the index, and its file's entry (the name parsed), built on first use,
 * so the 10,000 chains `chains` does not show cost one small object each.
 */
class IndexLine implements IndexedChain {
  #entry: ChainFileEntry | undefined;
  #row: ChainRow | null | undefined;

  constructor(
    private readonly where: Where,
    readonly file: string,
    /** The chain id as a number (NaN for another file), what the list is sorted by first. */
    readonly chainNumber: number,
    readonly size: number,
    readonly mtime_ms: number,
    readonly keys: ChainKeys | null,
    readonly error: string | null,
    private readonly bytes: Buffer | null = null,
    private readonly from = 0,
    private readonly to = 0,
  ) {}

  /** The whole line (its row inside), or null for an `error` line. */
  get rowText(): string | null {
    return this.bytes && this.bytes.toString('utf8', this.from, this.to);
  }

  get entry(): ChainFileEntry {
    if (this.#entry) return this.#entry;
    // fromLines checked the name with isChainFileName, which says when this parses.
    const parsed = parseChainFileName(this.file)!;
    return (this.#entry = {
      path: this.where.prefix + this.file,
      dir: this.where.dir,
      file: this.file,
      chainId: parsed.chainId,
      slug: parsed.slug,
      startedAtMs: parsed.startedAtMs,
    });
  }

  row(): ChainRow | null {
    if (this.#row === undefined) {
      const text = this.rowText;
      this.#row = text === null ? null : parseRow(text, this.entry.path);
    }
    return this.#row;
  }
}

/** The chain id a context file's name starts with, as a number (NaN for another name). */
const chainNumberOfName = (file: string) => Number(file.slice(6, file.indexOf('-', 6)));

const NEWLINE = 0x0a;
const BRACE = 0x7d;

/**
 * The index's lines by file (the last line of a file wins) and the directory's mtime the chain of
 * custody ends at (see above; null when broken). Each line's keys are matched in the whole index
 * decoded as Latin-1 (one character a byte, the cheapest decoding) and its row decoded (as UTF-8)
 * and parsed only when asked for, so 10,000 lines cost little more than reading the file.
 */
function readLines(dir: string, index: string): { byFile: Map<string, IndexLine>; dirMtime: number | null } {
  const where: Where = { dir, prefix: path.join(dir, 'x').slice(0, -1) };
  const byFile = new Map<string, IndexLine>();
  let dirMtime: number | null = null;
  let bytes: Buffer;
  try {
    bytes = readFileSync(index);
  } catch {
    return { byFile, dirMtime };
  }
  // The same offsets as the bytes; a line whose keys are not plain ASCII is decoded again alone, as UTF-8.
  const latin1 = bytes.toString('latin1');
  for (let from = 0, to: number; from < bytes.length; from = to + 1) {
    to = bytes.indexOf(NEWLINE, from);
    if (to < 0) to = bytes.length;
    if (to === from) continue;
    ASCII_LINE_START.lastIndex = from;
    let m = ASCII_LINE_START.exec(latin1);
    let raw: string | undefined;
    if (!m) m = LINE_START.exec((raw = bytes.toString('utf8', from, to)));
    if (m) {
      // A torn row is found when it is parsed; a torn line ends without the closing braces.
      if (bytes[to - 1] !== BRACE || bytes[to - 2] !== BRACE) continue;
      // A store's line passes custody on only from the mtime its writer saw before the save; a
      // compaction's lines (no mtimes) belong to the header before them.
      if (m[4] !== undefined) dirMtime = dirMtime !== null && Number(m[4]) === dirMtime ? Number(m[5]) : null;
      const file = m[1]!;
      byFile.set(
        file,
        new IndexLine(
          where,
          file,
          chainNumberOfName(file),
          Number(m[2]),
          Number(m[3]),
          {
            status: m[6]!,
            calls: Number(m[7]),
            updated_at: m[8]!,
          },
          null,
          bytes,
          from,
          to,
        ),
      );
      continue;
    }
    raw ??= bytes.toString('utf8', from, to);
    let line: { file?: unknown; size?: unknown; mtime_ms?: unknown; dir_mtime_ms?: unknown; error?: unknown };
    try {
      line = JSON.parse(raw) as typeof line;
    } catch {
      continue;
    }
    // A header starts a chain of custody (none when it has no mtime); a compaction's line of an
    // unreadable file belongs to the header before it; any other line (one the index cannot
    // keep) breaks it.
    if (
      typeof line.file === 'string' &&
      typeof line.error === 'string' &&
      typeof line.size === 'number' &&
      typeof line.mtime_ms === 'number'
    ) {
      byFile.set(
        line.file,
        new IndexLine(
          where,
          line.file,
          chainNumberOfName(line.file),
          line.size,
          line.mtime_ms,
          null,
          line.error,
        ),
      );
      if (line.dir_mtime_ms !== undefined) dirMtime = null;
    } else if (line.file === undefined)
      dirMtime = typeof line.dir_mtime_ms === 'number' ? line.dir_mtime_ms : null;
    else dirMtime = null;
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

/** The chain id of an entry as a number (without building an IndexLine's entry). */
const chainNumberOf = (c: IndexedChain) => (c instanceof IndexLine ? c.chainNumber : Number(c.entry.chainId));

/** listChainFiles' order: chain id, then start time. */
const byChainThenStart = (a: IndexedChain, b: IndexedChain) =>
  chainNumberOf(a) - chainNumberOf(b) || a.entry.startedAtMs - b.entry.startedAtMs;

/**
 * Whether `list` is already in byChainThenStart's order (then sorting it, a stable sort, would
 * change nothing). A current index is: it is written in that order and a save appends the
 * newest chain at its end; only chains with equal ids have their names parsed to compare.
 */
function inOrder(list: IndexedChain[]): boolean {
  for (let i = 1; i < list.length; i++) if (byChainThenStart(list[i - 1]!, list[i]!) > 0) return false;
  return true;
}

/**
 * Every context file of `dirs` with its summary row, sorted as `listChainFiles` sorts (chain id,
 * then start time), from the index where it is current and from the files where it is not (see
 * above). Throws only what listing the directory throws; unreadable files come back with `error`.
 */
export async function indexedChains(dirs: string[]): Promise<IndexedChain[]> {
  const out: IndexedChain[] = [];
  for (const dir of dirs) for (const c of await indexedChainsOf(dir)) out.push(c);
  return inOrder(out) ? out : out.sort(byChainThenStart);
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
  const known = readLines(dir, index);
  if (known.dirMtime === dirMtime) {
    const fresh = fromLines(known.byFile);
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

/** The chains from a current index alone; null when a line names no context file. */
function fromLines(byFile: Map<string, IndexLine>): IndexedChain[] | null {
  const out: IndexedChain[] = [];
  for (const line of byFile.values()) {
    if (!isChainFileName(line.file)) return null;
    out.push(line);
  }
  return out;
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
