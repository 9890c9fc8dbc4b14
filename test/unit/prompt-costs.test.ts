import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildPrefix } from '../../src/engine/deps.js';
import {
  PROMPT_COSTS_FILE,
  readCostClasses,
  recordChainCosts,
  rewriteCosts,
  costClassOf,
} from '../../src/cost/promptCosts.js';
import { defaultConfig } from '../../src/config/schema.js';
import { builtinPromptsDir, readPromptDir } from '../../src/library/load.js';
import { createCatalog } from '../../src/library/catalog.js';
import { chainOf, discoverySteps } from '../helpers/memory.js';
import type { ChainContext } from '../../src/chain/schema.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'claude-exec-costs-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A chain whose trace_existing_flow runs each cost `tokens` uncached tokens (plus cache reads, not counted). */
function chainWithRuns(uid: string, tokens: number[]): ChainContext {
  const ctx = { ...chainOf(discoverySteps(tokens.length * 2, 1)), chain_uid: uid };
  ctx.calls = ctx.steps
    .filter((s) => s.prompt === 'trace_existing_flow')
    .map((s, i) => ({
      id: i + 1,
      step: s.n,
      phase: s.phase,
      prompt: s.prompt,
      model: 'm',
      request_id: null,
      started_at: '',
      latency_ms: 1,
      usage: {
        input_tokens: tokens[i]! - 100,
        output_tokens: 100,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 9_000,
      },
      cost_usd: 0,
      pricing_version: 't',
    }));
  return ctx;
}

describe('measured cost classes', () => {
  it.each([
    [99, 'minimal'],
    [100, 'low'],
    [999, 'low'],
    [1_000, 'medium'],
    [4_999, 'medium'],
    [5_000, 'high'],
  ] as const)('%d uncached tokens per run is %s', (tokens, cls) => {
    expect(costClassOf(tokens)).toBe(cls);
  });

  it('takes the median of the latest runs once a prompt has 3, counts a chain once, and puts the class in the catalog text', async () => {
    recordChainCosts(dir, chainWithRuns('uid-a-00000001', [6_000, 7_000]));
    expect(readCostClasses(dir)).toEqual({});
    const b = chainWithRuns('uid-b-00000002', [8_000]);
    recordChainCosts(dir, b);
    recordChainCosts(dir, b);
    expect(
      JSON.parse(await readFile(path.join(dir, PROMPT_COSTS_FILE), 'utf8')).samples.trace_existing_flow,
    ).toEqual([6_000, 7_000, 8_000]);
    expect(readCostClasses(dir)).toEqual({ trace_existing_flow: 'high' });
    const { docs } = await readPromptDir(builtinPromptsDir(), 'built-in');
    const prefix = buildPrefix(createCatalog(docs), 'rules', defaultConfig(), readCostClasses(dir));
    expect(prefix.catalog).toMatch(/^trace_existing_flow \[high\] /m);
    expect(buildPrefix(createCatalog(docs), 'rules', defaultConfig()).catalog).toMatch(
      /^trace_existing_flow \[medium\] /m,
    );
    rewriteCosts(dir, [chainWithRuns('uid-c-00000003', [500, 600, 700])]);
    expect(readCostClasses(dir)).toEqual({ trace_existing_flow: 'low' });
  });

  it('reads a missing or damaged file as no measurements', async () => {
    expect(readCostClasses(path.join(dir, 'nope'))).toEqual({});
    await writeFile(path.join(dir, PROMPT_COSTS_FILE), '{ nope');
    expect(readCostClasses(dir)).toEqual({});
  });
});
