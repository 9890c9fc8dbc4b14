/**
 * The reading of the context files a cost report has no current index line for: each file (with
 * its journal) read, JSON-parsed and its calls summed into the chain's kept sums (KeptChain). With
 * many files, a worker thread (./read-worker.ts) reads about half of them on the machine's second
 * core: both threads take chunks of the list from one shared counter, the worker posts each
 * chunk's sums, and whatever the worker did not deliver (it could not start, or failed) is read
 * here. A chain's sums depend only on its own calls (RunningTotals.sumChain starts every chain's
 * sums at zero), so they are the same figures, to the last bit, in either thread; the caller adds
 * them up in its own order.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CallTotals, RunningTotals, type ReportCall } from './aggregate.js';
import type { KeptChain } from './costs-index.js';
import { readContext, str } from './read-context.js';

/** One file to read: its path, the slug and start time (ms since the epoch) from its name. */
export interface ChainFile {
  path: string;
  slug: string;
  startedAtMs: number;
}

/** What reading one file gave: its sums (null: not a usable context file) and the warnings it raised. */
export interface ChainRead {
  kept: KeptChain | null;
  warnings: readonly string[];
}

/** Files per chunk a thread takes at a time: small enough to share the work evenly at the end. */
const CHUNK = 32;

/** Below this many files to read, the worker's start (about 30 ms of a core) costs more than it saves. */
const WORKER_FROM = 400;

const NO_WARNINGS: readonly string[] = [];

/**
 * Reads one file into its kept sums (null after warning through `onWarning` when a report cannot
 * use it). `scratch` sums its calls and is left with nothing pending.
 */
export function readKept(
  file: ChainFile,
  scratch: RunningTotals,
  onWarning: (msg: string) => void,
): KeptChain | null {
  const d = readContext(file.path, onWarning);
  if (!d) return null;
  const totals = scratch.sumChain(d.calls as ReportCall[], file.startedAtMs);
  const kept: KeptChain = {
    chainUid: d.chain_uid as string,
    chainId: d.chain_id as string,
    slug: str(d.slug, file.slug),
    goal: str(d.goal, ''),
    status: str(d.status, 'unknown'),
    updatedAt: str(d.updated_at, ''),
    totals,
    groups: scratch.pendingGroups(),
  };
  scratch.discard();
  return kept;
}

/** Reads `files[from, to)` into `out` on this thread. */
function readRange(files: readonly ChainFile[], from: number, to: number, out: ChainRead[]): void {
  const scratch = new RunningTotals();
  for (let i = from; i < to; i++) {
    let warnings: string[] | null = null;
    const kept = readKept(files[i]!, scratch, (msg) => (warnings ??= []).push(msg));
    out[i] = { kept, warnings: warnings ?? NO_WARNINGS };
  }
}

/** A kept chain as the worker posts it: its totals as their nine figures (a class does not cross threads). */
type PostedKept = Omit<KeptChain, 'totals'> & { totals: number[] };

/** One chunk's reads as the worker posts them. */
export interface PostedChunk {
  chunk: number;
  reads: { kept: PostedKept | null; warnings: readonly string[] }[];
}

/**
 * The worker's module as built beside this one (dist/cost/read-worker.js); null when running from
 * the TypeScript source (tests, `tsx`), whose worker threads have no TypeScript loader: the main
 * thread reads every file then.
 */
function workerUrl(): URL | null {
  const url = new URL('./read-worker.js', import.meta.url);
  return existsSync(fileURLToPath(url)) ? url : null;
}

/**
 * Whether `/proc/loadavg`'s text (`loadavg`) shows a core free for the worker on a machine of
 * `cores`: at most `cores` threads runnable at that instant, this one counted (its fourth field,
 * runnable/total). Not the load average: a report's own threads raise it.
 */
export function coreFreeIn(loadavg: string, cores: number): boolean {
  const runnable = Number(loadavg.split(' ')[3]?.split('/')[0]);
  return cores > 1 && !(runnable > cores);
}

/**
 * Whether the worker may have a core of its own now (Linux: `coreFreeIn`; elsewhere any second
 * core). Measured, 10,000 files on 2 cores: with the other core free, a worker takes a cold
 * report from 2.0 to 1.5 s; with both busy with other work, the median was 5% slower.
 */
function secondCoreFree(): boolean {
  const cores = os.availableParallelism();
  let loadavg: string;
  try {
    loadavg = readFileSync('/proc/loadavg', 'latin1');
  } catch {
    return cores > 1;
  }
  return coreFreeIn(loadavg, cores);
}

/**
 * How `readChains` reads: a worker when there are `workerFrom` files or more (default
 * WORKER_FROM) and `useWorker()` says so (default secondCoreFree), running `workerUrl` (default
 * ./read-worker.js beside this module); `mainReads` false leaves every file to the worker (the
 * main thread only waits, and reads what the worker did not deliver); `onWorkerReads` learns
 * how many files the worker read.
 */
export interface ReadOptions {
  workerFrom?: number;
  useWorker?: () => boolean;
  workerUrl?: URL;
  mainReads?: boolean;
  onWorkerReads?: (files: number) => void;
}

/**
 * Each of `files` read (see above), in their order. Never throws for a file: an unreadable or
 * unusable one is a null `kept` with its warning.
 */
export async function readChains(
  files: readonly ChainFile[],
  options: ReadOptions = {},
): Promise<ChainRead[]> {
  const out = new Array<ChainRead>(files.length);
  const url =
    files.length >= (options.workerFrom ?? WORKER_FROM) && (options.useWorker ?? secondCoreFree)()
      ? (options.workerUrl ?? workerUrl())
      : null;
  if (!url) {
    readRange(files, 0, files.length, out);
    return out;
  }
  const chunks = Math.ceil(files.length / CHUNK);
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const delivered = new Uint8Array(chunks);
  let workerReads = 0;
  let worker: Worker;
  try {
    worker = new Worker(url, {
      workerData: { files, counter, chunk: CHUNK },
      stdout: true,
      stderr: true,
    });
  } catch {
    readRange(files, 0, files.length, out);
    return out;
  }
  const finished = new Promise<void>((resolve) => {
    worker.on('message', (m: PostedChunk | 'end') => {
      if (m === 'end') return resolve();
      m.reads.forEach((r, k) => {
        const kept = r.kept && { ...r.kept, totals: CallTotals.fromFigures(r.kept.totals) };
        out[m.chunk * CHUNK + k] = { kept, warnings: r.warnings };
      });
      delivered[m.chunk] = 1;
      workerReads += m.reads.length;
    });
    worker.on('error', () => resolve());
    worker.on('exit', () => resolve());
  });
  const mine: number[] = [];
  const next = () => (options.mainReads === false ? chunks : Atomics.add(counter, 0, 1));
  for (let c = next(); c < chunks; c = next()) {
    readRange(files, c * CHUNK, Math.min(files.length, (c + 1) * CHUNK), out);
    mine.push(c);
  }
  if (mine.length === chunks) void worker.terminate();
  else await finished;
  for (const c of mine) delivered[c] = 1;
  // Chunks the worker took but did not deliver (it failed): read here.
  for (let c = 0; c < chunks; c++)
    if (!delivered[c]) readRange(files, c * CHUNK, Math.min(files.length, (c + 1) * CHUNK), out);
  options.onWorkerReads?.(workerReads);
  return out;
}
