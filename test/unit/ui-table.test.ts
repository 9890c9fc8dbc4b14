/** Tables that fit: widths follow the terminal, flexible columns wrap, one header rule. */
import { describe, expect, it } from 'vitest';
import { cliTableLines, fitWidths, plainLines, renderTable, terminalWidth } from '../../src/ui/table.js';

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

describe('plainLines: tables of plain text drawn without cli-table3', () => {
  // A small seeded generator (mulberry32), so a failure names a case that can be run again.
  function random(seed: number) {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const pieces = [
    'a',
    'chain',
    '047',
    '$0.2045',
    '116,472',
    'é',
    'Ünïcödé',
    '…',
    'x-y_z',
    '(1)',
    '2026-01-31 09:00',
  ];
  const cellOf = (rnd: () => number) => {
    const words = Array.from(
      { length: Math.floor(rnd() * 4) },
      () => pieces[Math.floor(rnd() * pieces.length)]!,
    );
    return words.join(rnd() < 0.2 ? '   ' : ' ');
  };

  it('draws what cli-table3 draws, for every alignment, header colour and column width that fits', () => {
    const isTTY = process.stdout.isTTY;
    try {
      let drawn = 0;
      for (let seed = 1; seed <= 300; seed++) {
        const rnd = random(seed);
        const n = 1 + Math.floor(rnd() * 6);
        const head = Array.from({ length: n }, () => cellOf(rnd));
        const rows = Array.from({ length: Math.floor(rnd() * 6) }, () =>
          Array.from({ length: rnd() < 0.1 ? n - 1 : n }, () => cellOf(rnd)),
        );
        const spec = {
          head,
          rows,
          align: head.map(() => (rnd() < 0.5 ? ('right' as const) : ('left' as const))),
          color: rnd() < 0.5,
        };
        // At least as wide as the widest cell (and 1), sometimes wider.
        const widths = head.map(
          (h, i) => Math.max(1, h.length, ...rows.map((r) => (r[i] ?? '').length)) + (rnd() < 0.3 ? 2 : 0),
        );
        const styled = rnd() < 0.5;
        process.stdout.isTTY = styled;
        const plain = plainLines(spec, widths, rows, styled);
        expect(plain, `seed ${seed}`).not.toBeNull();
        expect(plain, `seed ${seed}`).toEqual(cliTableLines(spec, widths, rows, styled));
        drawn++;
      }
      expect(drawn).toBe(300);
    } finally {
      process.stdout.isTTY = isTTY;
    }
  });

  it('leaves to cli-table3 a cell too wide for its column, with a wide character, a colour code or a line break', () => {
    const spec = { head: ['id', 'goal'], rows: [], color: false };
    expect(plainLines(spec, [2, 4], [['1', 'abcde']], false)).toBeNull();
    expect(plainLines(spec, [2, 9], [['1', '漢字']], false)).toBeNull();
    expect(plainLines(spec, [2, 9], [['1', '\u001b[31mred']], false)).toBeNull();
    expect(plainLines(spec, [2, 9], [['1', 'a\nb']], false)).toBeNull();
    expect(plainLines(spec, [2, 9], [['1', ' lead']], false)).toBeNull();
    // And renderTable still draws those as cli-table3 does.
    expect(renderTable({ ...spec, rows: [['1', '漢字']], width: null })).toBe(
      cliTableLines(spec, [2, 4], [['1', '漢字']], false).join('\n'),
    );
  });
});
