/**
 * The reader behind `cost-report`: lists the context files (by name; a file whose start time is
 * outside the window is not opened), and takes each chain's sums from the cost index
 * (./costs-index.ts) while its line is current, else reads and JSON-parses the file with its
 * journal, checks only the fields a report uses (not the full zod schema: speed), and sums its
 * calls (src/cost/aggregate.ts), keeping the sums for the index. A corrupt or foreign file is
 * reported through `onWarning` and skipped, never fatal.
 *
 * Per chain only what the report prints about it is kept (ReportChain: names, status, file, its
 * total) and its sums by group, so a chain copied into several directories (same `chain_uid`)
 * counts once: the most recently updated copy; a newer copy takes the counted one's sums away
 * again before its own are added, and an older (or equally recent) copy is skipped.
 *
 * Files are read synchronously, one after the other in each thread: on a warm page cache that
 * measured about 1.3x faster than reading with 4–64 concurrent async reads (libuv's thread pool
 * round trips cost more than they overlap). With many files to read, a worker thread reads and
 * sums about half of them (./read-chains.ts); the chains are still added up here, in listing
 * order, from the same per-chain sums.
 */
import { statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { chainFilesIn, MTIME_SETTLE_MS, type ChainFileEntry } from '../chain/store.js';
import { RunningTotals } from './aggregate.js';
import type { ChainScan, ReportChain, TimeWindow } from './chain-scan.js';
import {
  readCostIndex,
  writeCostIndex,
  type CostIndex,
  type CostLine,
  type KeptChain,
} from './costs-index.js';
import { readChains, type ChainRead, type ReadOptions } from './read-chains.js';
import { wholeDirScan } from './scan-whole.js';

export type { ChainScan, ReportChain, TimeWindow } from './chain-scan.js';

/** One context file to report on: its entry, and its line in the cost index (null: not indexed). */
interface Source {
  entry: ChainFileEntry;
  line: CostLine | null;
}

/**
 * The sums of one file for the report: from its index line when that is current, else from
 * `read` (the file read by ./read-chains.ts; its warnings are given to `onWarning` here, in the
 * report's order), its line then updated in place, or null when it is not a usable context file.
 */
function keptFor(
  source: Source,
  read: ChainRead | undefined,
  onWarning: (msg: string) => void,
  learned: Set<CostLine>,
): KeptChain | null {
  if (source.line?.chain) return source.line.chain;
  for (const w of read!.warnings) onWarning(w);
  const kept = read!.kept;
  if (!kept) {
    if (source.line && !source.line.skip) {
      source.line.skip = true;
      learned.add(source.line);
    }
    return null;
  }
  if (source.line) {
    source.line.chain = kept;
    source.line.skip = false;
    learned.add(source.line);
  }
  return kept;
}

/**
 * One pass over `sources`: each chain's kept sums added, a superseded copy's taken away again.
 * `counted`: the index line of each chain in `chains` (null for a file without one).
 */
async function scanSources(
  sources: readonly Source[],
  onWarning: (msg: string) => void,
  learned: Set<CostLine>,
  options: ReadOptions,
): Promise<ChainScan & { counted: (CostLine | null)[] }> {
  const byUid = new Map<string, { chain: ReportChain; kept: KeptChain; line: CostLine | null }>();
  const totals = new RunningTotals();
  const unread = sources.filter((s) => !s.line?.chain);
  const reads = await readChains(
    unread.map((s) => s.entry),
    options,
  );
  let next = 0;
  for (const source of sources) {
    const kept = keptFor(source, source.line?.chain ? undefined : reads[next++], onWarning, learned);
    if (!kept) continue;
    const counted = byUid.get(kept.chainUid);
    if (counted && !(kept.updatedAt > counted.chain.updatedAt)) continue;
    if (counted) totals.commitKept(counted.kept.totals, counted.kept.groups, -1);
    totals.commitKept(kept.totals, kept.groups);
    const { entry } = source;
    byUid.set(kept.chainUid, {
      kept,
      line: source.line,
      chain: {
        file: entry.path,
        chainId: kept.chainId,
        chainUid: kept.chainUid,
        slug: kept.slug,
        goal: kept.goal,
        status: kept.status,
        startedAtMs: entry.startedAtMs,
        updatedAt: kept.updatedAt,
        totals: kept.totals,
      },
    });
  }
  const counted = [...byUid.values()];
  return { chains: counted.map((c) => c.chain), totals, counted: counted.map((c) => c.line) };
}

/**
 * The context files of `dir` with their cost-index lines (./costs-index.ts): a line is used only
 * while its file and the file's journal have the size and mtime it was made from (one stat of
 * each; of a journal only when the directory lists it). A file whose mtime (or its journal's) is less than MTIME_SETTLE_MS before now gets no
 * line: it is read, and not kept, until it has been still that long. `fresh`: the index lacks
 * or holds lines that do not fit the files, and is to be written.
 */
function sourcesOf(
  dir: string,
  listed: readonly string[],
): { sources: Source[]; fresh: boolean; index: CostIndex } {
  const index = readCostIndex(dir);
  const settled = Date.now() - MTIME_SETTLE_MS;
  const sources: Source[] = [];
  let reused = 0;
  /** Files that get no line (not stat'able, or not settled): they need no index write. */
  let unindexed = 0;
  const names = new Set(listed);
  for (const entry of chainFilesIn(dir, listed)) {
    let key: Key;
    try {
      const head = statSync(entry.path);
      // Only a name listed beside it can be its journal: no stat for a chain without one.
      const journalFile = `${entry.file.slice(0, -'.json'.length)}.journal.jsonl`;
      const journal = names.has(journalFile)
        ? statSync(entry.path.slice(0, -entry.file.length) + journalFile, { throwIfNoEntry: false })
        : undefined;
      key = {
        size: head.size,
        mtime_ms: head.mtimeMs,
        journal_size: journal ? journal.size : -1,
        journal_mtime_ms: journal ? journal.mtimeMs : -1,
      };
    } catch {
      unindexed++;
      sources.push({ entry, line: null });
      continue;
    }
    const was = index.lines.get(entry.file);
    if (was && sameKey(was, key)) {
      reused++;
      sources.push({ entry, line: was });
    } else if (key.mtime_ms > settled || key.journal_mtime_ms > settled) {
      unindexed++;
      sources.push({ entry, line: null });
    } else
      sources.push({
        entry,
        line: { file: entry.file, ...key, started_at_ms: entry.startedAtMs, chain: null, skip: false },
      });
  }
  return { sources, fresh: reused !== index.lines.size || reused + unindexed !== sources.length, index };
}

type Key = Pick<CostLine, 'size' | 'mtime_ms' | 'journal_size' | 'journal_mtime_ms'>;

const sameKey = (a: Key, b: Key) =>
  a.size === b.size &&
  a.mtime_ms === b.mtime_ms &&
  a.journal_size === b.journal_size &&
  a.journal_mtime_ms === b.journal_mtime_ms;

/**
 * Reads the chains of `dirs` whose file-name start time is inside `window` and sums their calls,
 * from the cost index where it is current and from the files where it is not (./costs-index.ts;
 * the index is then written back when it changed). `chains` come in file-listing order (chain id, then start
 * time), one per `chain_uid` (the most recently updated copy; on a tie the first listed), and
 * `totals` holds the calls of exactly those copies: the same figures, to the last bit, with or
 * without the index.
 */
export async function scanChains(
  dirs: string[],
  window: TimeWindow,
  onWarning: (msg: string) => void,
  options: ReadOptions = {},
): Promise<ChainScan> {
  const { sinceMs = -Infinity, untilMs = Infinity } = window;
  const listings: string[][] = [];
  for (const dir of dirs) listings.push(await listing(dir));
  if (dirs.length === 1) {
    const whole = wholeDirScan(dirs[0]!, listings[0]!, window, onWarning);
    if (whole) return whole;
  }
  const perDir = dirs.map((dir, i) => ({ dir, ...sourcesOf(dir, listings[i]!) }));
  const sources = perDir
    .flatMap((d) => d.sources)
    .filter((s) => s.entry.startedAtMs >= sinceMs && s.entry.startedAtMs < untilMs)
    .sort(
      (a, b) =>
        Number(a.entry.chainId) - Number(b.entry.chainId) || a.entry.startedAtMs - b.entry.startedAtMs,
    );
  const learned = new Set<CostLine>();
  const { counted, ...scan } = await scanSources(sources, onWarning, learned, options);
  for (const d of perDir) {
    if (d.sources.length === 0 && !d.fresh) continue;
    const lines = d.sources.flatMap((s) => (s.line ? [s.line] : []));
    // The whole directory's sums: a report over one directory that took every one of its files
    // (each inside the window, and each with a line).
    const whole =
      perDir.length === 1 &&
      sources.length === d.sources.length &&
      lines.length === d.sources.length &&
      counted.every((l) => l !== null)
        ? { chains: counted as CostLine[], totals: scan.totals }
        : null;
    if (d.fresh || d.sources.some((s) => s.line && learned.has(s.line)) || (whole && !d.index.whole))
      writeCostIndex(d.dir, lines, whole);
  }
  return scan;
}

/** The names in `dir`; none when it does not exist. */
async function listing(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return [];
  }
}
