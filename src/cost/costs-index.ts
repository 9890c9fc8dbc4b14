/**
 * The cost index: what `cost-report` takes from each context file (its names, status, update
 * time, and its calls summed in total and by prompt, phase, model and day), kept in
 * `<contexts>/.index/costs.bin` so that a report over 10,000 chains reads one file of sums
 * instead of every context file and journal. A cache, never the source of truth: cost-report
 * writes it after reading the files, and uses a line only while the context file and its journal
 * have the size and mtime they had then (every save rewrites the head: a new mtime). A file
 * changed within MTIME_SETTLE_MS (src/chain/store.ts) of being read is not kept (its sums are read again next time): a
 * second change in the same mtime tick with the same size would otherwise look unchanged.
 *
 * Beside the lines it may keep the whole directory's report sums (`whole`): the scan of every
 * context file of the directory as a report over all of them adds them (the chains it counts,
 * and its running sums by group), written when such a report made the index; a report over the
 * whole directory then uses them while every line is current (./scan-whole.ts).
 *
 * The file, made to be read without parsing a number, in three parts, the last of them read only
 * when a report needs the sums of single chains: a header line `{"version", "text", "numbers",
 * "groups", "sha1", "groups_sha1"}`, then `text` bytes of JSON `{"keys": [group keys], "lines":
 * [[file, state, uid, id, slug, goal, status, updated_at], …], "whole": null | {"chains": [line
 * numbers], "groups": [[kind, key], …]}}` (state 0: not read yet, outside the windows asked for; 1:
 * no context file a report can use, read again for its warning; 2: its sums follow; the names only
 * with state 2; a key is an index in `keys`), padded with spaces to a multiple of 8 bytes, then
 * `numbers` float64s (little-endian): per line the file's size, mtime (ms), its journal's size and
 * mtime (-1, -1 without one), its start time (ms, from its name), and with state 2 the chain's
 * nine totals (CallTotals.toArray order); then, with `whole`, its nine totals and each group's
 * nine figures. Last `groups` float64s: per line of state 2 its number of groups, and per group
 * its kind (GROUP_KEYS index), its key and its nine figures. `sha1` is the SHA-1 of the text and
 * the numbers, `groups_sha1` of the groups. A header that does not match the rest (a torn or
 * edited file) or of another version makes the whole index unused, and it is rebuilt from the
 * files. Sums are kept exactly as the report adds them (src/cost/aggregate.ts; a float64 keeps
 * every bit), so a report from the index equals one from the files to the last bit.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import {
  CallTotals,
  GROUP_KEYS,
  KEPT_GROUP_WIDTH,
  type KeptGroups,
  type RunningTotals,
} from './aggregate.js';

/** Bump when the meaning of the file changes: an index of another version is rebuilt from the files. */
const COSTS_INDEX_VERSION = 4;

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
  /** Its journal's size and mtime (ms); -1 and -1 when it has none. */
  journal_size: number;
  journal_mtime_ms: number;
  /** Its start time, ms since the epoch, from its name. */
  started_at_ms: number;
  /** The sums; null when the file is not usable (`skip`) or not read yet. */
  chain: KeptChain | null;
  /** The file is no context file a report can use (read again for its warning). */
  skip: boolean;
}

/** The cost index of one directory: its lines by file name, and whether it keeps whole-directory sums. */
export interface CostIndex {
  lines: Map<string, CostLine>;
  whole: boolean;
}

/** The whole directory's report sums, to be written with its lines. */
export interface WholeSums {
  /** The lines of the chains the report counts, in its order (each one of the lines written). */
  chains: CostLine[];
  /** Its running sums (nothing pending). */
  totals: RunningTotals;
}

/** One line of the text part. */
type TextLine = [string, number, ...string[]];

/** The index as read without the sums of single chains (./scan-whole.ts reads it so). */
export interface CostIndexHead {
  keys: string[];
  lines: TextLine[];
  /** Where each line's numbers start in `numbers`. */
  at: Int32Array;
  numbers: Float64Array;
  /** The whole directory's sums: counted line numbers, groups as [kind, key], their figures from `at`. */
  whole: { chains: number[]; groups: [number, number][]; at: number } | null;
}

