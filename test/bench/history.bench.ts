/**
 * History at any size: `claude-exec chains` and `claude-exec status` (the newest chain) over
 * 10,000 synthetic context files (valid under the schema, 5 calls each, pretty-printed as the
 * store writes them, no journal) against `node -e 0`, each a fresh process of the built binary.
 * Cold: no chain index yet (the first run reads and validates every file and writes the index).
 * Warm: the index is current; runs interleaved with `node -e 0`, median of RUNS.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadPriceTable } from '../../src/cost/prices.js';
import { fakeChain } from '../helpers/chains.js';
import type { BenchRow } from './run.js';

export const name = 'history';

const CHAINS = 10_000;
const RUNS = 9;
const TARGET = 3;
const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/claude-exec');
const FIXTURE = `${CHAINS.toLocaleString('en-US')} synthetic context files, 5 calls each, no journal`;

function timeOnce(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${String(r.stderr).split('\n')[0]}`);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export async function run(): Promise<BenchRow[]> {
  if (!existsSync(path.join(root, 'dist/cli/main.js'))) return [{ measure: 'skipped (no dist/; run npm run build)', value: '-' }];
  const ws = await mkdtemp(path.join(os.tmpdir(), 'ce-bench-history-'));
  try {
    const contexts = path.join(ws, 'contexts');
    await mkdir(contexts);
    const table = loadPriceTable();
    for (let n = 1; n <= CHAINS; n++) {
      const { file, ctx } = fakeChain({ n, startedAt: new Date(Date.UTC(2025, 0, 1) + n * 60_000), calls: 5, table, seed: n });
      await writeFile(path.join(contexts, file), `${JSON.stringify(ctx, null, 2)}\n`);
    }
    const sides = { node: ['-e', '0'], chains: [bin, 'chains', '--cwd', ws], status: [bin, 'status', '--cwd', ws] };
    const cold = timeOnce(sides.chains);
    const times: Record<keyof typeof sides, number[]> = { node: [], chains: [], status: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const [side, args] of Object.entries(sides) as [keyof typeof sides, string[]][]) times[side].push(timeOnce(args));
    }
    const base = median(times.node);
    const chains = median(times.chains);
    const status = median(times.status);
    return [
      { measure: `node -e 0 (median of ${RUNS})`, value: `${base.toFixed(0)} ms` },
      { measure: `chains, cold: no index yet (${FIXTURE}) / node -e 0`, value: `${(cold / base).toFixed(1)}x` },
      { measure: `chains, warm index (${FIXTURE}) / node -e 0`, value: `${(chains / base).toFixed(2)}x`, target: `<= ${TARGET}x`, ok: chains / base <= TARGET },
      { measure: `status, newest chain (${FIXTURE}) / node -e 0`, value: `${(status / base).toFixed(2)}x` },
    ];
  } finally {
    await rm(ws, { recursive: true, force: true });
  }
}
