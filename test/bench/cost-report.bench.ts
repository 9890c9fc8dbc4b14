/**
 * cost-report over 10,000 realistic context files (valid under the schema, 30 calls each,
 * pretty-printed as the store writes them) against a plain Node script that reads and
 * JSON-parses the same files (DESIGN §10: within 1.5x; linear in files). Files are read once
 * before timing so both sides run on a warm page cache; each side takes the best of 5 runs.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { link, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadPriceTable } from '../../src/cost/prices.js';
import { buildCostReport, DEFAULT_THRESHOLDS } from '../../src/cost/report.js';
import { scanChains } from '../../src/cost/scan.js';
import { fakeChain } from '../helpers/chains.js';
import type { BenchRow } from './run.js';

export const name = 'cost-report';

const FILES = 10_000;
const SMALL = 2_500;
const CALLS = 30;
const RUNS = 5;
const TARGET = 1.5;
const root = path.resolve(import.meta.dirname, '../..');
const exec = promisify(execFile);

/** The plain script: list the directory, read and JSON.parse every file. */
const PLAIN = `
const fs = require('node:fs'), path = require('node:path');
const dir = process.argv[1];
let n = 0;
for (const f of fs.readdirSync(dir)) { if (f.endsWith('.json')) { JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')); n++; } }
console.log(n);
`;

function plain(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.json')) continue;
    JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
    n++;
  }
  return n;
}

async function report(dir: string): Promise<number> {
  const scan = await scanChains([dir], {}, (msg) => {
    throw new Error(msg);
  });
  return buildCostReport(scan, { by: 'prompt', top: 5, window: {}, thresholds: DEFAULT_THRESHOLDS }).totals.chains;
}

async function best(fn: () => unknown): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

async function generate(big: string, small: string): Promise<number> {
  const table = loadPriceTable();
  const start = Date.UTC(2026, 0, 1);
  let bytes = 0;
  for (let n = 1; n <= FILES; n++) {
    const { file, ctx } = fakeChain({ n, startedAt: new Date(start + n * 60_000), calls: CALLS, table });
    const text = `${JSON.stringify(ctx, null, 2)}\n`;
    bytes += text.length;
    await writeFile(path.join(big, file), text);
    if (n <= SMALL) await link(path.join(big, file), path.join(small, file));
  }
  return bytes / FILES;
}

/** The built CLI against the plain script, each in a fresh process; skipped when the CLI cannot run it. */
async function endToEnd(dir: string): Promise<BenchRow[]> {
  const cli = async () => {
    const args = [path.join(root, 'bin/claude-exec'), 'cost-report', '--days', '100000', '--contexts', dir, '--json'];
    const { stdout } = await exec(process.execPath, args, { maxBuffer: 64 << 20 });
    if ((JSON.parse(stdout) as { totals: { chains: number } }).totals.chains !== FILES) throw new Error('cost-report did not count every chain');
  };
  if (!existsSync(path.join(root, 'dist/cli/main.js'))) return [{ measure: 'end to end: skipped (no dist/; run npm run build)', value: '-' }];
  try {
    await cli();
  } catch (err) {
    const why = String((err as { stderr?: string }).stderr || (err as Error).message).split('\n')[0];
    return [{ measure: `end to end: skipped (the built CLI failed: ${why})`, value: '-' }];
  }
  const scriptMs = await best(() => exec(process.execPath, ['-e', PLAIN, dir]));
  const cliMs = await best(cli);
  return [
    { measure: 'end to end: node plain script', value: ms(scriptMs) },
    { measure: 'end to end: claude-exec cost-report --json', value: ms(cliMs) },
    { measure: 'end to end: cost-report / plain script', value: x(cliMs / scriptMs), target: `<= ${TARGET}x`, ok: cliMs / scriptMs <= TARGET },
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
    const oursMs = await best(() => report(big));
    const plainSmallMs = await best(() => plain(small));
    const oursSmallMs = await best(() => report(small));
    const linearity = oursMs / FILES / (oursSmallMs / SMALL);
    const rows: BenchRow[] = [
      { measure: `${FILES.toLocaleString('en-US')} files of ${CALLS} calls, ${(avgBytes / 1024).toFixed(0)} KB each: plain read+parse`, value: ms(plainMs) },
      { measure: 'scanChains + buildCostReport (in process)', value: ms(oursMs) },
      { measure: 'cost-report / plain read+parse (in process)', value: x(oursMs / plainMs), target: `<= ${TARGET}x`, ok: oursMs / plainMs <= TARGET },
      { measure: `per-file time, ${FILES} vs ${SMALL} files (plain: ${x(plainMs / FILES / (plainSmallMs / SMALL))})`, value: x(linearity), target: '<= 1.25x (linear)', ok: linearity <= 1.25 },
    ];

    rows.push(...(await endToEnd(big)));
    return rows;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