/** The index's path for a contexts directory. */
export const costsIndexPathOf = (dir: string) => path.join(dir, '.index', 'costs.bin');

export const NOT_READ = 0;
export const SKIP = 1;
const SUMMED = 2;
/** Numbers per line before its sums: file size and mtime, journal size and mtime, start time. */
export const LINE_HEAD = 5;
const TOTALS = 9;

interface Header {
  version: number;
  text: number;
  numbers: number;
  groups: number;
  sha1: string;
  groups_sha1: string;
  /** With whole-directory sums, the earliest and the latest start time (ms) of the lines; a hint, outside the SHA-1s. */
  whole_starts?: [number, number] | null;
}

const sha1 = (...parts: Uint8Array[]) => {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

/** Fills `into` from `fd` at `position`; false when the file ends first. */
function readAt(fd: number, into: Uint8Array, position: number): boolean {
  let done = 0;
  while (done < into.length) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n <= 0) return false;
    done += n;
  }
  return true;
}

const isIndex = (v: unknown, length: number) =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) < length;

/** The head of an open index, its header and where its groups start; null when it does not hold together. */
function readHead(
  fd: number,
  wanted?: (wholeStarts: [number, number] | null) => boolean,
): { head: CostIndexHead; header: Header; groupsAt: number } | null {
  const size = fstatSync(fd).size;
  const first = new Uint8Array(Math.min(size, 4096));
  if (!readAt(fd, first, 0)) return null;
  const nl = first.indexOf(10);
  if (nl < 0) return null;
  const header = JSON.parse(Buffer.from(first.buffer, 0, nl).toString('latin1')) as Header;
  if (
    header.version !== COSTS_INDEX_VERSION ||
    !Number.isInteger(header.text) ||
    !Number.isInteger(header.numbers) ||
    !Number.isInteger(header.groups) ||
    header.text % 8 !== 0 ||
    nl + 1 + header.text + (header.numbers + header.groups) * 8 !== size
  )
    return null;
  const starts = header.whole_starts;
  if (wanted && starts !== undefined && !wanted(Array.isArray(starts) ? starts : null)) return null;
  // Its own buffer, so the numbers sit at a multiple of 8 bytes.
  const body = new Uint8Array(header.text + header.numbers * 8);
  if (!readAt(fd, body, nl + 1) || sha1(body) !== header.sha1) return null;
  const text = JSON.parse(Buffer.from(body.buffer, 0, header.text).toString('utf8')) as {
    keys?: unknown;
    lines?: unknown;
    whole?: { chains?: unknown; groups?: unknown } | null;
  };
  const { keys, lines } = text;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string') || !Array.isArray(lines)) return null;
  const numbers = new Float64Array(body.buffer, header.text, header.numbers);
  const at = new Int32Array(lines.length);
  let next = 0;
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i] as TextLine;
    if (!Array.isArray(t) || typeof t[0] !== 'string') return null;
    at[i] = next;
    if (t[1] === SUMMED) {
      if (t.length !== 8 || !t.every((x, k) => k === 1 || typeof x === 'string')) return null;
      next += LINE_HEAD + TOTALS;
    } else if (t[1] === SKIP || t[1] === NOT_READ) next += LINE_HEAD;
    else return null;
  }
  let whole: CostIndexHead['whole'] = null;
  if (text.whole) {
    const { chains, groups } = text.whole;
    if (
      !Array.isArray(chains) ||
      !chains.every((c) => isIndex(c, lines.length) && (lines[c] as TextLine)[1] === SUMMED) ||
      !Array.isArray(groups) ||
      !groups.every((g) => Array.isArray(g) && isIndex(g[0], GROUP_KEYS.length) && isIndex(g[1], keys.length))
    )
      return null;
    whole = { chains: chains as number[], groups: groups as [number, number][], at: next };
    next += TOTALS * (1 + groups.length);
  }
  if (next !== numbers.length) return null;
  return {
    head: { keys: keys as string[], lines: lines as TextLine[], at, numbers, whole },
    header,
    groupsAt: nl + 1 + body.length,
  };
}

