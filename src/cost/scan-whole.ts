/**
 * A cost report over a whole contexts directory from the cost index's whole-directory sums
 * (./costs-index.ts), without the sums of single chains and without reading a context file: used
 * while the directory holds exactly the context files the index was made from, each (and its
 * journal) with the size and mtime it had then — one stat of each, since a file changed in place
 * shows in its own mtime, not in the directory's — and the window holds every one of them. The
 * files the index knows as unusable are read again for their warnings. Otherwise (a file added,
 * removed or changed, a narrower window, several directories) the report is made line by line
 * (./scan.ts).
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { parseChainFileName } from '../chain/names.js';
import { CallTotals, RunningTotals } from './aggregate.js';
import { LINE_HEAD, NOT_READ, SKIP, withCostIndex, type CostIndexHead } from './costs-index.js';
import { readContext } from './read-context.js';
import type { ChainScan, ReportChain, TimeWindow } from './chain-scan.js';

const JOURNAL = '.journal.jsonl';
const TOTALS = 9;

/** Whether file and journal of every line are as the index knows them (size, mtime; the journal's -1 when none). */
function linesCurrent(head: CostIndexHead, prefix: string): boolean {
  const { lines, numbers, at } = head;
  for (let i = 0; i < lines.length; i++) {
    const n = at[i]!;
    const file = lines[i]![0];
    try {
      const s = statSync(prefix + file, { throwIfNoEntry: false });
      if (!s || s.size !== numbers[n] || s.mtimeMs !== numbers[n + 1]) return false;
      if (numbers[n + 2]! >= 0) {
        const j = statSync(prefix + file.slice(0, -'.json'.length) + JOURNAL, { throwIfNoEntry: false });
        if (!j || j.size !== numbers[n + 2] || j.mtimeMs !== numbers[n + 3]) return false;
      }
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Whether `listed` (the names in the directory) holds the context files of the index's lines and
 * no other, and as many journals as the lines have (one more: a journal new beside a chain that
 * had none; one fewer: a journal gone). The lines are in the order the directory listed them
 * when the index was written, which an unchanged directory keeps; in any other order by name.
 */
function sameFiles(head: CostIndexHead, listed: readonly string[]): boolean {
  const { lines, numbers, at } = head;
  let withJournal = 0;
  for (let i = 0; i < lines.length; i++) if (numbers[at[i]! + 2]! >= 0) withJournal++;
  let next = 0;
  let journals = 0;
  const others: string[] = [];
  for (const name of listed) {
    if (next < lines.length && name === lines[next]![0]) next++;
    else if (name.endsWith(JOURNAL)) journals++;
    else if (name.endsWith('.json')) others.push(name);
  }
  if (journals !== withJournal) return false;
  if (next === lines.length) return !others.some((name) => parseChainFileName(name));
  const known = new Set(lines.map((t) => t[0]));
  let found = next;
  for (const name of others) {
    if (known.has(name)) found++;
    else if (parseChainFileName(name)) return false;
  }
  return found === lines.length && known.size === lines.length;
}

/**
 * The scan of `dir` (its names `listed`) for `window` from the index's whole-directory sums, as
 * ./scan.ts's `scanChains` gives it from the lines or the files (the same chains in the same
 * order, the same sums to the last bit, the same warnings); null when they cannot be used (see
 * above). Warnings go to `onWarning` only when the scan is returned.
 */
export function wholeDirScan(
  dir: string,
  listed: readonly string[],
  window: TimeWindow,
  onWarning: (msg: string) => void,
): ChainScan | null {
  const { sinceMs = -Infinity, untilMs = Infinity } = window;
  // The header's hint of the lines' start times: a narrower window is declined before the index is read.
  const wanted = (starts: [number, number] | null) =>
    starts !== null && starts[0] >= sinceMs && starts[1] < untilMs;
  return withCostIndex(
    dir,
    (head) => {
      const { whole, lines, numbers, at, keys } = head;
      if (!whole) return null;
      for (let i = 0; i < lines.length; i++) {
        const started = numbers[at[i]! + 4]!;
        if (lines[i]![1] === NOT_READ || !(started >= sinceMs && started < untilMs)) return null;
      }
      if (!sameFiles(head, listed)) return null;
      const prefix = path.join(dir, 'x').slice(0, -1);
      if (!linesCurrent(head, prefix)) return null;
      // Unusable files, read again in the order a report reads them; one that reads now needs the lines.
      const skipped = lines
        .filter((t) => t[1] === SKIP)
        .map((t) => ({ file: t[0], ...parseChainFileName(t[0])! }))
        .sort((a, b) => Number(a.chainId) - Number(b.chainId) || a.startedAtMs - b.startedAtMs);
      const warnings: string[] = [];
      for (const s of skipped) if (readContext(prefix + s.file, (m) => warnings.push(m))) return null;
      const chains = whole.chains.map((i): ReportChain => {
        const t = lines[i]!;
        const n = at[i]!;
        return {
          file: prefix + t[0],
          chainUid: t[2]!,
          chainId: t[3]!,
          slug: t[4]!,
          goal: t[5]!,
          status: t[6]!,
          startedAtMs: numbers[n + 4]!,
          updatedAt: t[7]!,
          totals: CallTotals.fromFigures(numbers, n + LINE_HEAD),
        };
      });
      const totals = RunningTotals.restore(
        CallTotals.fromFigures(numbers, whole.at),
        whole.groups.map(([kind, key], g): [number, string, CallTotals] => [
          kind,
          keys[key]!,
          CallTotals.fromFigures(numbers, whole.at + TOTALS * (g + 1)),
        ]),
      );
      for (const w of warnings) onWarning(w);
      return { chains, totals };
    },
    wanted,
  );
}
