/**
 * Start-up (DESIGN §10): `claude-exec --help` and `claude-exec chains` (empty workspace) against
 * `node -e 0`, each a fresh process of the built binary. Runs are interleaved (so load from other
 * processes hits every side alike) and each side's median of RUNS is compared. `chains` over one
 * context file (which loads the schema validator) is shown for context, without a target.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadPriceTable } from '../../src/cost/prices.js';
import { fakeChain } from '../helpers/chains.js';
import type { BenchRow } from './run.js';

export const name = 'start-up';

const RUNS = 15;
const TARGET = 3;
const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/claude-exec');

/** Wall time of one process in ms; throws when it exits non-zero. */
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

const ms = (n: number) => `${n.toFixed(0)} ms`;

export async function run(): Promise<BenchRow[]> {
  if (!existsSync(path.join(root, 'dist/cli/main.js'))) return [{ measure: 'skipped (no dist/; run npm run build)', value: '-' }];
  const empty = await mkdtemp(path.join(os.tmpdir(), 'ce-bench-start-'));
  const one = await mkdtemp(path.join(os.tmpdir(), 'ce-bench-start-'));
  try {
    const { file, ctx } = fakeChain({ n: 1, startedAt: new Date(Date.UTC(2026, 0, 1)), calls: 30, table: loadPriceTable() });
    await mkdir(path.join(one, 'contexts'));
    await writeFile(path.join(one, 'contexts', file), `${JSON.stringify(ctx, null, 2)}\n`);
    const sides = {
      node: ['-e', '0'],
      help: [bin, '--help'],
      chains: [bin, 'chains', '--cwd', empty],
      oneChain: [bin, 'chains', '--cwd', one],
    };
    const times: Record<keyof typeof sides, number[]> = { node: [], help: [], chains: [], oneChain: [] };
    for (const args of Object.values(sides)) timeOnce(args); // warm the page cache
    for (let i = 0; i < RUNS; i++) {
      for (const [side, args] of Object.entries(sides) as [keyof typeof sides, string[]][]) times[side].push(timeOnce(args));
    }
    const base = median(times.node);
    const help = median(times.help);
    const chains = median(times.chains);
    const oneChain = median(times.oneChain);
    return [
      { measure: `node -e 0 (median of ${RUNS})`, value: ms(base) },
      { measure: 'claude-exec --help', value: ms(help) },
      { measure: 'claude-exec chains (empty workspace)', value: ms(chains) },
      { measure: '--help / node -e 0', value: `${(help / base).toFixed(2)}x`, target: `<= ${TARGET}x`, ok: help / base <= TARGET },
      { measure: 'chains / node -e 0', value: `${(chains / base).toFixed(2)}x`, target: `<= ${TARGET}x`, ok: chains / base <= TARGET },
      { measure: 'chains with one context file (validated) / node -e 0', value: `${(oneChain / base).toFixed(2)}x` },
    ];
  } finally {
    await rm(empty, { recursive: true, force: true });
    await rm(one, { recursive: true, force: true });
  }
}
