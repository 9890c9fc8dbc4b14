/**
 * A cold cost report read partly or wholly on a worker thread (src/cost/read-chains.ts, the worker
 * as `npm run build` builds it: dist/cost/read-worker.js) equals the one read on the main thread:
 * the same chains, the same figures to the last bit, the same warnings in the same order, the same
 * cost index; and a worker that fails leaves the main thread to read every file.
 */
import { existsSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveChainSync } from '../../src/chain/store.js';
import { costsIndexPathOf } from '../../src/cost/costs-index.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import { coreFreeIn, type ReadOptions } from '../../src/cost/read-chains.js';
import { buildCostReport, DEFAULT_THRESHOLDS } from '../../src/cost/report.js';
import { scanChains } from '../../src/cost/scan.js';
import { deriveCostTracking } from '../../src/cost/tracking.js';
import { fakeChain } from '../helpers/chains.js';

const builtWorker = pathToFileURL(path.resolve(import.meta.dirname, '../../dist/cost/read-worker.js'));
const table = loadPriceTable();
let dir: string;

beforeAll(async () => {
  if (!existsSync(builtWorker))
    throw new Error('run npm run build first: dist/cost/read-worker.js is missing');
  dir = await mkdtemp(path.join(os.tmpdir(), 'claude-exec-cost-worker-'));
  for (let n = 1; n <= 70; n++) {
    const { file, ctx } = fakeChain({
      n,
      startedAt: new Date(Date.UTC(2026, 10, 1) + n * 3_600_000),
      calls: 3 + (n % 9),
      table,
      models: n % 5 === 0 ? ['claude-sonnet-4-5', 'unknown-model-x'] : undefined,
    });
    if (n % 6 === 1) ctx.calls[1] = { ...ctx.calls[1]!, billing: 'subscription' };
    ctx.cost_tracking = deriveCostTracking(ctx.calls);
    if (n % 2) saveChainSync(path.join(dir, file), ctx);
    else writeFileSync(path.join(dir, file), JSON.stringify(ctx, null, 2));
  }
  // Two copies of one chain (the later updated counts), and files a report skips with a warning.
  const copy = fakeChain({ n: 3, startedAt: new Date(Date.UTC(2026, 10, 2)), calls: 4, table, seed: 7 });
  copy.ctx.chain_uid = JSON.parse(readFileSync(path.join(dir, fakeChainFile(3)), 'utf8')).chain_uid;
  copy.ctx.updated_at = '2026-12-01T00:00:00.000Z';
  writeFileSync(path.join(dir, copy.file), JSON.stringify(copy.ctx));
  writeFileSync(path.join(dir, 'chain-090-broken-2026-11-02-00-00-00.json'), '{"schema_version": 2, "chain');
  writeFileSync(path.join(dir, 'chain-091-foreign-2026-11-02-00-00-00.json'), '{"hello": "world"}');
  // Saved an hour ago: a file changed within the last seconds gets no line in the cost index.
  const hourAgo = Date.now() / 1000 - 3600;
  for (const f of readdirSync(dir)) utimesSync(path.join(dir, f), hourAgo, hourAgo);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function fakeChainFile(n: number): string {
  return fakeChain({ n, startedAt: new Date(Date.UTC(2026, 10, 1) + n * 3_600_000), calls: 1, table }).file;
}

/** A cold report (no cost index) read as `options` say: its JSON, its warnings, the index it wrote, and the worker's count. */
async function cold(options: ReadOptions) {
  rmSync(costsIndexPathOf(dir), { force: true });
  const warnings: string[] = [];
  let workerReads = -1;
  const scan = await scanChains([dir], {}, (m) => warnings.push(m), {
    ...options,
    onWorkerReads: (n) => (workerReads = n),
  });
  const reports = (['prompt', 'phase', 'model', 'day'] as const).map((by) =>
    JSON.stringify(buildCostReport(scan, { by, top: 50, window: {}, thresholds: DEFAULT_THRESHOLDS })),
  );
  return { reports, warnings, index: readFileSync(costsIndexPathOf(dir)), workerReads, scan };
}

describe('a cold cost report on a worker thread', () => {
  it('equals the main thread read, to the last bit, when the worker reads every file', async () => {
    const main = await cold({ useWorker: () => false });
    const worker = await cold({
      workerFrom: 0,
      useWorker: () => true,
      workerUrl: builtWorker,
      mainReads: false,
    });
    expect(main.workerReads).toBe(-1);
    expect(worker.workerReads).toBe(73);
    expect(main.scan.chains).toHaveLength(70);
    expect(main.warnings).toHaveLength(2);
    expect(main.scan.totals.all.subscriptionCalls).toBeGreaterThan(0);
    expect(main.scan.totals.all.unpricedCalls).toBeGreaterThan(0);
    expect(worker.reports).toStrictEqual(main.reports);
    expect(worker.warnings).toStrictEqual(main.warnings);
    expect(worker.scan.totals.all).toStrictEqual(main.scan.totals.all);
    expect(worker.index.equals(main.index)).toBe(true);
  });

  it('a worker that fails leaves every file to the main thread', async () => {
    const main = await cold({ useWorker: () => false });
    const failing = path.join(dir, 'failing-worker.mjs');
    writeFileSync(failing, "throw new Error('cannot start');\n");
    try {
      const fell = await cold({
        workerFrom: 0,
        useWorker: () => true,
        workerUrl: pathToFileURL(failing),
        mainReads: false,
      });
      expect(fell.workerReads).toBe(0);
      expect(fell.reports).toStrictEqual(main.reports);
      expect(fell.warnings).toStrictEqual(main.warnings);
      expect(fell.index.equals(main.index)).toBe(true);
    } finally {
      rmSync(failing);
    }
  });

  it('is used only while a core is free: at most as many threads runnable as cores', () => {
    expect(coreFreeIn('0.52 0.58 0.59 1/467 7001\n', 2)).toBe(true);
    expect(coreFreeIn('3.10 3.06 3.17 2/467 7001\n', 2)).toBe(true);
    expect(coreFreeIn('3.10 3.06 3.17 3/467 7001\n', 2)).toBe(false);
    expect(coreFreeIn('0.52 0.58 0.59 1/467 7001\n', 1)).toBe(false);
    expect(coreFreeIn('9.00 9.00 9.00 5/467 7001\n', 8)).toBe(true);
  });
});
