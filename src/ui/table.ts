/**
 * Tables that fit the terminal (cli-table3): no borders, one rule under the header, columns as
 * wide as their content until the table would pass the terminal's width; then the flexible
 * columns (purpose, goal, …) give up width and wrap, and any cell still too long is shortened
 * with "…". Width: `process.stdout.columns` on a terminal (80 when unknown), `COLUMNS` when
 * piped, else unlimited (piped tables stay whole lines for grep).
 */
import colors from '@colors/colors/safe.js';
import Table from 'cli-table3';
import { wrapBelow } from './wrap.js';

export type Align = 'left' | 'right';

export interface TableSpec {
  head: string[];
  rows: string[][];
  /** Per column; default left. */
  align?: Align[];
  /** Columns that may wrap to fit, most willing first. */
  flex?: number[];
  /** A long column (a summary) printed under each row, indented, when the table would leave it too narrow. */
  below?: number;
  color: boolean;
  /** Characters available; default `terminalWidth()`. null: no limit. */
  width?: number | null;
}

/** Space between columns. */
const GAP = 2;
/** A flexible column keeps at least this many characters (or its header's width). */
const MIN_FLEX = 12;

const BORDERLESS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: ' '.repeat(GAP),
};

/** Columns of the output: the terminal's (80 when a TTY reports none), `COLUMNS` when not a TTY, else null. */
export function terminalWidth(
  stream: { isTTY?: boolean; columns?: number } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): number | null {
  if (stream.isTTY) return stream.columns && stream.columns > 0 ? stream.columns : 80;
  const cols = Number(env.COLUMNS);
  return Number.isInteger(cols) && cols > 0 ? cols : null;
}

const widthOf = (s: string) => Math.max(0, ...s.split('\n').map((l) => [...l].length));
const longestWord = (s: string) => Math.max(0, ...s.split(/\s+/).map((w) => [...w].length));
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * Column widths (pure): `natural` widths, shrinking the `flex` columns (widest first, down to
 * `floor[i]`) until the table with its gaps fits `available`; then the other columns likewise.
 */
export function fitWidths(
  natural: number[],
  available: number | null,
  flex: number[],
  floor: number[],
): number[] {
  const widths = [...natural];
  if (available === null) return widths;
  const total = () => widths.reduce((a, b) => a + b, 0) + GAP * (widths.length - 1);
  const others = widths.map((_, i) => i).filter((i) => !flex.includes(i));
  for (const group of [flex, others]) {
    let excess = total() - available;
    while (excess > 0) {
      const candidates = group.filter((i) => widths[i]! > floor[i]!);
      if (candidates.length === 0) break;
      const widest = candidates.reduce((a, b) => (widths[b]! > widths[a]! ? b : a));
      widths[widest]! -= 1;
      excess -= 1;
    }
  }
  return widths;
}

/** A column moved below its row keeps at least this many characters in the table, else it goes below. */
const MIN_IN_TABLE = 30;

/** Column widths of `spec` for `available` characters (see fitWidths); words break only as a last resort. */
function widthsFor(spec: TableSpec, available: number | null): number[] {
  const n = spec.head.length;
  const natural = spec.head.map((h, i) => Math.max(widthOf(h), ...spec.rows.map((r) => widthOf(r[i] ?? ''))));
  const flex = spec.flex ?? [];
  // A column may narrow to its longest word (header and cells wrap between words, never inside
  // one); only when that still does not fit may words break, so no line passes the terminal's
  // width and the terminal never wraps it mid-word itself.
  const word = spec.head.map((h, i) =>
    Math.max(longestWord(h), ...spec.rows.map((r) => longestWord(r[i] ?? ''))),
  );
  const floor = spec.head.map((_, i) =>
    Math.min(natural[i]!, flex.includes(i) ? Math.max(MIN_FLEX, word[i]!) : Math.max(4, word[i]!)),
  );
  const widths = fitWidths(natural, available, flex, floor);
  // Words must break somewhere: the longest ones first, short cells (numbers, times) stay whole.
  if (available !== null && sum(widths) + GAP * (n - 1) > available)
    return fitWidths(
      natural,
      available,
      flex,
      natural.map((w) => Math.min(w, 4)),
    );
  return widths;
}

