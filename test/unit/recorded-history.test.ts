/**
 * A recorded chain (--record) is history like any other: its context file counts in `prompts stats`
 * and in the forecast, and the cassette beside it is neither read as a chain nor reported as corrupt.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { forecastFor } from '../../src/features/learning/forecast.js';
import { promptStats } from '../../src/features/learning/promptStats.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import { createCatalog } from '../../src/library/catalog.js';
import { builtinPromptsDir, readPromptDir } from '../../src/library/load.js';
import { cassettePath, CassetteRecorder, readCassette } from '../../src/llm/cassette.js';
import { fakeChain } from '../helpers/chains.js';

describe('a recorded chain feeds prompts stats and the forecast', () => {
  it('counts the context file once and leaves the cassette beside it alone', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'claude-exec-recorded-'));
    const prices = loadPriceTable({});
    const { file, ctx } = fakeChain({
      n: 1,
      startedAt: new Date('2026-01-01T00:00:00Z'),
      calls: 12,
      table: prices,
    });
    const contextFile = path.join(dir, file);
    writeFileSync(contextFile, JSON.stringify(ctx));
    new CassetteRecorder([]).open(cassettePath(contextFile), {
      chain_id: ctx.chain_id,
      goal: ctx.goal,
      created_at: ctx.created_at,
      workspace: '/w',
      flags: ['--yes'],
      commit: null,
      prefix: '',
    });
    expect(readCassette(cassettePath(contextFile))).toHaveLength(1);

    const stats = await promptStats([dir]);
    expect(stats.skipped).toEqual([]);
    expect(stats.chains).toBe(1);
    const ran = new Set(ctx.steps.map((s) => s.prompt));
    expect(stats.prompts.map((p) => p.name).sort()).toEqual([...ran].sort());

    const catalog = createCatalog((await readPromptDir(builtinPromptsDir(), 'built-in')).docs);
    const f = await forecastFor('Translate the error messages into French', [dir], {
      catalog,
      model: 'claude-sonnet-4-5',
      prices,
    });
    expect(f.basis).toBe('prompt-costs');
    const measured = Object.entries(f.measured_runs ?? {})
      .filter(([, n]) => n > 0)
      .map(([p]) => p);
    expect(measured.length).toBeGreaterThan(0);
    expect(measured.every((p) => ran.has(p))).toBe(true);
  });
});
