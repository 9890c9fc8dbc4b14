/**
 * The history a forecast reads (./forecast.ts): per past chain only what it uses — its ids, goal,
 * status, whether it was a one-prompt chain, its workflow and pattern names, its totals (calls,
 * cost, model time) and the runs of its finished steps — kept in the history index
 * `<contexts>/.index/history.jsonl` so that an estimate in a directory of thousands of chains
 * stats the newest files instead of reading and validating each with its journal.
 *
 * A cache, never the source of truth, kept as the cost index is (src/cost/costs-index.ts): the
 * reader writes it after reading the files, and uses a line only while the context file and its
 * journal have the size and mtime they had when it was read (every save rewrites the head: a new
 * mtime; every call appends to the journal). A missing, torn or edited index, or a line of another
 * version, only means the files are read again. Sums are made exactly as the forecast made them
 * from the files, so a forecast from the index equals one from the files to the last bit.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { journalName } from '../../chain/journal.js';
import type { ChainContext } from '../../chain/schema.js';
import { parseChainFileName } from '../../chain/names.js';
import { MTIME_SETTLE_MS, newestChainFiles, readChainFile, type ChainFileEntry } from '../../chain/store.js';
import { ContextFileError } from '../../errors.js';

/** Bump when the meaning of a line changes: lines of another version are read again from the files. */
const HISTORY_INDEX_VERSION = 1;

/** One finished step's run: its prompt and its calls' cost (USD, null if one was unpriced), count and model time (ms). */
interface HistoryRun {
  prompt: string;
  cost: number | null;
  calls: number;
  ms: number;
}

/** What a forecast takes from one chain. */
export interface HistoryChain {
  chain_uid: string;
  chain_id: string;
  goal: string;
  status: string;
  single_prompt: boolean;
  /** Its workflow's name; null for the feature flow. */
  workflow: string | null;
  /** The saved pattern it applied; null for none. */
  pattern: string | null;
  calls: number;
  /** USD of every call; null if any was unpriced. */
  cost: number | null;
  /** The calls' latencies summed (ms). */
  ms: number;
  /** The runs of its steps that finished, in step order. */
  runs: HistoryRun[];
}

/** The summary of one chain (pure): totals summed in call order, runs in step order. */
export function historyOf(ctx: ChainContext): HistoryChain {
  let cost: number | null = 0;
  let ms = 0;
  const byStep = new Map<number, Omit<HistoryRun, 'prompt'>>();
  for (const c of ctx.calls) {
    ms += c.latency_ms;
    cost = cost === null || c.cost_usd === null ? null : cost + c.cost_usd;
    const r = byStep.get(c.step) ?? { cost: 0, calls: 0, ms: 0 };
    r.calls += 1;
    r.ms += c.latency_ms;
    r.cost = r.cost === null || c.cost_usd === null ? null : r.cost + c.cost_usd;
    byStep.set(c.step, r);
  }
  const runs: HistoryRun[] = [];
  for (const s of ctx.steps) {
    const r = byStep.get(s.n);
    if (s.status === 'complete' && r) runs.push({ prompt: s.prompt, ...r });
  }
  return {
    chain_uid: ctx.chain_uid,
    chain_id: ctx.chain_id,
    goal: ctx.goal,
    status: ctx.status,
    single_prompt: Boolean(ctx.single_prompt),
    // The feature workflow is the feature flow of chains written before every chain ran a workflow.
    workflow: ctx.workflow && ctx.workflow.name !== 'feature' ? ctx.workflow.name : null,
    pattern: ctx.pattern?.name ?? null,
    calls: ctx.calls.length,
    cost,
    ms,
    runs,
  };
}

/** The index's path for a contexts directory. */
export const historyIndexPathOf = (dir: string) => path.join(dir, '.index', 'history.jsonl');

/** One context file as the index knows it: its figures and its summary (null: not a readable context file). */
interface HistoryLine {
  v: number;
  file: string;
  size: number;
  mtime_ms: number;
  /** Its journal's size and mtime (ms); null without one. */
  journal: [number, number] | null;
  chain: HistoryChain | null;
}

const isNum = (x: unknown): x is number => typeof x === 'number';
const isNumOrNull = (x: unknown) => x === null || isNum(x);

