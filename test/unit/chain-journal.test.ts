import { appendFile, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newChainContext } from '../../src/chain/init.js';
import { journalName } from '../../src/chain/journal.js';
import type { CallRecord, ChainContext, Step } from '../../src/chain/schema.js';
import { testCall, testStep } from '../helpers/journal-records.js';
import { readChainFile, saveChainSync } from '../../src/chain/store.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import { scanChains } from '../../src/cost/scan.js';
import { deriveCostTracking } from '../../src/cost/tracking.js';
import { ContextFileError } from '../../src/errors.js';
import { fakeChain } from '../helpers/chains.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'claude-exec-journal-'));
  file = path.join(dir, 'chain-001-jwt-2026-01-01-00-00-00.json');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const journal = () => path.join(dir, journalName(file));
const base = (): ChainContext =>
  newChainContext({
    chainId: '001',
    chainUid: 'uid-journal-001',
    goal: 'Add JWT',
    slug: 'jwt',
    workspace: dir,
    model: 'm',
    models: { fast: 'm', default: 'm', smart: 'm' },
    now: new Date(Date.UTC(2026, 0, 1)),
  });

const call = (id: number, step: number) => testCall(id, step);
const step = testStep;
function withCalls(ctx: ChainContext, calls: CallRecord[], steps: Step[]): ChainContext {
  ctx.calls.push(...calls);
  ctx.steps = steps;
  ctx.cost_tracking = deriveCostTracking(ctx.calls);
  return ctx;
}

