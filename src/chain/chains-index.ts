/**
 * The chain index: one summary row per chain (the `chains@1` row: id, status, phase, goal, model,
 * workflow, cost and token totals, timestamps, parent and children) kept in
 * `<contexts>/.index/chains.jsonl`, so listing thousands of chains reads one file instead of
 * every context file and its journal. It is a cache, never the source of truth.
 *
 * Writers (the store, on every save) append one line `{file, size, mtime_ms, dir_mtime_ms, row}`
 * after the head's rename; nothing is fsync'd. Every head write is a rename into the contexts
 * directory, which changes the directory's mtime, so a reader trusts the index as it is when the
 * directory's mtime equals the one the last line recorded. Otherwise (a save in between, a file
 * added, removed or copied in, a lock taken, no index yet) it stats every context file, reads
 * again only those whose size or mtime differ from their row, and writes the index back compacted
 * (a header with the directory's mtime, then one line per file). Files that cannot be read are
 * kept as `error` lines so their warning is repeated without reading them again. A torn last
 * line (a writer killed mid-append) is ignored.
 */
import { appendFileSync, mkdirSync, promises as fs, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChainRowOutput } from '../cli/contract/chains.js';
import { chainRow } from '../cli/views/status.js';
import { ClaudeExecError } from '../errors.js';
import { parseChainFileName } from './names.js';
import { listChainFiles, readChainFile, type ChainFileEntry } from './store.js';
import type { ChainContext } from './schema.js';

/** The index's path for a contexts directory. */
export const indexPathOf = (dir: string) => path.join(dir, '.index', 'chains.jsonl');

/** One context file as the index knows it: its summary row, or why it cannot be read. */
export interface IndexedChain {
  entry: ChainFileEntry;
  row: ChainRowOutput | null;
  /** The warning for a file that cannot be read (row is then null). */
  error: string | null;
}

interface Line {
  file?: string;
  size?: number;
  mtime_ms?: number;
  dir_mtime_ms?: number;
  row?: ChainRowOutput;
  error?: string;
}

/**
 * Appends the summary of `ctx`, just saved to `file`, to its directory's index. Never throws:
 * the index is a cache, and a reader rebuilds what is missing.
 */
export function recordInIndex(file: string, ctx: ChainContext): void {
  try {
    const dir = path.dirname(file);
    const index = indexPathOf(dir);
    // Before the directory's mtime is taken: creating `.index` changes it.
    mkdirSync(path.dirname(index), { recursive: true });
    const head = statSync(file);
    const dirMtime = statSync(dir).mtimeMs;
    const line: Line = { file: path.basename(file), size: head.size, mtime_ms: head.mtimeMs, dir_mtime_ms: dirMtime, row: chainRow(ctx, file) };
    appendFileSync(index, `${JSON.stringify(line)}\n`);
  } catch {
    // A read-only or full disk: readers fall back to the files.
  }
}

function readLines(index: string): { byFile: Map<string, Line>; dirMtime: number | null } {
  const byFile = new Map<string, Line>();
  let dirMtime: number | null = null;
  let text: string;
  try {
    text = readFileSync(index, 'utf8');
  } catch {
    return { byFile, dirMtime };
  }
  for (const raw of text.split('\n')) {
    if (!raw) continue;
    let line: Line;
    try {
      line = JSON.parse(raw) as Line;
    } catch {
      continue;
    }
    if (typeof line.dir_mtime_ms === 'number') dirMtime = line.dir_mtime_ms;
    if (typeof line.file === 'string') byFile.set(line.file, line);
  }
  return { byFile, dirMtime };
}

/**
 * Every context file of `dirs` with its summary row, sorted as `listChainFiles` sorts (chain id,
 * then start time), from the index where it is current and from the files where it is not (see
 * above). Throws only what listing the directory throws; unreadable files come back with `error`.
 */
export async function indexedChains(dirs: string[]): Promise<IndexedChain[]> {
  const out: IndexedChain[] = [];
  for (const dir of dirs) out.push(...(await indexedChainsOf(dir)));
  return out.sort((a, b) => Number(a.entry.chainId) - Number(b.entry.chainId) || a.entry.startedAtMs - b.entry.startedAtMs);
}

async function indexedChainsOf(dir: string): Promise<IndexedChain[]> {
  let dirMtime: number;
  try {
    dirMtime = statSync(dir).mtimeMs;
  } catch {
    return [];
  }
  const index = indexPathOf(dir);
  const known = readLines(index);
  if (known.dirMtime === dirMtime) {
    const fresh = fromLines(dir, known.byFile);
    if (fresh) return fresh;
  }
  const out: IndexedChain[] = [];
  const lines: Line[] = [];
  for (const entry of await listChainFiles([dir])) {
    let st: { size: number; mtimeMs: number };
    try {
      st = await fs.stat(entry.path);
    } catch {
      continue;
    }
    const was = known.byFile.get(entry.file);
    let line: Line;
    if (was && was.size === st.size && was.mtime_ms === st.mtimeMs && (was.row || was.error)) line = was;
    else {
      line = { file: entry.file, size: st.size, mtime_ms: st.mtimeMs };
      try {
        line.row = chainRow(await readChainFile(entry.path), entry.path);
      } catch (err) {
        if (!(err instanceof ClaudeExecError)) throw err;
        line.error = err.message;
      }
    }
    lines.push({ file: line.file, size: line.size, mtime_ms: line.mtime_ms, ...(line.row ? { row: { ...line.row, file: entry.path } } : { error: line.error }) });
    out.push({ entry, row: line.row ? { ...line.row, file: entry.path } : null, error: line.error ?? null });
  }
  writeCompacted(index, dirMtime, lines);
  return out;
}

/** The chains from a current index alone; null when a line names no parsable file. */
function fromLines(dir: string, byFile: Map<string, Line>): IndexedChain[] | null {
  const out: IndexedChain[] = [];
  for (const line of byFile.values()) {
    const entry = parseEntry(dir, line.file!);
    if (!entry || (!line.row && !line.error)) return null;
    out.push({ entry, row: line.row ? { ...line.row, file: entry.path } : null, error: line.row ? null : line.error! });
  }
  return out;
}

function parseEntry(dir: string, file: string): ChainFileEntry | null {
  const parsed = parseChainFileName(file);
  return parsed ? { path: path.join(dir, file), dir, file, ...parsed } : null;
}

function writeCompacted(index: string, dirMtime: number, lines: Line[]): void {
  try {
    mkdirSync(path.dirname(index), { recursive: true });
    const tmp = `${index}.${process.pid}.tmp`;
    writeFileSync(tmp, [JSON.stringify({ dir_mtime_ms: dirMtime }), ...lines.map((l) => JSON.stringify(l))].join('\n') + '\n');
    renameSync(tmp, index);
  } catch {
    // Read-only: the next reader reads the files again.
  }
}
