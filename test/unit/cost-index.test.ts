/**
 * cost-report from its index (src/cost/costs-index.ts) equals cost-report from the files, to the
 * last bit of every figure, whether the index is missing, current, stale (chains saved, added,
 * removed since), torn or edited; and a current index is what a report reads.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { costReport } from '../../src/features/reports/costReport.js';
import { saveChainSync } from '../../src/chain/store.js';
import { costsIndexPathOf } from '../../src/cost/costs-index.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import type { CostReport } from '../../src/cost/report.js';
import { deriveCostTracking } from '../../src/cost/tracking.js';
import { fakeChain } from '../helpers/chains.js';

const table = loadPriceTable();
let root: string;
let a: string;
let b: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'claude-exec-cost-index-'));
  a = path.join(root, 'a');
  b = path.join(root, 'b');
  await mkdir(a);
  await mkdir(b);
  for (let n = 1; n <= 24; n++) {
    const { file, ctx } = fakeChain({
      n,
      startedAt: new Date(Date.UTC(2026, 10, 1) + n * 3_600_000),
      calls: 5 + (n % 7),
      table,
      models: n % 5 === 0 ? ['claude-sonnet-4-5', 'unknown-model-x'] : undefined,
    });
    // Some calls unpriced, some billed by subscription; half the chains with their calls in a journal.
    if (n % 6 === 1) ctx.calls[1] = { ...ctx.calls[1]!, billing: 'subscription' };
    ctx.cost_tracking = deriveCostTracking(ctx.calls);
    if (n % 2) saveChainSync(path.join(a, file), ctx);
    else writeFileSync(path.join(a, file), JSON.stringify(ctx, null, 2));
  }
  // A copy of chain 3 in the other directory, updated later (it counts instead of the first).
  const copy = fakeChain({
    n: 3,
    startedAt: new Date(Date.UTC(2026, 10, 1) + 3 * 3_600_000),
    calls: 9,
    table,
    seed: 99,
  });
  copy.ctx.chain_uid = JSON.parse(readFileSync(path.join(a, copy.file), 'utf8')).chain_uid;
  copy.ctx.updated_at = '2026-12-01T00:00:00.000Z';
  writeFileSync(path.join(b, copy.file), JSON.stringify(copy.ctx));
  // Files a report skips with a warning.
  writeFileSync(path.join(a, 'chain-090-broken-2026-11-02-00-00-00.json'), '{"schema_version": 2, "chain');
  writeFileSync(path.join(a, 'chain-091-foreign-2026-11-02-00-00-00.json'), '{"hello": "world"}');
  // Saved an hour ago: a file changed within the last seconds is never taken from the index.
  const hourAgo = Date.now() / 1000 - 3600;
  for (const d of [a, b]) for (const f of readdirSync(d)) utimesSync(path.join(d, f), hourAgo, hourAgo);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function report(
  by: 'prompt' | 'model' | 'day' | 'phase' = 'prompt',
  window: { since?: string; until?: string } = { since: '2026-01-01' },
): Promise<{ report: CostReport; warnings: string[] }> {
  const warnings: string[] = [];
  const r = await costReport({
    dirs: [a, b],
    ...window,
    by,
    top: 50,
    now: new Date('2026-12-07T00:00:00Z'),
    onWarning: (m) => warnings.push(m),
  });
  return { report: r, warnings };
}

/** The report with no index anywhere (the index it writes is removed again). */
async function fromFiles(...args: Parameters<typeof report>) {
  for (const d of [a, b]) rmSync(costsIndexPathOf(d), { force: true });
  const r = await report(...args);
  for (const d of [a, b]) rmSync(costsIndexPathOf(d), { force: true });
  return r;
}

