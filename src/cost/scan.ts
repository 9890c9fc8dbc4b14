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
 * Files are read synchronously, one after the other: on a warm page cache that measured about
 * 1.3x faster than reading with 4–64 concurrent async reads (libuv's thread pool round trips
 * cost more than they overlap), and parsing is on the main thread either way (`npm run bench`).
 */
import { readFileSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { chainFilesIn, type ChainFileEntry } from '../chain/store.js';
import { readJournalCalls } from '../chain/journal.js';
import { schemaVersionProblem } from '../chain/version.js';
import { RunningTotals, type CallTotals, type ReportCall } from './aggregate.js';
import {
  MTIME_SLACK_MS,
  readCostIndex,
  writeCostIndex,
  type CostLine,
  type KeptChain,
} from './costs-index.js';

export interface ReportChain {
  file: string;
  chainId: string;
  chainUid: string;
  slug: string;
  goal: string;
  status: string;
  /** Start time from the file name, ms since the epoch (UTC). */
  startedAtMs: number;
  updatedAt: string;
  /** The sum of its calls. */
  totals: CallTotals;
}

/** What a report is built from: the chains read, and their calls summed. */
export interface ChainScan {
  chains: ReportChain[];
  totals: RunningTotals;
}

/** A time window in ms since the epoch (UTC): since inclusive, until exclusive; absent = open. */
export interface TimeWindow {
  sinceMs?: number;
  untilMs?: number;
}

/** Why `doc` is not a context file a report can use, or null when it is. */
function shapeProblem(doc: unknown): string | null {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'not a JSON object';
  const d = doc as Record<string, unknown>;
  const version = schemaVersionProblem(d.schema_version);
  if (version) return version;
  if (typeof d.chain_uid !== 'string' || typeof d.chain_id !== 'string') return 'no chain_id/chain_uid';
  if (!Array.isArray(d.calls)) return 'no calls[]';
  for (const c of d.calls as Record<string, unknown>[]) {
    const u = c?.usage as Record<string, unknown> | undefined;
    if (
      typeof c?.model !== 'string' ||
      typeof c.prompt !== 'string' ||
      typeof c.phase !== 'string' ||
      typeof u?.input_tokens !== 'number' ||
      typeof u.output_tokens !== 'number' ||
      (c.cost_usd !== null && typeof c.cost_usd !== 'number')
    ) {
      return 'a call lacks model, prompt, phase, usage or cost_usd';
    }
  }
  return null;
}

const str = (v: unknown, fallback: string) => (typeof v === 'string' ? v : fallback);

/**
 * The document of a context file a report can use (with its journal's call records in front of
 * its own), or null after warning why it cannot.
 */
function readContext(file: string, onWarning: (msg: string) => void): Record<string, unknown> | null {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    onWarning(
      `${file}: skipped, ${err instanceof SyntaxError ? 'not valid JSON' : 'cannot read'} (${(err as Error).message})`,
    );
    return null;
  }
  const index = (doc as { journal?: unknown } | null)?.journal;
  if (index && typeof index === 'object' && Array.isArray((doc as { calls?: unknown }).calls)) {
    try {
      const d = doc as Record<string, unknown> & { calls: unknown[] };
      d.calls = [...readJournalCalls(file, index as Parameters<typeof readJournalCalls>[1]), ...d.calls];
    } catch (err) {
      onWarning(`${file}: skipped, ${(err as Error).message.replace(`${file}: `, '')}`);
      return null;
    }
  }
  const problem = shapeProblem(doc);
  if (problem) {
    onWarning(`${file}: skipped, not a claude-exec context file (${problem})`);
    return null;
  }
  return doc as Record<string, unknown>;
}

/** One context file to report on: its entry, and its line in the cost index (null: not indexed). */
interface Source {
  entry: ChainFileEntry;
  line: CostLine | null;
}

/**
 * The sums of one file for the report: from its index line when that is current, else read
 * from the file (its line then updated in place, or null when it is not a usable context file:
 * warned about through `onWarning`). `scratch` sums the file's calls (so that the report's own
 * groups are made only as chains are added to it, in the same order with or without the index);
 * nothing is left pending in it.
 */
