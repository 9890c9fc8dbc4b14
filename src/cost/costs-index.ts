/**
 * The cost index: what `cost-report` takes from each context file (its names, status, update
 * time, and its calls summed in total and by prompt, phase, model and day), kept in
 * `<contexts>/.index/costs.bin` so that a report over 10,000 chains reads one file of sums
 * instead of every context file and journal. A cache, never the source of truth: cost-report
 * writes it after reading the files, and uses a line only while the context file and its journal
 * have the size and mtime they had then (every save rewrites the head: a new mtime). A file
 * changed within MTIME_SLACK_MS of being read is not kept (its sums are read again next time): a
 * second change in the same mtime tick with the same size would otherwise look unchanged.
 *
 * The file, made to be read without parsing a number (a report reads 1.7 million of them for
 * 10,000 chains of 30 calls): a header line `{"version", "text", "numbers", "sha1"}`, then `text`
 * bytes of JSON `{"keys": [group keys], "lines": [[file, state, uid, id, slug, goal, status,
 * updated_at], …]}` (state 0: not read yet, outside the windows asked for; 1: no context file a
 * report can use, read again for its warning; 2: its sums follow; the names only with state 2),
 * padded with spaces to a multiple of 8 bytes, then `numbers` float64s (little-endian): per line
 * the file's size, mtime (ms), its journal's size and mtime (-1, -1 without one), and with state
 * 2 the chain's nine totals (CallTotals.toArray order), its number of groups, and per group its
 * kind (GROUP_KEYS index), its key (index in `keys`) and its nine figures. `sha1` is the SHA-1 of
 * everything after the header line. A header that does not match the rest (a torn or edited
 * file) or of another version makes the whole index unused, and it is rebuilt from the files.
 * Sums are kept exactly as the report adds them (src/cost/aggregate.ts; a float64 keeps every
 * bit), so a report from the index equals one from the files to the last bit.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CallTotals, GROUP_KEYS, KEPT_GROUP_WIDTH, type KeptGroups } from './aggregate.js';

/** Bump when the meaning of the file changes: an index of another version is rebuilt from the files. */
const COSTS_INDEX_VERSION = 3;

/**
 * How long after its mtime a file's sums may be kept, ms: mtimes move in ticks (a few ms on
 * Linux, 2 s on FAT), so a file read within this of its mtime may change again unseen.
 */
export const MTIME_SLACK_MS = 2_000;

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
export const costsIndexPathOf = (dir: string) => path.join(dir, '.index', 'costs.bin');

const NOT_READ = 0;
const SKIP = 1;
const SUMMED = 2;
/** Numbers per line before its sums; its totals and number of groups. */
const HEAD = 4;
const TOTALS = 9;

type TextLine = [string, number, ...string[]];

const empty = (): CostIndex => ({ lines: new Map() });

/**
 * The line of one entry of the text part, its numbers from `at`, and the index after them; null
 * when they do not fit.
 */
function lineOf(
  t: TextLine,
  keys: readonly string[],
  numbers: Float64Array,
  at: number,
): { line: CostLine; next: number } | null {
  if (!Array.isArray(t) || typeof t[0] !== 'string' || at + HEAD > numbers.length) return null;
  const state = t[1];
  const line: CostLine = {
    file: t[0],
    size: numbers[at]!,
    mtime_ms: numbers[at + 1]!,
    journal_size: numbers[at + 2]!,
    journal_mtime_ms: numbers[at + 3]!,
    chain: null,
    skip: state === SKIP,
  };
  if (state === SKIP || state === NOT_READ) return { line, next: at + HEAD };
  if (state !== SUMMED || t.length !== 8) return null;
  const from = at + HEAD + TOTALS + 1;
  const next = from + numbers[from - 1]! * KEPT_GROUP_WIDTH;
  if (!(next <= numbers.length) || !Number.isInteger(next)) return null;
  const figures = numbers.subarray(from, next);
  for (let g = 0; g < figures.length; g += KEPT_GROUP_WIDTH) {
    const kind = figures[g]!;
    if (!(kind >= 0 && kind < GROUP_KEYS.length) || keys[figures[g + 1]!] === undefined) return null;
  }
  const [uid, id, slug, goal, status, updatedAt] = [t[2], t[3], t[4], t[5], t[6], t[7]];
  if (![uid, id, slug, goal, status, updatedAt].every((x) => typeof x === 'string')) return null;
  line.chain = {
    chainUid: uid!,
    chainId: id!,
    slug: slug!,
    goal: goal!,
    status: status!,
    updatedAt: updatedAt!,
    totals: CallTotals.fromFigures(numbers, at + HEAD),
    groups: { keys, figures },
  };
  return { line, next };
}

