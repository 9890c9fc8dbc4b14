/**
 * serve's `/api/chains`: read from the chain index, the same rows `chains --json --all` gives,
 * and the document built last given again while nothing it shows can have changed: no contexts
 * directory changed, no running chain's driver died.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { saveChainSync } from '../../src/chain/store.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import { documentFor } from '../../src/web/documents.js';
import { fakeChain } from '../helpers/chains.js';

const table = loadPriceTable();
const url = new URL('http://127.0.0.1/api/chains');
type Doc = { chains: { chain_id: string; status: string }[]; hidden: number };

describe('/api/chains', () => {
  it("is given again while nothing changed, and rebuilt after a save or when a running chain's driver dies", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'claude-exec-web-list-'));
    const src = { dirs: [dir], flags: [], onWarning: () => undefined };
    const one = fakeChain({ n: 1, startedAt: new Date(Date.UTC(2026, 0, 1)), calls: 3, table });
    const two = fakeChain({ n: 2, startedAt: new Date(Date.UTC(2026, 0, 2)), calls: 0, table });
    two.ctx.status = 'failed';
    saveChainSync(path.join(dir, one.file), one.ctx);
    saveChainSync(path.join(dir, two.file), two.ctx);
    const first = (await documentFor(url, src)).doc as Doc;
    expect(first.chains.map((c) => [c.chain_id, c.status])).toEqual([['001', 'complete']]);
    expect(first.hidden).toBe(1);
    expect(((await documentFor(new URL('?all=1', url), src)).doc as Doc).chains).toHaveLength(2);
    expect((await documentFor(url, src)).doc).toBe(first);

    // A save: the chain is running, driven by a process that then dies.
    const file = path.join(dir, one.file);
    saveChainSync(file, { ...one.ctx, status: 'running' });
    const child = execa('node', ['-e', 'setTimeout(() => {}, 60000)']);
    writeFileSync(`${file}.owner`, JSON.stringify({ pid: child.pid, host: os.hostname() }));
    const running = (await documentFor(url, src)).doc as Doc;
    expect(running).not.toBe(first);
    expect(running.chains[0]!.status).toBe('running');
    expect((await documentFor(url, src)).doc).toBe(running);
    child.kill('SIGKILL');
    await child.catch(() => undefined);
    const after = (await documentFor(url, src)).doc as Doc;
    expect(after.chains[0]!.status).toBe('cancelled');
  });
});