describe('the cost index', () => {
  it('is written by a report and gives the same report, by every breakdown, to the last bit', async () => {
    for (const by of ['prompt', 'model', 'day', 'phase'] as const) {
      const files = await fromFiles(by);
      const cold = await report(by);
      expect(existsSync(costsIndexPathOf(a))).toBe(true);
      const warm = await report(by);
      expect(cold).toStrictEqual(files);
      expect(warm).toStrictEqual(files);
    }
    const files = await fromFiles();
    expect(files.report.totals.unpriced_calls).toBeGreaterThan(0);
    expect(files.report.totals.subscription_calls).toBeGreaterThan(0);
    expect(files.report.totals.chains).toBe(24);
    expect(files.warnings).toHaveLength(2);
  });

  it('a current line is what the report reads: the file is not opened', async () => {
    const file = path.join(
      a,
      fakeChain({ n: 2, startedAt: new Date(Date.UTC(2026, 10, 1) + 2 * 3_600_000), calls: 1, table }).file,
    );
    // A whole second in the past, which utimes gives back exactly.
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    const { report: before } = await report();
    // Chain 2's calls doubled in place, with its size and mtime kept: only the index can still give the old sum.
    const text = readFileSync(file, 'utf8');
    const doc = JSON.parse(text);
    doc.calls = doc.calls.map((c: { cost_usd: number | null }) => ({
      ...c,
      cost_usd: c.cost_usd === null ? null : c.cost_usd * 2,
    }));
    const spoilt = JSON.stringify(doc).padEnd(text.length);
    expect(spoilt.length).toBe(text.length);
    writeFileSync(file, spoilt);
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    expect((await report()).report.totals.cost_usd).toBe(before.totals.cost_usd);
    // Its mtime moved on (a save): the file is read again.
    utimesSync(file, 1_700_000_001, 1_700_000_001);
    expect((await report()).report.totals.cost_usd).not.toBe(before.totals.cost_usd);
  });

  it('stale: chains saved, added and removed since give the report the files give', async () => {
    await report();
    // Chain 1 (with a journal) goes on: more calls saved the way a run saves them.
    const one = fakeChain({
      n: 1,
      startedAt: new Date(Date.UTC(2026, 10, 1) + 3_600_000),
      calls: 5 + 1,
      table,
    });
    const more = fakeChain({
      n: 1,
      startedAt: new Date(Date.UTC(2026, 10, 1) + 3_600_000),
      calls: 14,
      table,
      seed: 5,
    });
    const file = path.join(a, one.file);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    const ctx = {
      ...more.ctx,
      chain_uid: saved.chain_uid,
      journal: saved.journal,
      calls: [
        ...(await import('../../src/chain/store.js').then((m) => m.readChainFile(file))).calls,
        ...more.ctx.calls.slice(6),
      ],
    };
    ctx.calls = ctx.calls.map((c, i) => ({ ...c, id: i + 1 }));
    ctx.cost_tracking = deriveCostTracking(ctx.calls);
    saveChainSync(file, ctx);
    // A new chain, and a chain removed.
    const added = fakeChain({ n: 40, startedAt: new Date(Date.UTC(2026, 10, 20)), calls: 7, table });
    writeFileSync(path.join(a, added.file), JSON.stringify(added.ctx));
    rmSync(
      path.join(
        a,
        fakeChain({ n: 4, startedAt: new Date(Date.UTC(2026, 10, 1) + 4 * 3_600_000), calls: 1, table }).file,
      ),
    );
    const warm = await report();
    const files = await fromFiles();
    expect(warm).toStrictEqual(files);
    expect(files.report.totals.chains).toBe(24);
    expect(files.report.top_chains.find((c) => c.chain_id === '001')!.calls).toBe(14);
  });

  it('changed again within its mtime tick, after the index was written: the report is the one the files give', async () => {
    const file = path.join(
      a,
      fakeChain({ n: 2, startedAt: new Date(Date.UTC(2026, 10, 1) + 2 * 3_600_000), calls: 1, table }).file,
    );
    // Saved just now: a second save in the same mtime tick and of the same size would keep both.
    const now = new Date();
    utimesSync(file, now, now);
    const { mtimeMs } = statSync(file);
    const { report: before } = await report();
    expect(existsSync(costsIndexPathOf(a))).toBe(true);
    const text = readFileSync(file, 'utf8');
    const doc = JSON.parse(text);
    doc.calls = doc.calls.map((c: { cost_usd: number | null }) => ({
      ...c,
      cost_usd: c.cost_usd === null ? null : c.cost_usd * 2,
    }));
    const changed = JSON.stringify(doc).padEnd(text.length);
    writeFileSync(file, changed);
    utimesSync(file, now, now);
    expect(statSync(file).mtimeMs).toBe(mtimeMs);
    const after = await report();
    expect(after.report.totals.cost_usd).not.toBe(before.totals.cost_usd);
    expect(after).toStrictEqual(await fromFiles());
  });

  it('is not written again while the only files it lacks are ones changed in the last seconds', async () => {
    await report();
    const index = costsIndexPathOf(a);
    const written = statSync(index).ino;
    expect((await report()).warnings).toHaveLength(2);
    expect(statSync(index).ino).toBe(written);
    // A chain saved just now: its line goes (the index is written once without it), and it is read from its file.
    const file = path.join(
      a,
      fakeChain({ n: 5, startedAt: new Date(Date.UTC(2026, 10, 1) + 5 * 3_600_000), calls: 1, table }).file,
    );
    const now = new Date();
    utimesSync(file, now, now);
    const once = await report();
    const rewritten = statSync(index).ino;
    expect(rewritten).not.toBe(written);
    expect(await report()).toStrictEqual(once);
    expect(statSync(index).ino).toBe(rewritten);
    expect(once).toStrictEqual(await fromFiles());
  });

  it('a torn, edited or foreign index is not used: the report is the one the files give', async () => {
    const files = await fromFiles();
    const damage: ((data: Buffer) => Buffer)[] = [
      (d) => d.subarray(0, Math.floor(d.length / 2)),
      // One figure's last byte (its sign and exponent) changed.
      (d) => {
        const e = Buffer.from(d);
        e[e.length - 1] = e[e.length - 1]! ^ 0x40;
        return e;
      },
      (d) => Buffer.from(d.toString('latin1').replace(/^\{"version":\d+/, '{"version":99'), 'latin1'),
      () => Buffer.from('not json\n{}\n'),
      () => Buffer.alloc(0),
    ];
    for (const spoil of damage) {
      await report();
      const index = costsIndexPathOf(a);
      const data = readFileSync(index);
      const spoilt = spoil(data);
      expect(spoilt.equals(data)).toBe(false);
      writeFileSync(index, spoilt);
      expect(await report()).toStrictEqual(files);
      // And it is written again whole.
      expect(await report()).toStrictEqual(files);
    }
  });

  it('a window reads only its chains; the chains outside it are read when a later window asks', async () => {
    const narrow = await fromFiles('prompt', { since: '2026-11-01', until: '2026-11-01' });
    const wide = await fromFiles();
    expect(await report('prompt', { since: '2026-11-01', until: '2026-11-01' })).toStrictEqual(narrow);
    expect(await report()).toStrictEqual(wide);
    expect(await report('prompt', { since: '2026-11-01', until: '2026-11-01' })).toStrictEqual(narrow);
  });
});
