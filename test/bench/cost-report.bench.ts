/**
 * cost-report over 10,000 synthetic chains (valid under the schema, 30 calls each, the head
 * pretty-printed as the store writes it, its calls and steps in its journal: ./fixture.ts)
 * against a plain Node script that reads and JSON-parses the same bytes (every head whole, every
 * journal line). Cold: no cost index (removed before each run: every file read, the index
 * written), target within 1.5x of the plain read; warm: the cost index current (src/cost/
 * costs-index.ts; the report is over the whole directory, so its whole-directory sums are read), target
 * at most 0.25x. Linear in files (10,000 vs 2,500, cold). Files are read
 * once before timing so every side runs on a warm page cache; each side takes the best of 5 runs.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { link, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { journalName } from '../../src/chain/journal.js';
import { costsIndexPathOf } from '../../src/cost/costs-index.js';
import { buildCostReport, DEFAULT_THRESHOLDS } from '../../src/cost/report.js';
import { scanChains } from '../../src/cost/scan.js';
import { fixtureName, writeChains } from './fixture.js';
import type { BenchRow } from './run.js';

export const name = 'cost-report';

const FILES = 10_000;
const SMALL = 2_500;
const CALLS = 30;
const RUNS = 5;
const COLD_TARGET = 1.5;
const WARM_TARGET = 0.25;
const root = path.resolve(import.meta.dirname, '../..');
const exec = promisify(execFile);
const FIXTURE = fixtureName(FILES, CALLS);

/** The plain script: list the directory, read and JSON.parse every head and every journal line. */
const PLAIN = `
const fs = require('node:fs'), path = require('node:path');
const dir = process.argv[1];
let n = 0;
for (const f of fs.readdirSync(dir)) {
  if (f.endsWith('.journal.jsonl')) { for (const l of fs.readFileSync(path.join(dir, f), 'utf8').split('\\n')) if (l) JSON.parse(l); }
  else if (f.endsWith('.json')) { JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')); n++; }
}
console.log(n);
`;

function plain(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.journal.jsonl')) {
      for (const l of readFileSync(path.join(dir, f), 'utf8').split('\n')) if (l) JSON.parse(l);
    } else if (f.endsWith('.json')) {
      JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
      n++;
    }
  }
  return n;
}

const dropIndex = (dir: string) => rmSync(costsIndexPathOf(dir), { force: true });

async function report(dir: string): Promise<number> {
  const scan = await scanChains([dir], {}, (msg) => {
    throw new Error(msg);
  });
  return buildCostReport(scan, { by: 'prompt', top: 5, window: {}, thresholds: DEFAULT_THRESHOLDS }).totals
    .chains;
}

async function best(fn: () => unknown, before?: () => void): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < RUNS; i++) {
    before?.();
    const t0 = performance.now();
    await fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

async function generate(big: string, small: string): Promise<number> {
  return writeChains(big, FILES, CALLS, Date.UTC(2026, 0, 1), async (n, file) => {
    if (n > SMALL) return;
    await link(path.join(big, file), path.join(small, file));
    await link(path.join(big, journalName(file)), path.join(small, journalName(file)));
  });
}

/** The built CLI against the plain script, each in a fresh process; skipped when the CLI cannot run it. */
async function endToEnd(dir: string): Promise<BenchRow[]> {
  const cli = async () => {
    const args = [
      path.join(root, 'bin/claude-exec'),
      'cost-report',
      '--days',
      '100000',
      '--contexts',
      dir,
      '--json',
    ];
    const { stdout } = await exec(process.execPath, args, { maxBuffer: 64 << 20 });
    if ((JSON.parse(stdout) as { totals: { chains: number } }).totals.chains !== FILES)
      throw new Error('cost-report did not count every chain');
  };
  if (!existsSync(path.join(root, 'dist/cli/main.js')))
    return [{ measure: 'end to end: skipped (no dist/; run npm run build)', value: '-' }];
  try {
    await cli();
  } catch (err) {
    const why = String((err as { stderr?: string }).stderr || (err as Error).message).split('\n')[0];
    return [{ measure: `end to end: skipped (the built CLI failed: ${why})`, value: '-' }];
  }
  const scriptMs = await best(() => exec(process.execPath, ['-e', PLAIN, dir]));
  const coldMs = await best(cli, () => dropIndex(dir));
  const warmMs = await best(cli);
  return [
    { measure: `end to end: node plain script (${FIXTURE})`, value: ms(scriptMs) },
    {
      measure: 'end to end: claude-exec cost-report --json, cold / warm',
      value: `${ms(coldMs)} / ${ms(warmMs)}`,
    },
    {
      measure: `end to end, cold (no cost index): cost-report / plain script (${FIXTURE})`,
      value: x(coldMs / scriptMs),
      target: `<= ${COLD_TARGET}x`,
      ok: coldMs / scriptMs <= COLD_TARGET,
    },
    {
      measure: `end to end, warm (cost index current): cost-report / plain script (${FIXTURE})`,
      value: x(warmMs / scriptMs),
      target: `<= ${WARM_TARGET}x`,
      ok: warmMs / scriptMs <= WARM_TARGET,
    },
  ];
}

const ms = (n: number) => `${n.toFixed(0)} ms`;
const x = (n: number) => `${n.toFixed(2)}x`;

export async function run(): Promise<BenchRow[]> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'ce-bench-cost-'));
  const big = path.join(tmp, 'big');
  const small = path.join(tmp, 'small');
  await mkdir(big);
  await mkdir(small);
  try {
    const avgBytes = await generate(big, small);
    plain(big);
    await report(big);

    const plainMs = await best(() => plain(big));
    const coldMs = await best(
      () => report(big),
      () => dropIndex(big),
    );
    const warmMs = await best(() => report(big));
    const plainSmallMs = await best(() => plain(small));
    const coldSmallMs = await best(
      () => report(small),
      () => dropIndex(small),
    );
    const linearity = coldMs / FILES / (coldSmallMs / SMALL);
    const rows: BenchRow[] = [
      {
        measure: `${FIXTURE}, ${(avgBytes / 1024).toFixed(0)} KB each: plain read+parse`,
        value: ms(plainMs),
      },
      {
        measure: 'scanChains + buildCostReport (in process), cold / warm',
        value: `${ms(coldMs)} / ${ms(warmMs)}`,
      },
      {
        measure: `in process, cold (no cost index): cost-report / plain read+parse (${FIXTURE})`,
        value: x(coldMs / plainMs),
        target: `<= ${COLD_TARGET}x`,
        ok: coldMs / plainMs <= COLD_TARGET,
      },
      {
        measure: `in process, warm (cost index current): cost-report / plain read+parse (${FIXTURE})`,
        value: x(warmMs / plainMs),
        target: `<= ${WARM_TARGET}x`,
        ok: warmMs / plainMs <= WARM_TARGET,
      },
      {
        measure: `per-file time, cold, ${FILES} vs ${SMALL} chains (plain: ${x(plainMs / FILES / (plainSmallMs / SMALL))})`,
        value: x(linearity),
        target: '<= 1.25x (linear)',
        ok: linearity <= 1.25,
      },
    ];

    rows.push(...(await endToEnd(big)));
    return rows;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