function keptFor(
  source: Source,
  scratch: RunningTotals,
  onWarning: (msg: string) => void,
  learned: Set<CostLine>,
): KeptChain | null {
  if (source.line?.chain) return source.line.chain;
  const { entry } = source;
  const d = readContext(entry.path, onWarning);
  if (!d) {
    if (source.line && !source.line.skip) {
      source.line.skip = true;
      learned.add(source.line);
    }
    return null;
  }
  const all = scratch.sumChain(d.calls as ReportCall[], entry.startedAtMs);
  const kept: KeptChain = {
    chainUid: d.chain_uid as string,
    chainId: d.chain_id as string,
    slug: str(d.slug, entry.slug),
    goal: str(d.goal, ''),
    status: str(d.status, 'unknown'),
    updatedAt: str(d.updated_at, ''),
    totals: all,
    groups: scratch.pendingGroups(),
  };
  scratch.discard();
  if (source.line) {
    source.line.chain = kept;
    source.line.skip = false;
    learned.add(source.line);
  }
  return kept;
}

/** One pass over `sources`: each chain's kept sums added, a superseded copy's taken away again. */
function scanSources(
  sources: readonly Source[],
  onWarning: (msg: string) => void,
  learned: Set<CostLine>,
): ChainScan {
  const byUid = new Map<string, { chain: ReportChain; kept: KeptChain }>();
  const totals = new RunningTotals();
  const scratch = new RunningTotals();
  for (const source of sources) {
    const kept = keptFor(source, scratch, onWarning, learned);
    if (!kept) continue;
    const counted = byUid.get(kept.chainUid);
    if (counted && !(kept.updatedAt > counted.chain.updatedAt)) continue;
    if (counted) totals.commitKept(counted.kept.totals, counted.kept.groups, -1);
    totals.commitKept(kept.totals, kept.groups);
    const { entry } = source;
    byUid.set(kept.chainUid, {
      kept,
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
  return { chains: [...byUid.values()].map((c) => c.chain), totals };
}

/**
 * The context files of `dir` with their cost-index lines (./costs-index.ts): a line is used only
 * while its file and the file's journal have the size and mtime it was made from (one stat of
 * each; of a journal only when the directory lists it). A file whose mtime (or its journal's) is less than MTIME_SLACK_MS before now gets no
 * line: it is read, and not kept, until it has been still that long. `fresh`: the index lacks
 * or holds lines that do not fit the files, and is to be written.
 */
async function sourcesOf(dir: string): Promise<{ sources: Source[]; fresh: boolean }> {
  const index = readCostIndex(dir);
  const settled = Date.now() - MTIME_SLACK_MS;
  const sources: Source[] = [];
  let reused = 0;
  /** Files that get no line (not stat'able, or not settled): they need no index write. */
  let unindexed = 0;
  let listed: string[];
  try {
    listed = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    listed = [];
  }
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
    } else sources.push({ entry, line: { file: entry.file, ...key, chain: null, skip: false } });
  }
  return { sources, fresh: reused !== index.lines.size || reused + unindexed !== sources.length };
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
): Promise<ChainScan> {
  const { sinceMs = -Infinity, untilMs = Infinity } = window;
  const perDir: { dir: string; sources: Source[]; fresh: boolean }[] = [];
  for (const dir of dirs) perDir.push({ dir, ...(await sourcesOf(dir)) });
  const sources = perDir
    .flatMap((d) => d.sources)
    .filter((s) => s.entry.startedAtMs >= sinceMs && s.entry.startedAtMs < untilMs)
    .sort(
      (a, b) =>
        Number(a.entry.chainId) - Number(b.entry.chainId) || a.entry.startedAtMs - b.entry.startedAtMs,
    );
  const learned = new Set<CostLine>();
  const scan = scanSources(sources, onWarning, learned);
  for (const d of perDir) {
    if (d.sources.length === 0 && !d.fresh) continue;
    if (d.fresh || d.sources.some((s) => s.line && learned.has(s.line)))
      writeCostIndex(
        d.dir,
        d.sources.flatMap((s) => (s.line ? [s.line] : [])),
      );
  }
  return scan;
}
