/**
 * `prompts eval` in process against the fake Messages API with priced models: a model-graded
 * rubric is graded by the named judge (which is sent the rubric and the result), cost ceilings are
 * checked against the price table, and once --max-cost is spent no further case is started.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBaseDeps } from '../../src/engine/deps.js';
import { evaluatePrompts } from '../../src/features/library/promptEval.js';
import { costOfCall, loadPriceTable } from '../../src/cost/prices.js';
import { listRuns } from '../../src/evals/store.js';
import { startFakeAnthropic, toolReply, type FakeServer } from '../helpers/fake-anthropic.js';
import { silentUi } from '../helpers/ui.js';
import { makeTempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

let server: FakeServer;
let ws: TempWorkspace;
const none = {
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
};
const PROMPT_USAGE = { input_tokens: 180_000, output_tokens: 2_000, ...none };
const JUDGE_USAGE = { input_tokens: 3_000, output_tokens: 100, ...none };

beforeEach(async () => {
  server = await startFakeAnthropic({
    responder: (req) => {
      const text = JSON.stringify(req.body.messages);
      // The judge passes a result only when the result it is shown says what a limited client receives.
      if (req.body.tools?.some((t: { name: string }) => t.name === 'record_grade')) {
        const ok = text.includes('Retry-After');
        return toolReply(
          'record_grade',
          {
            pass: ok,
            score: ok ? 0.9 : 0.1,
            reason: ok ? 'names 429 and Retry-After' : 'no refusal described',
          },
          JUDGE_USAGE,
        );
      }
      return toolReply(
        'record_findings',
        {
          summary: 'POST /notes past the limit answers 429 with Retry-After.',
          verdict: { passed: true, blocking_issues: [] },
        },
        PROMPT_USAGE,
      );
    },
  });
  ws = await makeTempWorkspace();
  const dir = path.join(ws.root, 'prompts', 'evals', 'code_reviewer');
  await mkdir(dir, { recursive: true });
  const kase = (extra: string) =>
    `description: d\ninputs:\n  goal: "Add rate limiting to POST /notes"\nassert:\n  - { type: fields, value: [verdict] }\n${extra}`;
  await writeFile(
    path.join(dir, 'a-graded.yaml'),
    kase(
      '  - { type: llm-rubric, judge: claude-haiku-4-5, rubric: "Says what a client over the limit receives.", min_score: 0.5 }\n  - { type: cost, max_usd: 0.01 }\n',
    ),
  );
  await writeFile(path.join(dir, 'b-later.yaml'), kase(''));
  await writeFile(path.join(dir, 'c-later.yaml'), kase(''));
});
afterEach(async () => {
  await server.close();
  await ws.cleanup();
});

describe('prompts eval with priced models', () => {
  it('grades a rubric with the named judge, fails a cost ceiling, and starts no case once --max-cost is spent', async () => {
    const base = await createBaseDeps(ws.root, {
      ui: silentUi,
      yes: true,
      trusted: true,
      env: { ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: 'sk-test-evals-0001' },
    });
    const lines: string[] = [];
    const contextsDir = path.join(ws.root, 'contexts');
    const { run } = await evaluatePrompts(base, {
      names: ['code_reviewer'],
      models: ['claude-sonnet-4-6'],
      repeat: 1,
      maxCostUsd: 0.5,
      concurrency: 1,
      contextsDir,
      onProgress: (l) => lines.push(l),
    });

    // Cases run in name order (built-in and workspace together); one at a time, the first spends the budget.
    expect(run.results.map((r) => r.case)).toEqual(['a-graded']);
    expect(run.skipped.every((s) => s.reason === '--max-cost $0.5 reached')).toBe(true);
    expect(run.skipped.map((s) => s.case).sort()).toEqual([
      'b-later',
      'c-later',
      'finished-limiter',
      'notes',
    ]);
    expect(lines.filter((l) => l.includes('skipped (--max-cost $0.5 reached)'))).toHaveLength(
      run.skipped.length,
    );

    const prices = loadPriceTable({});
    const caseCost =
      costOfCall(PROMPT_USAGE, 'claude-sonnet-4-6', prices).cost_usd! +
      costOfCall(JUDGE_USAGE, 'claude-haiku-4-5', prices).cost_usd!;
    expect(caseCost).toBeGreaterThan(0.5);
    expect(run.results[0]!.cost_usd).toBeCloseTo(caseCost, 6);
    expect(run.totals).toMatchObject({ runs: 1, skipped: run.skipped.length });
  });

  it('sends the judge the rubric and the result, and counts its cost in the case', async () => {
    const base = await createBaseDeps(ws.root, {
      ui: silentUi,
      yes: true,
      trusted: true,
      env: { ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: 'sk-test-evals-0001' },
    });
    const contextsDir = path.join(ws.root, 'contexts');
    const { run } = await evaluatePrompts(base, {
      names: ['code_reviewer'],
      models: ['claude-sonnet-4-6'],
      repeat: 1,
      maxCostUsd: null,
      concurrency: 2,
      contextsDir,
      onProgress: () => undefined,
    });
    const graded = run.results.find((r) => r.case === 'a-graded')!;
    expect(graded.assertions.map((a) => [a.type, a.pass])).toEqual([
      ['fields', true],
      ['llm-rubric', true],
      ['cost', false],
    ]);
    expect(graded.assertions[1]!.detail).toBe(
      'claude-haiku-4-5: score 0.90 (min 0.5): names 429 and Retry-After',
    );
    expect(graded).toMatchObject({ pass: false, score: (1 + 0.9 + 0) / 3 });
    const prices = loadPriceTable({});
    const expected =
      costOfCall(PROMPT_USAGE, 'claude-sonnet-4-6', prices).cost_usd! +
      costOfCall(JUDGE_USAGE, 'claude-haiku-4-5', prices).cost_usd!;
    expect(graded.cost_usd).toBeCloseTo(expected, 6);
    expect(graded.assertions[2]!.detail).toBe(`$${expected.toFixed(4)} of at most $0.01`);

    const judged = server.requests.filter((q) =>
      q.body?.tools?.some((t: { name: string }) => t.name === 'record_grade'),
    );
    expect(judged).toHaveLength(1);
    expect(judged[0]!.body.model).toBe('claude-haiku-4-5');
    const sent = JSON.stringify(judged[0]!.body.messages);
    expect(sent).toContain('Says what a client over the limit receives.');
    expect(sent).toContain('POST /notes past the limit answers 429 with Retry-After.');
    expect(sent).toContain('Add rate limiting to POST /notes');
    expect(run.results.filter((r) => r.case.endsWith('later')).every((r) => r.pass)).toBe(true);
    expect((await listRuns(contextsDir)).map((r) => r.run_id)).toEqual([run.run_id]);
  });
});
