/**
 * A report over one whole contexts directory from the cost index's whole-directory sums
 * (src/cost/scan-whole.ts) equals the report from the files to the last bit; they are what such a
 * report reads while every file is as the index knows it, and they are not used once a file is
 * changed (in place, with the same size, too), added or removed, a journal appears, the window is
 * narrower, or the index is damaged.
 */
import { readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { journalName } from '../../src/chain/journal.js';
import { saveChainSync } from '../../src/chain/store.js';
import { costsIndexPathOf } from '../../src/cost/costs-index.js';
import { wholeDirScan } from '../../src/cost/scan-whole.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import type { CostReport } from '../../src/cost/report.js';
import { deriveCostTracking } from '../../src/cost/tracking.js';
import { costReport } from '../../src/features/reports/costReport.js';
import { fakeChain } from '../helpers/chains.js';

const table = loadPriceTable();
const HOUR_AGO = () => Date.now() / 1000 - 3600;
let dir: string;

const chain = (n: number, calls = 5 + (n % 7), seed = n) =>
  fakeChain({ n, startedAt: new Date(Date.UTC(2026, 10, 1) + n * 3_600_000), calls, table, seed });

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'claude-exec-cost-whole-'));
  for (let n = 1; n <= 16; n++) {
    const { file, ctx } = chain(n);
    if (n % 6 === 1) ctx.calls[1] = { ...ctx.calls[1]!, billing: 'subscription' };
    ctx.cost_tracking = deriveCostTracking(ctx.calls);
    // Half the chains with their calls in a journal.
    if (n % 2) saveChainSync(path.join(dir, file), ctx);
    else writeFileSync(path.join(dir, file), JSON.stringify(ctx, null, 2));
  }
  // A copy of chain 3 started later, updated later: it counts instead of the first.
  const copy = fakeChain({
    n: 3,
    startedAt: new Date(Date.UTC(2026, 10, 1) + 30 * 3_600_000),
    calls: 9,
    table,
    seed: 99,
  });
  copy.ctx.chain_uid = JSON.parse(readFileSync(path.join(dir, chain(3).file), 'utf8')).chain_uid;
  copy.ctx.updated_at = '2026-12-01T00:00:00.000Z';
  writeFileSync(path.join(dir, copy.file), JSON.stringify(copy.ctx));
  // Files a report skips with a warning.
  writeFileSync(path.join(dir, 'chain-090-broken-2026-11-02-00-00-00.json'), '{"schema_version": 2, "chain');
  writeFileSync(path.join(dir, 'chain-091-foreign-2026-11-02-00-00-00.json'), '{"hello": "world"}');
  settle();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * The mtime of every file written in the last minute an hour back (a file changed in the last
 * seconds is never kept); the others keep theirs.
 */
function settle(): void {
  const t = HOUR_AGO();
  for (const f of readdirSync(dir)) {
    const file = path.join(dir, f);
    if (f !== '.index' && statSync(file).mtimeMs > Date.now() - 60_000) utimesSync(file, t, t);
  }
}

async function report(
  by: 'prompt' | 'model' | 'day' | 'phase' = 'prompt',
  window: { since?: string; until?: string } = { since: '2026-01-01' },
): Promise<{ report: CostReport; warnings: string[] }> {
  const warnings: string[] = [];
  const r = await costReport({
    dirs: [dir],
    ...window,
    by,
    top: 50,
    now: new Date('2026-12-07T00:00:00Z'),
    onWarning: (m) => warnings.push(m),
  });
  return { report: r, warnings };
}

/** The report with no index (the index it writes is removed again). */
async function fromFiles(...args: Parameters<typeof report>) {
  rmSync(costsIndexPathOf(dir), { force: true });
  const r = await report(...args);
  rmSync(costsIndexPathOf(dir), { force: true });
  return r;
}

/** The index's header, and where its parts start. */
function parts() {
  const data = readFileSync(costsIndexPathOf(dir));
  const nl = data.indexOf(10);
  const header = JSON.parse(data.toString('latin1', 0, nl)) as { text: number; numbers: number };
  return {
    data,
    text: nl + 1,
    numbers: nl + 1 + header.text,
    groups: nl + 1 + header.text + header.numbers * 8,
  };
}

