/**
 * The worker thread of ./read-chains.ts: takes chunks of the file list from the shared counter
 * until none is left, reads each chunk's files into their kept sums (readKept, as the main thread
 * does) and posts them, then posts 'end'.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RunningTotals } from './aggregate.js';
import { readKept, type ChainFile, type PostedChunk } from './read-chains.js';

const { files, counter, chunk } = workerData as { files: ChainFile[]; counter: Int32Array; chunk: number };
const chunks = Math.ceil(files.length / chunk);
const scratch = new RunningTotals();
for (let c = Atomics.add(counter, 0, 1); c < chunks; c = Atomics.add(counter, 0, 1)) {
  const reads: PostedChunk['reads'] = [];
  for (let i = c * chunk; i < Math.min(files.length, (c + 1) * chunk); i++) {
    const warnings: string[] = [];
    const kept = readKept(files[i]!, scratch, (msg) => warnings.push(msg));
    reads.push({ kept: kept && { ...kept, totals: kept.totals.toArray() }, warnings });
  }
  parentPort!.postMessage({ chunk: c, reads } satisfies PostedChunk);
}
parentPort!.postMessage('end');