/** The cost index of `dir`; empty when there is none, or it is torn, edited or of another version. Never throws. */
export function readCostIndex(dir: string): CostIndex {
  let data: Buffer;
  try {
    data = readFileSync(costsIndexPathOf(dir));
  } catch {
    return empty();
  }
  const nl = data.indexOf(10);
  if (nl < 0) return empty();
  let header: { version?: unknown; text?: unknown; numbers?: unknown; sha1?: unknown };
  let text: { keys?: unknown; lines?: unknown };
  try {
    header = JSON.parse(data.toString('latin1', 0, nl)) as typeof header;
    if (
      header.version !== COSTS_INDEX_VERSION ||
      typeof header.text !== 'number' ||
      typeof header.numbers !== 'number' ||
      header.text % 8 !== 0 ||
      nl + 1 + header.text + header.numbers * 8 !== data.length ||
      header.sha1 !==
        createHash('sha1')
          .update(data.subarray(nl + 1))
          .digest('hex')
    )
      return empty();
    text = JSON.parse(data.toString('utf8', nl + 1, nl + 1 + header.text)) as typeof text;
  } catch {
    return empty();
  }
  const keys = text.keys;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string') || !Array.isArray(text.lines))
    return empty();
  // A copy: the numbers need not sit at a multiple of 8 bytes in the Buffer's memory.
  const from = data.byteOffset + nl + 1 + header.text;
  const numbers = new Float64Array(data.buffer.slice(from, from + header.numbers * 8));
  const lines = new Map<string, CostLine>();
  let at = 0;
  for (const t of text.lines as TextLine[]) {
    const read = lineOf(t, keys as string[], numbers, at);
    if (!read) return empty();
    lines.set(read.line.file, read.line);
    at = read.next;
  }
  if (at !== numbers.length) return empty();
  return { lines };
}

/**
 * Writes the cost index of `dir` (every context file's line) through a temp file and a rename;
 * not fsync'd (a cache). Never throws: a read-only directory only means the next report reads
 * the files again.
 */
export function writeCostIndex(dir: string, lines: Iterable<CostLine>): void {
  const keys: string[] = [];
  const keyAt = new Map<string, number>();
  const textLines: TextLine[] = [];
  const numbers: number[] = [];
  for (const l of lines) {
    numbers.push(l.size, l.mtime_ms, l.journal_size, l.journal_mtime_ms);
    const c = l.chain;
    if (!c) {
      textLines.push([l.file, l.skip ? SKIP : NOT_READ]);
      continue;
    }
    textLines.push([l.file, SUMMED, c.chainUid, c.chainId, c.slug, c.goal, c.status, c.updatedAt]);
    const { figures } = c.groups;
    numbers.push(...c.totals.toArray(), figures.length / KEPT_GROUP_WIDTH);
    for (let g = 0; g < figures.length; g += KEPT_GROUP_WIDTH) {
      const key = c.groups.keys[figures[g + 1]!]!;
      let k = keyAt.get(key);
      if (k === undefined) keyAt.set(key, (k = keys.push(key) - 1));
      numbers.push(figures[g]!, k);
      for (let i = g + 2; i < g + KEPT_GROUP_WIDTH; i++) numbers.push(figures[i]!);
    }
  }
  const json = Buffer.from(JSON.stringify({ keys, lines: textLines }));
  const text = Buffer.alloc(Math.ceil(json.length / 8) * 8, ' ');
  json.copy(text);
  const body = Buffer.concat([text, Buffer.from(new Float64Array(numbers).buffer)]);
  const header = JSON.stringify({
    version: COSTS_INDEX_VERSION,
    text: text.length,
    numbers: numbers.length,
    sha1: createHash('sha1').update(body).digest('hex'),
  });
  const file = costsIndexPathOf(dir);
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.concat([Buffer.from(`${header}\n`), body]));
    renameSync(tmp, file);
    // The index of the version before, in JSON lines, is no longer read.
    rmSync(path.join(path.dirname(file), 'costs.jsonl'), { force: true });
  } catch {
    // Read-only or full: the files are read again next time.
  }
}
