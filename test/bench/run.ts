/**
 * `npm run bench`: runs the registered benchmarks and prints their figures (ratios measured in
 * this one run, so machines of any speed compare). Add a benchmark by appending a module that
 * exports `name` and `run(): Promise<BenchRow[]>` to `benchmarks`. Pass names to run only those.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Table from 'cli-table3';
import * as caching from './caching.bench.js';
import * as concurrency from './concurrency.bench.js';
import * as costReport from './cost-report.bench.js';
import * as history from './history.bench.js';
import * as longChain from './long-chain.bench.js';
import * as orchestration from './orchestration.bench.js';
import * as startup from './startup.bench.js';

export interface BenchRow {
  /** What was measured, e.g. "10,000 files: cost-report / plain read+parse". */
  measure: string;
  /** The figure, e.g. "1.18x" or "412 ms". */
  value: string;
  /** The target from DESIGN §10, e.g. "<= 1.5x"; empty for context figures. */
  target?: string;
  /** Whether the target was met; undefined for context figures. */
  ok?: boolean;
}

export interface BenchModule {
  name: string;
  run(): Promise<BenchRow[]>;
}

export const benchmarks: BenchModule[] = [
  startup,
  history,
  costReport,
  orchestration,
  longChain,
  concurrency,
  caching,
];

const only = process.argv.slice(2);
// The chains the benches drive run their workspaces' tests in the sandbox, which keeps a build cache
// per workspace under XDG_CACHE_HOME: one temporary cache for the run, not a directory in ~/.cache
// for every throwaway workspace.
const cacheHome = mkdtempSync(path.join(os.tmpdir(), 'claude-exec-bench-cache-'));
process.env.XDG_CACHE_HOME = cacheHome;
const table = new Table({ head: ['benchmark', 'measure', 'value', 'target', 'met'] });
let missed = 0;
for (const bench of benchmarks.filter((b) => only.length === 0 || only.includes(b.name))) {
  process.stderr.write(`running ${bench.name}…\n`);
  for (const row of await bench.run()) {
    if (row.ok === false) missed += 1;
    table.push([
      bench.name,
      row.measure,
      row.value,
      row.target ?? '',
      row.ok === undefined ? '' : row.ok ? 'yes' : 'NO',
    ]);
  }
}
rmSync(cacheHome, { recursive: true, force: true });
console.log(table.toString());
if (missed) console.log(`${missed} target(s) missed`);
