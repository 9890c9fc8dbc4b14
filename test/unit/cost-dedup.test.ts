import { writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chainFileName } from '../../src/chain/names.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import { BREAKDOWNS, buildCostReport, DEFAULT_THRESHOLDS, type CostReport } from '../../src/cost/report.js';
import { scanChains } from '../../src/cost/scan.js';
import { fakeChain } from '../helpers/chains.js';

// A chain copied into two directories (same chain_uid) is counted once, from its most recently
// updated copy, whichever directory is listed first; the report must equal one over the newest
// copies alone.
const table = loadPriceTable();
const at = (iso: string) => new Date(iso);
let root: string;
let older: string;
let newer: string;
let ref: string;

const write = (dir: string, c: { file: string; ctx: unknown }) =>
  writeFile(path.join(dir, c.file), JSON.stringify(c.ctx));

/** Chain 5, first copy: an opus-only run, so its model must vanish from the report once superseded. */
const oldCopy = (startedAt = at('2026-11-12T12:00:00Z'), seed = 50) => {
  const c = fakeChain({ n: 5, startedAt, calls: 6, table, models: ['claude-opus-4-6'], uid: 'dup', seed });
  c.ctx.updated_at = '2026-11-12T13:00:00.000Z';
  return c;
};
const newCopy = (startedAt = at('2026-11-12T12:00:00Z')) => {
  const c = fakeChain({ n: 5, startedAt, calls: 9, table, uid: 'dup', seed: 51 });
  c.ctx.updated_at = '2026-11-13T09:00:00.000Z';
  return c;
};

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'ce-dedup-'));
  [older, newer, ref] = [path.join(root, 'older'), path.join(root, 'newer'), path.join(root, 'ref')];
  for (const dir of [older, newer, ref]) await mkdir(dir);
  for (const n of [1, 3]) {
    const c = fakeChain({ n, startedAt: at(`2026-11-1${n}T08:00:00Z`), calls: 6, table });
    await write(older, c);
    await write(ref, c);
  }
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** Every breakdown of the report, with file paths left out and costs rounded (a copy taken out leaves float residue). */
async function reports(dirs: string[], warnings: string[] = []): Promise<unknown[]> {
  const scan = await scanChains(dirs, {}, (w) => warnings.push(w));
  const round = (_k: string, v: unknown) =>
    _k === 'file' ? undefined : typeof v === 'number' && !Number.isInteger(v) ? Number(v.toFixed(9)) : v;
  return BREAKDOWNS.map((by) => {
    const report: CostReport = buildCostReport(scan, {
      by,
      top: 5,
      window: {},
      thresholds: DEFAULT_THRESHOLDS,
    });
    return JSON.parse(JSON.stringify(report, round)) as unknown;
  });
}

describe('scanChains de-duplication', () => {
  it.each([
    ['the newer copy is listed after the counted one', () => [older, newer]],
    ['the older copy is listed after the counted one', () => [newer, older]],
  ])('counts a duplicated chain once, from its newest copy, when %s', async (_, dirs) => {
    await write(older, oldCopy());
    await write(newer, newCopy());
    await write(ref, newCopy());
    const got = await reports(dirs());
    expect(got).toEqual(await reports([ref]));
    const byModel = got[BREAKDOWNS.indexOf('model')] as CostReport;
    expect(byModel.totals).toMatchObject({ chains: 3, calls: 6 + 6 + 9 });
    expect(byModel.breakdown.rows.map((r) => r.key)).not.toContain('claude-opus-4-6');
    expect(byModel.top_chains.find((c) => c.chain_id === '005')).toMatchObject({ calls: 9 });
  });

  it('sums again from the counted copies when a superseded copy changed while being read', async () => {
    // Listing order: the old copy (12:00), a corrupt file (12:30), the new copy (13:00). The corrupt
    // file's warning rewrites the old copy, so re-reading it no longer gives what was added.
    const old = oldCopy();
    await write(older, old);
    await writeFile(path.join(older, chainFileName('005', 'broken', at('2026-11-12T12:30:00Z'))), '{"chain_');
    await write(newer, newCopy(at('2026-11-12T13:00:00Z')));
    await write(ref, newCopy(at('2026-11-12T13:00:00Z')));
    const changed = oldCopy(at('2026-11-12T12:00:00Z'), 99);
    const warnings: string[] = [];
    const scan = await scanChains([older, newer], {}, (w) => {
      warnings.push(w);
      writeFileSync(path.join(older, old.file), JSON.stringify(changed.ctx));
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('chain-005-broken');
    const expected = await scanChains([ref], {}, () => {});
    expect(scan.totals.all).toEqual(expected.totals.all);
    expect(scan.chains.map((c) => [c.chainId, c.totals.calls])).toEqual([
      ['001', 6],
      ['003', 6],
      ['005', 9],
    ]);
  });
});
