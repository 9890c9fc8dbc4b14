/**
 * The cost index: what `cost-report` takes from each context file (its names, status, update
 * time, and its calls summed in total and by prompt, phase, model and day), kept in
 * `<contexts>/.index/costs.jsonl` so that a report over 10,000 chains reads one file of sums
 * instead of every context file and journal. A cache, never the source of truth: cost-report
 * writes it after reading the files, and uses a line only while the context file and its journal
 * have the size and mtime they had then (every save rewrites the head: a new mtime).
 *
 * The file: a header `{"version", "lines", "sha1"}` (the number of lines after it and the SHA-1
 * of those lines), then one line per context file: `{"file", "size", "mtime_ms", "journal"}`
 * (`journal`: its journal's `[size, mtime_ms]`, or null without one) and either `chain` (the
 * sums) or `skip` (no context file a report can use: it is read again, for its warning) or
 * neither (not read yet: outside the windows asked for). A header that does not match its lines
 * (a torn or edited file) or of another version makes the whole index unused, and it is rebuilt
 * from the files. Sums are kept exactly as the report adds them (src/cost/aggregate.ts), so a
 * report from the index equals one from the files to the last bit.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CallTotals, GROUP_KEYS, type KeptGroups } from './aggregate.js';

/** Bump when the meaning of a line changes: an index of another version is rebuilt from the files. */
const COSTS_INDEX_VERSION = 2;

/** What a report takes from one chain's file. */
export interface KeptChain {
  chainUid: string;
  chainId: string;
  slug: string;
  goal: string;
  status: string;
  updatedAt: string;
  totals: CallTotals;
  groups: KeptGroups;
}

/** One context file as the index knows it. */
export interface CostLine {
  /** Base name of the context file. */
  file: string;
  size: number;
  mtime_ms: number;
  /** Its journal's size and mtime (ms), or null when it has none. */
  journal: [number, number] | null;
  /** The sums; null when the file is not usable (`skip`) or not read yet. */
  chain: KeptChain | null;
  /** The file is no context file a report can use (read again for its warning). */
  skip: boolean;
}

/** The cost index of one directory: its lines by file name. */
export interface CostIndex {
  lines: Map<string, CostLine>;
}

/** The index's path for a contexts directory. */
export const costsIndexPathOf = (dir: string) => path.join(dir, '.index', 'costs.jsonl');

interface StoredChain {
  uid: string;
  id: string;
  slug: string;
  goal: string;
  status: string;
  updated_at: string;
  all: number[];
  keys: string[];
  figures: number[];
}

function storedOf(c: KeptChain): StoredChain {
  return {
    uid: c.chainUid,
    id: c.chainId,
    slug: c.slug,
    goal: c.goal,
    status: c.status,
    updated_at: c.updatedAt,
    all: c.totals.toArray(),
    keys: c.groups.keys,
    figures: c.groups.figures,
  };
}

function keptOf(s: StoredChain | undefined): KeptChain | null {
  if (!s || typeof s !== 'object') return null;
  const strings = [s.uid, s.id, s.slug, s.goal, s.status, s.updated_at];
  if (
    !strings.every((x) => typeof x === 'string') ||
    !Array.isArray(s.keys) ||
    !Array.isArray(s.figures) ||
    s.figures.length !== s.keys.length * 10
  )
    return null;
  const totals = CallTotals.fromArray(s.all);
  if (!totals) return null;
  for (let i = 0; i < s.keys.length; i++) {
    const kind = s.figures[i * 10];
    if (typeof s.keys[i] !== 'string' || !Number.isInteger(kind) || kind! < 0 || kind! >= GROUP_KEYS.length)
      return null;
  }
  if (!s.figures.every((x) => typeof x === 'number')) return null;
  const groups: KeptGroups = { keys: s.keys, figures: s.figures };
  return {
    chainUid: s.uid,
    chainId: s.id,
    slug: s.slug,
    goal: s.goal,
    status: s.status,
    updatedAt: s.updated_at,
    totals,
    groups,
  };
}

const empty = (): CostIndex => ({ lines: new Map() });

/** The cost index of `dir`; empty when there is none, or it is torn, edited or of another version. Never throws. */
export function readCostIndex(dir: string): CostIndex {
  let text: string;
  try {
    text = readFileSync(costsIndexPathOf(dir), 'utf8');
  } catch {
    return empty();
  }
  const nl = text.indexOf('\n');
  if (nl < 0) return empty();
  const body = text.slice(nl + 1);
  let header: { version?: unknown; lines?: unknown; sha1?: unknown };
  try {
    header = JSON.parse(text.slice(0, nl)) as typeof header;
  } catch {
    return empty();
  }
  if (header.version !== COSTS_INDEX_VERSION || header.sha1 !== createHash('sha1').update(body).digest('hex'))
    return empty();
  const lines = new Map<string, CostLine>();
  for (const raw of body.split('\n')) {
    if (!raw) continue;
    let l: {
      file?: unknown;
      size?: unknown;
      mtime_ms?: unknown;
      journal?: unknown;
      chain?: StoredChain;
      skip?: unknown;
    };
    try {
      l = JSON.parse(raw) as typeof l;
    } catch {
      return empty();
    }
    const journal =
      l.journal === null
        ? null
        : Array.isArray(l.journal) && l.journal.length === 2 && l.journal.every((x) => typeof x === 'number')
          ? (l.journal as [number, number])
          : undefined;
    if (
      typeof l.file !== 'string' ||
      typeof l.size !== 'number' ||
      typeof l.mtime_ms !== 'number' ||
      journal === undefined
    )
      return empty();
    const chain = l.chain === undefined ? null : keptOf(l.chain);
    if (l.chain !== undefined && !chain) return empty();
    lines.set(l.file, {
      file: l.file,
      size: l.size,
      mtime_ms: l.mtime_ms,
      journal,
      chain,
      skip: l.skip === true,
    });
  }
  if (lines.size !== header.lines) return empty();
  return { lines };
}

/**
 * Writes the cost index of `dir` (every context file's line) through a temp file and a rename;
 * not fsync'd (a cache). Never throws: a read-only directory only means the next report reads
 * the files again.
 */
export function writeCostIndex(dir: string, lines: Iterable<CostLine>): void {
  const out: string[] = [];
  for (const l of lines) {
    const figures = { file: l.file, size: l.size, mtime_ms: l.mtime_ms, journal: l.journal };
    out.push(
      JSON.stringify(
        l.chain ? { ...figures, chain: storedOf(l.chain) } : l.skip ? { ...figures, skip: true } : figures,
      ),
    );
  }
  const body = out.length ? `${out.join('\n')}\n` : '';
  const header = JSON.stringify({
    version: COSTS_INDEX_VERSION,
    lines: out.length,
    sha1: createHash('sha1').update(body).digest('hex'),
  });
  const file = costsIndexPathOf(dir);
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${header}\n${body}`);
    renameSync(tmp, file);
  } catch {
    // Read-only or full: the files are read again next time.
  }
}