/** Changes a chain's calls in place, keeping its size and mtime: only a cache can still give the old sums. */
function spoilInPlace(file: string): void {
  const { mtime } = statSync(file);
  const text = readFileSync(file, 'utf8');
  const doc = JSON.parse(text);
  doc.calls = doc.calls.map((c: { cost_usd: number | null }) => ({
    ...c,
    cost_usd: c.cost_usd === null ? null : c.cost_usd * 2,
  }));
  const spoilt = JSON.stringify(doc).padEnd(text.length);
  expect(spoilt.length).toBe(text.length);
  writeFileSync(file, spoilt);
  utimesSync(file, mtime, mtime);
}

describe('the whole-directory sums of the cost index', () => {
  it('give the report the files give, by every breakdown, warnings included, to the last bit', async () => {
    for (const by of ['prompt', 'model', 'day', 'phase'] as const) {
      const files = await fromFiles(by);
      const cold = await report(by);
      const warm = await report(by);
      expect(cold).toStrictEqual(files);
      expect(warm).toStrictEqual(files);
    }
    const files = await fromFiles();
    expect(files.report.totals.chains).toBe(16);
    expect(files.report.totals.subscription_calls).toBeGreaterThan(0);
    expect(files.warnings).toHaveLength(2);
  });

  it('are what a whole-directory report reads: neither the files nor the sums of single chains', async () => {
    const even = path.join(dir, chain(2).file); // no journal: its calls in the head
    const { report: before } = await report();
    spoilInPlace(even);
    // The sums of single chains damaged too (their SHA-1 no longer fits): a report that needed them would read every file.
    const { data, groups } = parts();
    data[groups + 20] = data[groups + 20]! ^ 0xff;
    writeFileSync(costsIndexPathOf(dir), data);
    expect((await report()).report).toStrictEqual(before);
    // A narrower window needs the sums of single chains: the damaged index is not used, the spoilt file is read.
    const window = { since: '2026-11-01', until: '2026-11-01' };
    expect(await report('prompt', window)).toStrictEqual(await fromFiles('prompt', window));
  });

  it('a file changed in place, of the same size, with a new mtime: the report is the one the files give', async () => {
    const { report: before } = await report();
    for (const file of [path.join(dir, chain(2).file), path.join(dir, journalName(chain(5).file))]) {
      const { mtimeMs } = statSync(file);
      if (file.endsWith('.jsonl')) {
        // A journal edited by hand: one call's cost changed, the same number of bytes.
        const text = readFileSync(file, 'utf8');
        const edited = text.replace(
          /"cost_usd":0\.(\d)/,
          (_m, d: string) => `"cost_usd":0.${(Number(d) + 1) % 10}`,
        );
        expect(edited).not.toBe(text);
        expect(edited.length).toBe(text.length);
        writeFileSync(file, edited);
      } else spoilInPlace(file);
      utimesSync(file, (mtimeMs + 1000) / 1000, (mtimeMs + 1000) / 1000);
      const after = await report();
      expect(after.report.totals.cost_usd).not.toBe(before.totals.cost_usd);
      expect(after).toStrictEqual(await fromFiles());
      // And the index written again gives it too.
      await report();
      expect(await report()).toStrictEqual(after);
    }
  });

  it('chains saved, added and removed, and a journal new beside a chain: the report the files give', async () => {
    const changes: (() => void)[] = [
      // Chain 1 (with a journal) goes on: its calls appended the way a run saves them.
      () => {
        const file = path.join(dir, chain(1).file);
        const saved = JSON.parse(readFileSync(file, 'utf8'));
        const more = chain(1, 14, 5);
        const ctx = { ...more.ctx, chain_uid: saved.chain_uid, journal: saved.journal };
        ctx.calls = ctx.calls.map((c, i) => ({ ...c, id: i + 1 }));
        ctx.cost_tracking = deriveCostTracking(ctx.calls);
        saveChainSync(file, ctx);
      },
      () => {
        const added = chain(40, 7);
        writeFileSync(path.join(dir, added.file), JSON.stringify(added.ctx));
      },
      () => rmSync(path.join(dir, chain(4).file)),
      // Chain 6 had no journal: saved by the store now, its calls move into a new one.
      () => {
        const { file, ctx } = chain(6);
        saveChainSync(path.join(dir, file), ctx);
      },
    ];
    for (const change of changes) {
      await report();
      change();
      settle();
      const warm = await report();
      expect(warm).toStrictEqual(await fromFiles());
    }
    expect(readdirSync(dir)).toContain(journalName(chain(6).file));
  });

  it('a narrower window is reported from the lines; the whole sums stay for the next whole report', async () => {
    const window = { since: '2026-11-02' };
    const narrow = await fromFiles('prompt', window);
    const files = await fromFiles();
    expect(narrow.report.totals.chains).toBeLessThan(files.report.totals.chains);
    await report();
    const index = costsIndexPathOf(dir);
    const written = statSync(index).ino;
    expect(await report('prompt', window)).toStrictEqual(narrow);
    expect(await report()).toStrictEqual(files);
    expect(statSync(index).ino).toBe(written);
  });

  it('damaged whole sums are not used: the report is the one the files give', async () => {
    const files = await fromFiles();
    for (const at of ['text', 'numbers'] as const) {
      await report();
      await report();
      const p = parts();
      // The last figure of the whole sums (their last group's cache reads), or a byte of the names.
      const i = at === 'numbers' ? p.groups - 1 : p.text + 40;
      p.data[i] = p.data[i]! ^ 0x40;
      writeFileSync(costsIndexPathOf(dir), p.data);
      expect(await report()).toStrictEqual(files);
      expect(await report()).toStrictEqual(files);
    }
  });

  it('a listing in another order is matched by name; a context file or a journal more is not what the index knows', async () => {
    await report();
    const listed = readdirSync(dir);
    const scan = wholeDirScan(dir, listed, {}, () => {});
    expect(scan?.chains).toHaveLength(16);
    expect(wholeDirScan(dir, [...listed].reverse(), {}, () => {})).toStrictEqual(scan);
    expect(wholeDirScan(dir, [...listed, chain(41).file], {}, () => {})).toBeNull();
    expect(wholeDirScan(dir, [...listed].reverse().concat(chain(41).file), {}, () => {})).toBeNull();
    expect(wholeDirScan(dir, [...listed, journalName(chain(2).file)], {}, () => {})).toBeNull();
    expect(
      wholeDirScan(
        dir,
        listed.filter((f) => f !== chain(2).file),
        {},
        () => {},
      ),
    ).toBeNull();
    // Not a context file's name: ignored.
    expect(wholeDirScan(dir, [...listed, 'notes.json'].reverse(), {}, () => {})).toStrictEqual(scan);
  });

  it("the header's start-time hint only declines: without it the whole sums are still read", async () => {
    const { report: before } = await report();
    spoilInPlace(path.join(dir, chain(2).file));
    const { data, groups } = parts();
    // The sums of single chains damaged: only the whole sums can still give the report before.
    data[groups + 20] = data[groups + 20]! ^ 0xff;
    const nl = data.indexOf(10);
    const header = JSON.parse(data.toString('latin1', 0, nl)) as Record<string, unknown>;
    expect(header.whole_starts).toHaveLength(2);
    const withHeader = (h: Record<string, unknown>) =>
      Buffer.concat([Buffer.from(`${JSON.stringify(h)}\n`), data.subarray(nl + 1)]);
    const { whole_starts: _, ...without } = header;
    writeFileSync(costsIndexPathOf(dir), withHeader(without));
    expect((await report()).report).toStrictEqual(before);
    // A hint that leaves chains outside the window: declined, the files are read (the spoilt one too).
    writeFileSync(costsIndexPathOf(dir), withHeader({ ...header, whole_starts: [0, 1] }));
    const declined = await report();
    expect(declined.report.totals.cost_usd).not.toBe(before.totals.cost_usd);
    expect(declined).toStrictEqual(await fromFiles());
  });
});