/**
 * Opens the cost index of `dir` and reads its head (not the sums of single chains); `then` gets
 * it and, to read those sums too, a function that gives them (a float64 array; null when they do
 * not match their SHA-1). Returns what `then` returns, or null when there is no index or it is
 * torn, edited or of another version, or when `wanted`, given the header's earliest and latest
 * start time of the lines (null: no whole-directory sums; not asked when the header does not
 * say), declines it before the rest is read.
 * Throws only what `then` throws.
 */
export function withCostIndex<T>(
  dir: string,
  then: (head: CostIndexHead, groups: () => Float64Array | null) => T,
  wanted?: (wholeStarts: [number, number] | null) => boolean,
): T | null {
  let fd: number;
  try {
    fd = openSync(costsIndexPathOf(dir), 'r');
  } catch {
    return null;
  }
  try {
    let read: ReturnType<typeof readHead>;
    try {
      read = readHead(fd, wanted);
    } catch {
      return null;
    }
    if (!read) return null;
    const { header, groupsAt } = read;
    return then(read.head, () => {
      try {
        const groups = new Float64Array(header.groups);
        const bytes = new Uint8Array(groups.buffer);
        return readAt(fd, bytes, groupsAt) && sha1(bytes) === header.groups_sha1 ? groups : null;
      } catch {
        return null;
      }
    });
  } finally {
    closeSync(fd);
  }
}

/** The lines of an index's head with their sums from `groups`; null when they do not fit. */
function linesOf(head: CostIndexHead, groups: Float64Array): Map<string, CostLine> | null {
  const { keys, numbers } = head;
  const lines = new Map<string, CostLine>();
  let g = 0;
  for (let i = 0; i < head.lines.length; i++) {
    const t = head.lines[i]!;
    const at = head.at[i]!;
    const line: CostLine = {
      file: t[0],
      size: numbers[at]!,
      mtime_ms: numbers[at + 1]!,
      journal_size: numbers[at + 2]!,
      journal_mtime_ms: numbers[at + 3]!,
      started_at_ms: numbers[at + 4]!,
      chain: null,
      skip: t[1] === SKIP,
    };
    lines.set(line.file, line);
    if (t[1] !== SUMMED) continue;
    const from = g + 1;
    const next = from + groups[g]! * KEPT_GROUP_WIDTH;
    if (!(next <= groups.length) || !Number.isInteger(next)) return null;
    const figures = groups.subarray(from, next);
    for (let k = 0; k < figures.length; k += KEPT_GROUP_WIDTH)
      if (!isIndex(figures[k], GROUP_KEYS.length) || !isIndex(figures[k + 1], keys.length)) return null;
    g = next;
    line.chain = {
      chainUid: t[2]!,
      chainId: t[3]!,
      slug: t[4]!,
      goal: t[5]!,
      status: t[6]!,
      updatedAt: t[7]!,
      totals: CallTotals.fromFigures(numbers, at + LINE_HEAD),
      groups: { keys, figures },
    };
  }
  return g === groups.length ? lines : null;
}

/** The cost index of `dir`; empty when there is none, or it is torn, edited or of another version. Never throws. */
export function readCostIndex(dir: string): CostIndex {
  const read = withCostIndex(dir, (head, groups) => {
    const g = groups();
    const lines = g && linesOf(head, g);
    return lines ? { lines, whole: head.whole !== null } : null;
  });
  return read ?? { lines: new Map(), whole: false };
}

/** float64s appended to a buffer that grows. */
class Figures {
  data: Float64Array;
  length = 0;

  /** `capacity`: the figures expected (grown when more come), so that the array is made once. */
  constructor(capacity = 1024) {
    this.data = new Float64Array(Math.max(capacity, 16));
  }

  push(...values: number[]): void {
    this.room(values.length);
    for (const v of values) this.data[this.length++] = v;
  }

  /** Appends `count` figures of `from` from `at`. */
  copy(from: ArrayLike<number>, at: number, count: number): void {
    this.room(count);
    for (let i = 0; i < count; i++) this.data[this.length++] = from[at + i]!;
  }

  private room(n: number): void {
    if (this.length + n <= this.data.length) return;
    const grown = new Float64Array(Math.max(this.data.length * 2, this.length + n));
    grown.set(this.data.subarray(0, this.length));
    this.data = grown;
  }

  bytes(): Uint8Array {
    return new Uint8Array(this.data.buffer, 0, this.length * 8);
  }
}

