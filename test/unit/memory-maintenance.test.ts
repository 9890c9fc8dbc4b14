import { describe, expect, it } from 'vitest';
import type { ChainContext } from '../../src/chain/schema.js';
import { maintenanceDue, type MaintenanceSettings } from '../../src/memory/maintenance.js';
import { addStep, chainOf, discoverySteps } from '../helpers/memory.js';

const settings: MaintenanceSettings = {
  healthEvery: 10,
  budgetTokens: 10_000,
  compactAt: 0.8,
  healthFloor: 6,
};
const health = (ctx: ChainContext, score: number) =>
  addStep(ctx, {
    prompt: 'context_health_checker',
    phase: 'context-building',
    result: { summary: `${score}/10`, context_health: score },
  });
const preserve = (ctx: ChainContext) =>
  addStep(ctx, {
    prompt: 'context_preservation',
    phase: 'context-building',
    result: { summary: 'compacted', digest: ['x'] },
  });

interface Row {
  name: string;
  ctx: () => ChainContext;
  fullTokens: number;
  settings?: Partial<MaintenanceSettings>;
  due: string | null;
}

const rows: Row[] = [
  {
    name: 'nothing due on a short chain',
    ctx: () => chainOf(discoverySteps(3, 2)),
    fullTokens: 1_000,
    due: null,
  },
  {
    name: 'a health check after 10 steps',
    ctx: () => chainOf(discoverySteps(10, 2)),
    fullTokens: 1_000,
    due: 'context_health_checker',
  },
  {
    name: 'no health check when the interval is 0',
    ctx: () => chainOf(discoverySteps(30, 2)),
    fullTokens: 1_000,
    settings: { healthEvery: 0 },
    due: null,
  },
  {
    name: 'the next health check 10 steps after the last one',
    ctx: () => chainOf(discoverySteps(9, 2), health(chainOf(discoverySteps(10, 2)), 8)),
    fullTokens: 1_000,
    due: null,
  },
  {
    name: 'compaction past 80% of the budget',
    ctx: () => chainOf(discoverySteps(4, 2)),
    fullTokens: 8_001,
    due: 'context_preservation',
  },
  {
    name: 'no compaction at exactly 80%',
    ctx: () => chainOf(discoverySteps(4, 2)),
    fullTokens: 8_000,
    due: null,
  },
  {
    name: 'compaction when the health check scored below 6',
    ctx: () => health(chainOf(discoverySteps(10, 2)), 5),
    fullTokens: 1_000,
    due: 'context_preservation',
  },
  {
    name: 'a low score compacts once: not again right after a compaction',
    ctx: () => chainOf(discoverySteps(3, 2), preserve(health(chainOf(discoverySteps(10, 2)), 5))),
    fullTokens: 1_000,
    due: null,
  },
  {
    name: 'no compaction with fewer than 3 new steps since the last digest, however large the memory',
    ctx: () => chainOf(discoverySteps(2, 2), preserve(chainOf(discoverySteps(5, 2)))),
    fullTokens: 50_000,
    due: null,
  },
  {
    name: 'compaction again once 3 new steps have findings',
    ctx: () => chainOf(discoverySteps(3, 2), preserve(chainOf(discoverySteps(5, 2)))),
    fullTokens: 50_000,
    due: 'context_preservation',
  },
  {
    name: 'a failed health check counts as run (not retried before the next interval)',
    ctx: () =>
      addStep(chainOf(discoverySteps(10, 2)), {
        prompt: 'context_health_checker',
        phase: 'context-building',
        result: { summary: 'x' },
        status: 'failed',
        error: 'invalid',
      }),
    fullTokens: 1_000,
    due: null,
  },
];

describe('maintenanceDue', () => {
  it.each(rows)('$name', (row) => {
    expect(maintenanceDue(row.ctx(), { ...settings, ...row.settings }, row.fullTokens)?.prompt ?? null).toBe(
      row.due,
    );
  });

  it('says why, for the step focus', () => {
    expect(maintenanceDue(chainOf(discoverySteps(4, 2)), settings, 9_500)?.reason).toMatch(
      /9,500 tokens, past 80% of its 10,000-token budget/,
    );
  });
});