function validChain(c: unknown): c is HistoryChain {
  if (c === null || typeof c !== 'object') return false;
  const h = c as Record<string, unknown>;
  return (
    typeof h.chain_uid === 'string' &&
    typeof h.chain_id === 'string' &&
    typeof h.goal === 'string' &&
    typeof h.status === 'string' &&
    typeof h.single_prompt === 'boolean' &&
    (h.workflow === null || typeof h.workflow === 'string') &&
    (h.pattern === null || typeof h.pattern === 'string') &&
    isNum(h.calls) &&
    isNumOrNull(h.cost) &&
    isNum(h.ms) &&
    Array.isArray(h.runs) &&
    h.runs.every(
      (r: Record<string, unknown>) =>
        r !== null &&
        typeof r === 'object' &&
        typeof r.prompt === 'string' &&
        isNumOrNull(r.cost) &&
        isNum(r.calls) &&
        isNum(r.ms),
    )
  );
}

/**
 * The index's first line when it was written from a whole listing of its directory: the
 * directory's mtime (ms) taken before that listing, and the number of newest files asked for.
 * While the directory's mtime is still that one (every head write is a rename into it; a file
 * added, removed or locked changes it too), its lines name the same newest files, in order.
 */
interface HistoryHeader {
  v: number;
  dir_mtime_ms: number;
  max: number;
}

/**
 * The lines of `dir`'s index by file name (in the index's order) and its header; lines that do
 * not parse or are of another version are left out. Never throws.
 */
function readIndex(dir: string): { lines: Map<string, HistoryLine>; header: HistoryHeader | null } {
  const out = new Map<string, HistoryLine>();
  let header: HistoryHeader | null = null;
  let text: string;
  try {
    text = readFileSync(historyIndexPathOf(dir), 'utf8');
  } catch {
    return { lines: out, header };
  }
  for (const raw of text.split('\n')) {
    if (!raw) continue;
    let l: Partial<HistoryLine>;
    try {
      l = JSON.parse(raw) as Partial<HistoryLine>;
    } catch {
      continue;
    }
    const h = l as Partial<HistoryHeader>;
    if (out.size === 0 && h.v === HISTORY_INDEX_VERSION && isNum(h.dir_mtime_ms) && isNum(h.max)) {
      header = h as HistoryHeader;
      continue;
    }
    const journalOk =
      l.journal === null || (Array.isArray(l.journal) && l.journal.length === 2 && l.journal.every(isNum));
    if (
      l.v !== HISTORY_INDEX_VERSION ||
      typeof l.file !== 'string' ||
      !isNum(l.size) ||
      !isNum(l.mtime_ms) ||
      !journalOk
    )
      continue;
    if (l.chain !== null && !validChain(l.chain)) continue;
    out.set(l.file, l as HistoryLine);
  }
  return { lines: out, header };
}

/** Writes `dir`'s index (`header` first, when given) through a temp file and a rename; not fsync'd (a cache). Never throws. */
function writeIndex(dir: string, lines: HistoryLine[], header: HistoryHeader | null): void {
  const file = historyIndexPathOf(dir);
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    const head = header ? `${JSON.stringify(header)}\n` : '';
    writeFileSync(tmp, head + lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    renameSync(tmp, file);
  } catch {
    // Read-only or full: the files are read again next time.
  }
}

