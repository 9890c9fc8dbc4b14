/** Tables that fit: widths follow the terminal, flexible columns wrap, one header rule. */
import { describe, expect, it } from 'vitest';
import { fitWidths, renderTable, terminalWidth } from '../../src/ui/table.js';

const long =
  'Understand how data flows through an existing system, from the entry point to the store, step by step';

describe('terminalWidth', () => {
  it('is the columns of a terminal, 80 when it reports none, COLUMNS or unlimited when piped', () => {
    expect(terminalWidth({ isTTY: true, columns: 132 }, {})).toBe(132);
    expect(terminalWidth({ isTTY: true }, {})).toBe(80);
    expect(terminalWidth({ isTTY: false }, { COLUMNS: '100' })).toBe(100);
    expect(terminalWidth({ isTTY: false }, {})).toBeNull();
  });
});

describe('fitWidths', () => {
  it('keeps natural widths when they fit and shrinks the flexible column first', () => {
    expect(fitWidths([10, 5, 40], 100, [2], [4, 4, 12])).toEqual([10, 5, 40]);
    // 10 + 5 + 40 + 2 gaps of 2 = 59 → 40 wide: the flexible column gives up 19.
    expect(fitWidths([10, 5, 40], 40, [2], [4, 4, 12])).toEqual([10, 5, 21]);
  });

  it('then shrinks the other columns down to their floor', () => {
    expect(fitWidths([30, 5, 40], 30, [2], [6, 4, 12])).toEqual([9, 5, 12]);
    expect(fitWidths([30, 5, 40], 10, [2], [6, 4, 12])).toEqual([6, 4, 12]);
  });
});

describe('renderTable', () => {
  it.each([80, 60, 40])(
    'fits %i columns: every line within the width, the long cell wrapped, one rule under the header',
    (width) => {
      const text = renderTable({
        head: ['name', 'cost', 'purpose'],
        rows: [
          ['trace_existing_flow', 'low', long],
          ['b', 'high', 'short'],
        ],
        flex: [2],
        color: false,
        width,
      });
      const lines = text.split('\n');
      expect(Math.max(...lines.map((l) => [...l].length))).toBeLessThanOrEqual(width);
      expect(lines[1]).toMatch(/^─+$/);
      expect(lines.filter((l) => /^─+$/.test(l))).toHaveLength(1);
      expect(lines[0]).toMatch(/^name\s+cost\s+purpose$/);
      // Nothing of the long cell is lost: its words are all there, wrapped.
      expect(lines.slice(2).join(' ').replace(/\s+/g, ' ')).toContain('step by step');
    },
  );

  it('without a width limit keeps every row on one line', () => {
    const text = renderTable({ head: ['name', 'purpose'], rows: [['a', long]], color: false, width: null });
    expect(text.split('\n')).toHaveLength(3);
  });
});
