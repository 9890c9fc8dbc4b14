/**
 * Tables that fit the terminal (cli-table3): no borders, one rule under the header, columns as
 * wide as their content until the table would pass the terminal's width; then the flexible
 * columns (purpose, goal, …) give up width and wrap, and any cell still too long is shortened
 * with "…". Width: `process.stdout.columns` on a terminal (80 when unknown), `COLUMNS` when
 * piped, else unlimited (piped tables stay whole lines for grep).
 */
import Table from 'cli-table3';

export type Align = 'left' | 'right';

export interface TableSpec {
  head: string[];
  rows: string[][];
  /** Per column; default left. */
  align?: Align[];
  /** Columns that may wrap to fit, most willing first. */
  flex?: number[];
  color: boolean;
  /** Characters available; default `terminalWidth()`. null: no limit. */
  width?: number | null;
}

/** Space between columns. */
const GAP = 2;
/** A flexible column keeps at least this many characters (or its header's width). */
const MIN_FLEX = 12;

const BORDERLESS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: ' '.repeat(GAP),
};

/** Columns of the output: the terminal's (80 when a TTY reports none), `COLUMNS` when not a TTY, else null. */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout, env: NodeJS.ProcessEnv = process.env): number | null {
  if (stream.isTTY) return stream.columns && stream.columns > 0 ? stream.columns : 80;
  const cols = Number(env.COLUMNS);
  return Number.isInteger(cols) && cols > 0 ? cols : null;
}

const widthOf = (s: string) => Math.max(0, ...s.split('\n').map((l) => [...l].length));

/**
 * Column widths (pure): `natural` widths, shrinking the `flex` columns (widest first, down to
 * `floor[i]`) until the table with its gaps fits `available`; then the other columns likewise.
 */
export function fitWidths(natural: number[], available: number | null, flex: number[], floor: number[]): number[] {
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

/** The table as text (no trailing newline). */
export function renderTable(spec: TableSpec): string {
  const n = spec.head.length;
  const natural = spec.head.map((h, i) => Math.max(widthOf(h), ...spec.rows.map((r) => widthOf(r[i] ?? ''))));
  const flex = spec.flex ?? [];
  const floor = spec.head.map((h, i) => (flex.includes(i) ? Math.min(natural[i]!, Math.max(MIN_FLEX, widthOf(h))) : Math.min(natural[i]!, Math.max(4, widthOf(h)))));
  const widths = fitWidths(natural, spec.width === undefined ? terminalWidth() : spec.width, flex, floor);
  const styled = spec.color && Boolean(process.stdout.isTTY);
  const table = new Table({
    head: spec.head,
    chars: BORDERLESS,
    colWidths: widths,
    colAligns: spec.head.map((_, i) => spec.align?.[i] ?? 'left'),
    wordWrap: true,
    wrapOnWordBoundary: true,
    style: { head: styled ? ['cyan'] : [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
  });
  table.push(...spec.rows.map((r) => Array.from({ length: n }, (_, i) => r[i] ?? '')));
  const lines = table.toString().split('\n').map((l) => l.trimEnd());
  const rule = '─'.repeat(widths.reduce((a, b) => a + b, 0) + GAP * (n - 1));
  return [lines[0]!, rule, ...lines.slice(1)].join('\n');
}
