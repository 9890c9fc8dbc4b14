import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { costReport, resolveWindow } from '../../src/features/reports/costReport.js';
import { SCHEMA_VERSION } from '../../src/chain/schema.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import { UsageError } from '../../src/errors.js';
import { fakeChain } from '../helpers/chains.js';

const now = new Date('2026-11-20T15:00:00Z');
const DAY = 86_400_000;

describe('resolveWindow', () => {
  it('defaults to the last 7 days', () => {
    expect(resolveWindow({ now })).toEqual({ sinceMs: now.getTime() - 7 * DAY, untilMs: undefined });
  });

  it('--since from the start of its day, --until through the end of its day (UTC)', () => {
    expect(resolveWindow({ now, since: '2026-11-01', until: '2026-11-03' })).toEqual({
      sinceMs: Date.UTC(2026, 10, 1),
      untilMs: Date.UTC(2026, 10, 4),
    });
    expect(resolveWindow({ now, days: 2, until: '2026-11-03' })).toEqual({
      sinceMs: Date.UTC(2026, 10, 2),
      untilMs: Date.UTC(2026, 10, 4),
    });
  });

  it.each([
    [{ days: 3, since: '2026-11-01' }, /--days and --since/],
    [{ since: '2026-02-30' }, /--since must be a date/],
    [{ until: '20261101' }, /--until must be a date/],
    [{ days: 0 }, /--days must be a positive/],
    [{ since: '2026-11-05', until: '2026-11-01' }, /after --until/],
  ])('rejects %j', (req, message) => {
    expect(() => resolveWindow({ now, ...req })).toThrow(UsageError);
    expect(() => resolveWindow({ now, ...req })).toThrow(message);
  });
});

describe('costReport (app)', () => {
  it('reports the chains of the window from the files, with the schema version scan expects', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ce-costapp-'));
    try {
      const table = loadPriceTable();
      for (const [n, at] of [
        [1, '2026-11-19T10:00:00Z'],
        [2, '2026-11-01T10:00:00Z'],
      ] as const) {
        const { file, ctx } = fakeChain({ n, startedAt: new Date(at), calls: 4, table });
        expect(ctx.schema_version).toBe(SCHEMA_VERSION);
        await writeFile(path.join(dir, file), JSON.stringify(ctx));
      }
      const warnings: string[] = [];
      const report = await costReport({ dirs: [dir], now, by: 'phase', onWarning: (w) => warnings.push(w) });
      expect(report.totals.chains).toBe(1);
      expect(report.top_chains[0]!.chain_id).toBe('001');
      expect(report.breakdown.by).toBe('phase');
      expect(warnings).toEqual([]);
      const all = await costReport({ dirs: [dir], now, since: '2026-01-01', onWarning: () => {} });
      expect(all.totals.chains).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