describe('the context file and its journal', () => {
  it('appends finished steps and their calls to the journal; the head keeps the running step and its calls; reading joins them', async () => {
    const ctx = withCalls(
      base(),
      [call(1, 1), call(2, 1), call(3, 2)],
      [step(1, 'complete'), step(2, 'running')],
    );
    saveChainSync(file, ctx);
    const head = JSON.parse(await readFile(file, 'utf8'));
    expect(head).toMatchObject({
      schema_version: 2,
      journal: { file: journalName(file), calls: 2, steps: 1 },
    });
    expect(head.calls.map((c: CallRecord) => c.id)).toEqual([3]);
    expect(head.steps.map((s: Step) => s.n)).toEqual([2]);
    expect(
      (await readFile(journal(), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => Object.keys(JSON.parse(l))[0]),
    ).toEqual(['call', 'call', 'step']);
    const back = await readChainFile(file);
    expect(back.calls).toEqual(ctx.calls);
    expect(back.steps).toEqual(ctx.steps);
    expect(ctx.journal).toEqual(head.journal);
  });

  it('appends only what is new on the next save; a step (and a call) is journaled once every step before it has finished', async () => {
    const ctx = withCalls(base(), [call(1, 2), call(2, 1)], [step(1, 'running'), step(2, 'complete')]);
    saveChainSync(file, ctx);
    expect(ctx.journal).toMatchObject({ calls: 1, steps: 0 });
    const bytes = (await stat(journal())).size;
    ctx.steps[0] = step(1, 'complete');
    withCalls(ctx, [call(3, 2)], ctx.steps);
    saveChainSync(file, ctx);
    expect(ctx.journal).toMatchObject({ calls: 3, steps: 2 });
    const text = await readFile(journal(), 'utf8');
    expect(text.slice(0, bytes).split('\n').filter(Boolean)).toHaveLength(1);
    expect(text.split('\n').filter(Boolean)).toHaveLength(5);
    expect((await readChainFile(file)).steps.map((s) => s.status)).toEqual(['complete', 'complete']);
  });

  it('ignores journal bytes past the index (a crash before the head was written), and the next save cuts them off', async () => {
    const ctx = withCalls(base(), [call(1, 1)], [step(1, 'complete')]);
    saveChainSync(file, ctx);
    await appendFile(journal(), `${JSON.stringify({ call: call(2, 1) })}\n{"call": {"id": 3, "trunc`);
    expect((await readChainFile(file)).calls.map((c) => c.id)).toEqual([1]);
    withCalls(ctx, [call(2, 1)], ctx.steps);
    saveChainSync(file, ctx);
    expect((await readFile(journal(), 'utf8')).split('\n').filter(Boolean)).toHaveLength(3);
    expect((await readChainFile(file)).calls.map((c) => c.id)).toEqual([1, 2]);
  });

  it('reports a journal shorter than its index or with a damaged line, and never writes to it', async () => {
    const ctx = withCalls(base(), [call(1, 1), call(2, 1)], [step(1, 'complete')]);
    saveChainSync(file, ctx);
    const head = await readFile(file, 'utf8');
    await truncate(journal(), 10);
    await expect(readChainFile(file)).rejects.toThrow(/journal .* is shorter \(10 bytes\) than indexed/);
    withCalls(ctx, [call(3, 1)], ctx.steps);
    expect(() => saveChainSync(file, ctx)).toThrow(ContextFileError);
    expect((await stat(journal())).size).toBe(10);
    expect(await readFile(file, 'utf8')).toBe(head);
    await writeFile(
      journal(),
      `not json at all, but long enough to cover the indexed bytes ${'x'.repeat(2000)}\n`,
    );
    await expect(readChainFile(file)).rejects.toThrow(/journal .* is damaged at line 1/);
  });

  it('reads a version-1 file (everything inline, the solution as presented) and writes it as version 2', async () => {
    const v1 = withCalls(base(), [call(1, 1)], [step(1, 'complete')]) as Record<string, unknown>;
    delete v1.journal;
    delete v1.solution_versions;
    delete v1.requirements;
    Object.assign(v1, {
      schema_version: 1,
      solution: '## Plan A',
      approval_history: [
        {
          phase: 'solution-approval',
          kind: 'solution',
          presented: '## Plan A',
          user_response: 'approved',
          note: null,
          timestamp: '2026-01-01T01:00:00.000Z',
        },
      ],
    });
    await writeFile(file, JSON.stringify(v1, null, 2));
    const ctx = await readChainFile(file);
    expect(ctx).toMatchObject({ schema_version: 2, journal: null, requirements: [] });
    expect(ctx.solution_versions).toMatchObject([{ version: 1, text: '## Plan A', status: 'approved' }]);
    saveChainSync(file, ctx);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({
      schema_version: 2,
      calls: [],
      journal: { calls: 1, steps: 1 },
    });
    expect((await readChainFile(file)).calls).toEqual(ctx.calls);
  });

  it("cost-report sums the journal's calls like inline ones", async () => {
    const { ctx } = fakeChain({
      n: 1,
      startedAt: new Date(Date.UTC(2026, 0, 1)),
      calls: 30,
      table: loadPriceTable(),
    });
    const inline = path.join(dir, 'chain-001-jwt-auth-2026-01-01-00-00-00.json');
    await writeFile(inline, JSON.stringify(ctx));
    const fromInline = await scanChains([dir], {}, () => undefined);
    saveChainSync(inline, { ...ctx, journal: null });
    expect(JSON.parse(await readFile(inline, 'utf8')).calls).toEqual([]);
    const warnings: string[] = [];
    const fromJournal = await scanChains([dir], {}, (m) => warnings.push(m));
    expect(warnings).toEqual([]);
    expect(fromJournal.totals).toEqual(fromInline.totals);
    expect(fromJournal.chains[0]!.totals.calls).toBe(30);
    await truncate(path.join(dir, journalName(inline)), 5);
    const damaged: string[] = [];
    expect((await scanChains([dir], {}, (m) => damaged.push(m))).chains).toEqual([]);
    expect(damaged[0]).toMatch(/skipped, its journal .* is shorter/);
  });

  it('cost-report reads only the indexed bytes of a journal: a torn tail is ignored, a character of several bytes counted as bytes', async () => {
    const { ctx } = fakeChain({
      n: 1,
      startedAt: new Date(Date.UTC(2026, 0, 1)),
      calls: 12,
      table: loadPriceTable(),
    });
    ctx.calls = ctx.calls.map((c, i) => (i % 3 ? c : { ...c, prompt: 'résumé_prompt' }));
    const file = path.join(dir, 'chain-001-jwt-auth-2026-01-01-00-00-00.json');
    await writeFile(file, JSON.stringify(ctx));
    const inline = await scanChains([dir], {}, () => undefined);
    saveChainSync(file, { ...ctx, journal: null });
    const journal = path.join(dir, journalName(file));
    await appendFile(journal, '{"call":{"torn');
    const warnings: string[] = [];
    const fromJournal = await scanChains([dir], {}, (m) => warnings.push(m));
    expect(warnings).toEqual([]);
    expect(fromJournal.totals).toEqual(inline.totals);
    expect(fromJournal.totals.groups('prompt').get('résumé_prompt')!.calls).toBe(4);
  });
});