/** The table as text (no trailing newline). */
export function renderTable(spec: TableSpec): string {
  const available = spec.width === undefined ? terminalWidth() : spec.width;
  const below = spec.below;
  if (below !== undefined && available !== null && widthsFor(spec, available)[below]! < MIN_IN_TABLE) {
    // Too narrow for the long column: each row's text goes on its own lines under the row.
    const drop = <T>(xs: readonly T[]) => xs.filter((_, i) => i !== below);
    const rest: TableSpec = {
      ...spec,
      below: undefined,
      head: drop(spec.head),
      rows: spec.rows.map((r) => drop(r)),
      align: spec.align && drop(spec.align),
      flex: (spec.flex ?? []).filter((i) => i !== below).map((i) => (i > below ? i - 1 : i)),
    };
    const widths = widthsFor(rest, available);
    const out = [...renderRows(rest, widths, [])];
    spec.rows.forEach((r, k) => {
      out.push(...renderRows(rest, widths, [rest.rows[k]!]).slice(headHeight(rest, widths) + 1));
      out.push(...wrapBelow(r[below] ?? '', available - 4, '    '));
    });
    return out.join('\n');
  }
  return renderRows(spec, widthsFor(spec, available), spec.rows).join('\n');
}

/** Whether the header is drawn in colour: asked for, and printing to a terminal. */
const styledOf = (spec: TableSpec) => spec.color && Boolean(process.stdout.isTTY);

function makeTable(spec: TableSpec, widths: number[], styled: boolean): Table.Table {
  return new Table({
    head: spec.head,
    chars: BORDERLESS,
    colWidths: widths,
    colAligns: spec.head.map((_, i) => spec.align?.[i] ?? 'left'),
    wordWrap: true,
    wrapOnWordBoundary: true,
    style: { head: styled ? ['cyan'] : [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
  });
}

/** Lines the header takes at `widths` (a long header wraps between its words). */
function headHeight(spec: TableSpec, widths: number[]): number {
  return makeTable(spec, widths, false).toString().split('\n').length;
}

/** The header, the rule under it (after all its lines), and `rows`, as lines. */
function renderRows(spec: TableSpec, widths: number[], rows: string[][]): string[] {
  const styled = styledOf(spec);
  return plainLines(spec, widths, rows, styled) ?? cliTableLines(spec, widths, rows, styled);
}

/** What renderRows draws, by cli-table3 (any text: wide characters, colour codes, wrapping). */
export function cliTableLines(
  spec: TableSpec,
  widths: number[],
  rows: string[][],
  styled: boolean,
): string[] {
  const n = spec.head.length;
  const table = makeTable(spec, widths, styled);
  table.push(...rows.map((r) => Array.from({ length: n }, (_, i) => r[i] ?? '')));
  const lines = table
    .toString()
    .split('\n')
    .map((l) => l.trimEnd());
  const h = headHeight(spec, widths);
  const rule = '─'.repeat(sum(widths) + GAP * (n - 1));
  return [...lines.slice(0, h), rule, ...lines.slice(h)];
}

/**
 * Words of characters one column wide each (printable ASCII, Latin-1 and Latin Extended
 * letters, "…") between single runs of spaces, no space at either end: text whose width is its
 * length and that cli-table3 draws as it is when it fits.
 */
const PLAIN = /^(?:[!-~\u00a1-\u024f\u2026]+(?: +[!-~\u00a1-\u024f\u2026]+)*)?$/;

/**
 * The lines cli-table3 draws (cliTableLines) when every cell is plain text (PLAIN) no wider than
 * its column, drawn directly: each cell padded to its column by its alignment, columns GAP apart,
 * the header in cyan when `styled` (by @colors/colors, as cli-table3 does). Null when some cell is not (cli-table3 draws those). Drawing
 * 50 rows of `chains` this way takes well under a millisecond; cli-table3 takes tens of them.
 */
export function plainLines(
  spec: TableSpec,
  widths: number[],
  rows: string[][],
  styled: boolean,
): string[] | null {
  const n = spec.head.length;
  const fits = (r: readonly string[]) => {
    for (let i = 0; i < n; i++) {
      const cell = r[i] ?? '';
      if (cell.length > widths[i]! || !PLAIN.test(cell)) return false;
    }
    return true;
  };
  if (!fits(spec.head) || !rows.every(fits)) return null;
  const gap = ' '.repeat(GAP);
  const line = (r: readonly string[], paint: (s: string) => string) =>
    Array.from({ length: n }, (_, i) => {
      const cell = r[i] ?? '';
      return paint(spec.align?.[i] === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!));
    })
      .join(gap)
      .trimEnd();
  const plain = (s: string) => s;
  return [
    // Coloured by the module cli-table3 colours with, so the codes (or none, where it sees no
    // colour support) are the same.
    line(spec.head, styled ? (s) => colors.cyan(s) : plain),
    '─'.repeat(sum(widths) + GAP * (n - 1)),
    ...rows.map((r) => line(r, plain)),
  ];
}
