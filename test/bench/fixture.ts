/**
 * The benchmarks' synthetic history: `count` chains in one contexts directory, each a context
 * file (the head, pretty-printed as the store writes it) with its journal holding its calls and
 * steps, as a finished chain leaves them (src/chain/journal.ts). Valid under the schema; written
 * without fsync (a fixture, not a chain being driven).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { journalName } from '../../src/chain/journal.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import { fakeChain } from '../helpers/chains.js';

/** What a benchmark row says about its fixture. */
export const fixtureName = (count: number, calls: number) =>
  `${count.toLocaleString('en-US')} synthetic chains of ${calls} calls, each with its journal`;

/**
 * Writes the chains 1..count started a minute apart from `start`; `each(n, file)` is told of
 * each head written. Returns the bytes written per chain (head and journal), on average.
 */
export async function writeChains(
  dir: string,
  count: number,
  calls: number,
  start = Date.UTC(2026, 0, 1),
  each?: (n: number, file: string) => Promise<void>,
): Promise<number> {
  const table = loadPriceTable();
  let bytes = 0;
  for (let n = 1; n <= count; n++) {
    const { file, ctx } = fakeChain({ n, startedAt: new Date(start + n * 60_000), calls, table, seed: n });
    const lines = [
      ...ctx.calls.map((call) => JSON.stringify({ call })),
      ...ctx.steps.map((step) => JSON.stringify({ step })),
    ];
    const journal = `${lines.join('\n')}\n`;
    const journalBytes = Buffer.byteLength(journal);
    const head = `${JSON.stringify({ ...ctx, calls: [], steps: [], journal: { file: journalName(file), bytes: journalBytes, calls: ctx.calls.length, steps: ctx.steps.length } }, null, 2)}\n`;
    await writeFile(path.join(dir, journalName(file)), journal);
    await writeFile(path.join(dir, file), head);
    bytes += journalBytes + Buffer.byteLength(head);
    await each?.(n, file);
  }
  return bytes / count;
}
