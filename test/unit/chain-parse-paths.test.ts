/**
 * readChainFile validates a process's first few context files without zod's compiled fast path
 * and the later ones with it: both must accept the same files with the same result and reject
 * the same files with the same message. Its own file, so that this process has parsed none yet.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChainFile } from '../../src/chain/store.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import { fakeChain } from '../helpers/chains.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'claude-exec-parse-paths-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('validating a context file with and without the compiled fast path', () => {
  it('gives the same chains and the same errors for the first files and the later ones', async () => {
    const { ctx } = fakeChain({
      n: 1,
      startedAt: new Date('2026-01-01T00:00:00Z'),
      calls: 7,
      table: loadPriceTable({}),
    });
    // Defaults to fill in: optional fields left out of an otherwise valid file.
    const valid: Record<string, unknown> = { ...ctx };
    delete valid.instructions;
    const broken = {
      ...ctx,
      status: 42,
      goal: undefined,
      calls: [{ ...ctx.calls[0]!, usage: { ...ctx.calls[0]!.usage, input_tokens: 'many' } }],
    };
    const read = async (n: number, doc: unknown) => {
      const file = path.join(dir, `chain-${String(n).padStart(3, '0')}-x-2026-01-01-00-00-00.json`);
      await writeFile(file, JSON.stringify(doc));
      try {
        return { ok: await readChainFile(file) };
      } catch (err) {
        return { error: (err as Error).message.replace(file, 'FILE') };
      }
    };
    const results = [];
    for (let n = 1; n <= 8; n++) results.push(await read(n, n % 2 ? valid : broken));
    const oks = results.filter((r) => 'ok' in r);
    const errors = results.filter((r) => 'error' in r);
    expect(oks).toHaveLength(4);
    expect(errors).toHaveLength(4);
    for (const r of oks) expect(r).toEqual(oks[0]);
    expect((oks[0] as { ok: { instructions: unknown } }).ok.instructions).toEqual([]);
    for (const r of errors) expect(r).toEqual(errors[0]);
    expect((errors[0] as { error: string }).error).toMatch(/not a claude-exec context file \(.*status.*\)/);
  });
});