/** Writes `parts` one after the other into a new file `file` (no joined copy: the index is megabytes). */
function writeParts(file: string, parts: readonly Uint8Array[]): void {
  const fd = openSync(file, 'w');
  try {
    for (const part of parts)
      for (let at = 0; at < part.length;) at += writeSync(fd, part, at, part.length - at);
  } finally {
    closeSync(fd);
  }
}

/** The earliest and the latest start time of `lines` (ms). */
function startsOf(lines: readonly CostLine[]): [number, number] {
  let first = Infinity;
  let last = -Infinity;
  for (const l of lines) {
    first = Math.min(first, l.started_at_ms);
    last = Math.max(last, l.started_at_ms);
  }
  return [first, last];
}

/**
 * Writes the cost index of `dir` (every context file's line, and the whole directory's sums when
 * given) through a temp file and a rename; not fsync'd (a cache). Never throws: a read-only
 * directory only means the next report reads the files again.
 */
export function writeCostIndex(
  dir: string,
  lines: readonly CostLine[],
  whole: WholeSums | null = null,
): void {
  const keys: string[] = [];
  const keyAt = new Map<string, number>();
  const keyOf = (key: string) => {
    let k = keyAt.get(key);
    if (k === undefined) keyAt.set(key, (k = keys.push(key) - 1));
    return k;
  };
  const textLines: TextLine[] = [];
  let chained = 0;
  let groupFigures = 0;
  for (const l of lines)
    if (l.chain) {
      chained++;
      groupFigures += 1 + l.chain.groups.figures.length;
    }
  const numbers = new Figures(5 * lines.length + 9 * chained + (whole ? 9 * 64 : 0));
  const groups = new Figures(groupFigures);
  for (const l of lines) {
    numbers.push(l.size, l.mtime_ms, l.journal_size, l.journal_mtime_ms, l.started_at_ms);
    const c = l.chain;
    if (!c) {
      textLines.push([l.file, l.skip ? SKIP : NOT_READ]);
      continue;
    }
    textLines.push([l.file, SUMMED, c.chainUid, c.chainId, c.slug, c.goal, c.status, c.updatedAt]);
    const t = c.totals;
    numbers.push(t.calls, t.unpricedCalls, t.subscriptionCalls, t.costUsd, t.input, t.output);
    numbers.push(t.cacheWrite5m, t.cacheWrite1h, t.cacheRead);
    const { figures } = c.groups;
    groups.push(figures.length / KEPT_GROUP_WIDTH);
    for (let g = 0; g < figures.length; g += KEPT_GROUP_WIDTH) {
      groups.push(figures[g]!, keyOf(c.groups.keys[figures[g + 1]!]!));
      groups.copy(figures, g + 2, KEPT_GROUP_WIDTH - 2);
    }
  }
  let wholeText: { chains: number[]; groups: [number, number][] } | null = null;
  if (whole) {
    const lineAt = new Map(lines.map((l, i) => [l, i]));
    wholeText = { chains: whole.chains.map((l) => lineAt.get(l)!), groups: [] };
    numbers.push(...whole.totals.all.toArray());
    for (const [kind, key, sum] of whole.totals.kept()) {
      wholeText.groups.push([kind, keyOf(key)]);
      numbers.push(...sum.toArray());
    }
  }
  const json = Buffer.from(JSON.stringify({ keys, lines: textLines, whole: wholeText }));
  const text = Buffer.alloc(Math.ceil(json.length / 8) * 8, ' ');
  json.copy(text);
  const header = JSON.stringify({
    version: COSTS_INDEX_VERSION,
    text: text.length,
    numbers: numbers.length,
    groups: groups.length,
    sha1: sha1(text, numbers.bytes()),
    groups_sha1: sha1(groups.bytes()),
    whole_starts: whole && lines.length ? startsOf(lines) : null,
  });
  const file = costsIndexPathOf(dir);
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeParts(tmp, [Buffer.from(`${header}\n`), text, numbers.bytes(), groups.bytes()]);
    renameSync(tmp, file);
    // The index of the version before, in JSON lines, is no longer read.
    rmSync(path.join(path.dirname(file), 'costs.jsonl'), { force: true });
  } catch {
    // Read-only or full: the files are read again next time.
  }
}