/** Size and mtime (ms), or null when the file does not exist. Synchronous: 400 stats through the promise API cost ten times as much. */
function statOrNull(file: string): [number, number] | null {
  try {
    const st = statSync(file);
    return [st.size, st.mtimeMs];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The line of `entry` from its index line when current, else from the file; null when it vanished or cannot be read now. */
async function lineOf(
  entry: ChainFileEntry,
  known: HistoryLine | undefined,
): Promise<{ line: HistoryLine; learned: boolean } | null> {
  let head: [number, number] | null;
  let journal: [number, number] | null;
  try {
    // Both taken before the file is read: a save in between leaves a line that no longer matches.
    head = statOrNull(entry.path);
    journal = statOrNull(path.join(entry.dir, journalName(entry.file)));
  } catch {
    return null;
  }
  if (!head) return null;
  const [size, mtime_ms] = head;
  const current =
    known &&
    known.size === size &&
    known.mtime_ms === mtime_ms &&
    (known.journal === null
      ? journal === null
      : journal !== null && known.journal[0] === journal[0] && known.journal[1] === journal[1]);
  if (current) return { line: known, learned: false };
  let chain: HistoryChain | null;
  try {
    chain = historyOf(await readChainFile(entry.path));
  } catch (err) {
    // A corrupt file is reported by the commands that list chains; a forecast does without it.
    // Only a file that is no context file is remembered as such (not a passing I/O error).
    if (!(err instanceof ContextFileError)) return null;
    chain = null;
  }
  return {
    line: { v: HISTORY_INDEX_VERSION, file: entry.file, size, mtime_ms, journal, chain },
    learned: true,
  };
}

/** The directory's mtime (ms), or null when it cannot be stat'ed. */
function dirMtimeOf(dir: string): number | null {
  try {
    return statSync(dir).mtimeMs;
  } catch {
    return null;
  }
}

/** The entries the index's lines name, in its order, when its header says they are still the newest `max` of `dir`; else null. */
function listedEntries(
  dir: string,
  index: ReturnType<typeof readIndex>,
  dirMtime: number | null,
  max: number,
): ChainFileEntry[] | null {
  const h = index.header;
  if (!h || dirMtime === null || h.dir_mtime_ms !== dirMtime || h.max !== max) return null;
  const out: ChainFileEntry[] = [];
  for (const file of index.lines.keys()) {
    const parsed = parseChainFileName(file);
    if (!parsed) return null;
    out.push({ path: path.join(dir, file), dir, file, ...parsed });
  }
  return out;
}

/**
 * The summaries of the newest `max` context files of `dirs` (in `listChainFiles` order; files that
 * cannot be read left out), from the history index where its line is current and from the files
 * where it is not; each directory's index is written back (its lines for those files) when
 * anything was read or dropped. With one directory whose mtime is the one the index recorded
 * when it was written from a listing, the index's files are taken without listing the directory
 * again (thousands of names); each is still stat'ed. Throws only what listing a directory throws.
 */
export async function readHistory(dirs: string[], max: number): Promise<HistoryChain[]> {
  const indexes = new Map<
    string,
    { known: Map<string, HistoryLine>; kept: HistoryLine[]; changed: boolean; header: HistoryHeader | null }
  >();
  let entries: ChainFileEntry[] | null = null;
  const now = Date.now();
  // A file or directory changed within MTIME_SETTLE_MS gets no line or header: the next reader reads it again.
  const settled = (mtimeMs: number) => now - mtimeMs >= MTIME_SETTLE_MS;
  // Taken before the listing: a change after it leaves a header that no longer matches.
  const dirMtime = dirs.length === 1 ? dirMtimeOf(dirs[0]!) : null;
  if (dirs.length === 1) {
    const index = readIndex(dirs[0]!);
    entries = listedEntries(dirs[0]!, index, dirMtime, max);
    indexes.set(dirs[0]!, { known: index.lines, kept: [], changed: false, header: index.header });
  }
  entries ??= await newestChainFiles(dirs, max);
  const out: HistoryChain[] = [];
  for (const entry of entries) {
    let idx = indexes.get(entry.dir);
    if (!idx) {
      const index = readIndex(entry.dir);
      indexes.set(entry.dir, (idx = { known: index.lines, kept: [], changed: false, header: index.header }));
    }
    const got = await lineOf(entry, idx.known.get(entry.file));
    if (!got) continue;
    const { mtime_ms, journal } = got.line;
    if (settled(mtime_ms) && (journal === null || settled(journal[1]))) idx.kept.push(got.line);
    else idx.changed = true;
    if (got.learned) idx.changed = true;
    if (got.line.chain) out.push(got.line.chain);
  }
  for (const [dir, idx] of indexes) {
    // A header only for a whole listing of this one directory whose every file has its line.
    const header: HistoryHeader | null =
      dirMtime !== null && settled(dirMtime) && entries.length > 0 && idx.kept.length === entries.length
        ? { v: HISTORY_INDEX_VERSION, dir_mtime_ms: dirMtime, max }
        : null;
    const sameHeader =
      (header === null && idx.header === null) ||
      (header !== null &&
        idx.header !== null &&
        header.dir_mtime_ms === idx.header.dir_mtime_ms &&
        header.max === idx.header.max);
    if (idx.changed || idx.kept.length !== idx.known.size || !sameHeader) writeIndex(dir, idx.kept, header);
  }
  return out;
}
