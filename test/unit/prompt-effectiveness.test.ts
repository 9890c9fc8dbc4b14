import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  promotePrompt,
  promotionCandidates,
  promotionShortfalls,
} from '../../src/features/library/promote.js';
import { computePromptStats } from '../../src/features/learning/promptStats.js';
import { openLibrary } from '../../src/features/library/prompts.js';
import { newChainContext } from '../../src/chain/init.js';
import { chainFileName } from '../../src/chain/names.js';
import type { CallRecord, ChainContext, SolutionVersion, Step } from '../../src/chain/schema.js';
import { UsageError } from '../../src/errors.js';
import type { EvalRun } from '../../src/evals/run.js';
import { saveRun } from '../../src/evals/store.js';
import { tempDir, writePrompt } from '../helpers/prompt-files.js';

const noUser = '/nonexistent/claude-exec-user-prompts';

function step(n: number, prompt: string, over: Partial<Step> = {}): Step {
  return {
    n,
    phase: 'context-building',
    prompt,
    focus: null,
    status: 'complete',
    started_at: '',
    ended_at: null,
    summary: 's',
    confidence_before: null,
    confidence_after: null,
    effect: n,
    error: null,
    confidence_reported: null,
    confidence_gain: null,
    ...over,
  } as Step;
}

function call(id: number, stepN: number, input: number, cost: number | null): CallRecord {
  return {
    id,
    step: stepN,
    phase: 'context-building',
    prompt: 'x',
    model: 'm',
    request_id: null,
    started_at: '',
    latency_ms: 1,
    usage: { input_tokens: input, output_tokens: 0 },
    cost_usd: cost,
    pricing_version: 't',
  };
}

function chain(
  uid: string,
  steps: Step[],
  calls: CallRecord[],
  extra: Partial<ChainContext> = {},
): ChainContext {
  const ctx = newChainContext({
    chainId: '001',
    chainUid: uid,
    goal: 'g',
    slug: 'g',
    workspace: '/w',
    model: 'm',
    models: { fast: 'f', default: 'm', smart: 's' },
    now: new Date('2026-01-01T00:00:00Z'),
  });
  return { ...ctx, steps, calls, ...extra };
}

const version = (prompt: string, status: SolutionVersion['status']): SolutionVersion => ({
  version: 1,
  step: 3,
  prompt,
  created_at: '',
  text: 'design',
  reason: null,
  status,
  decided_at: null,
  presentation: null,
  presentation_step: null,
  file_plan: null,
  file_plan_step: null,
  implementation_plan: null,
});

describe('prompt effectiveness aggregation', () => {
  // Chain A: trace (2 findings, one cited by step 3), a failed then retried mapper, a synthesizer whose design was rejected.
  const a = chain(
    'uid-aaaaaaaa',
    [
      step(1, 'trace_existing_flow', {
        result: { summary: 's', findings: ['login in app.js', 'session in mw.js'] },
        confidence_gain: 0.2,
      }),
      step(2, 'queue_mapper', { status: 'failed', result: undefined }),
      step(3, 'queue_mapper', {
        result: { summary: 's', findings: ['retry every 5s'], cites: ['F1.2', 'AC1'] },
        confidence_gain: 0.1,
      }),
      step(4, 'solution_synthesizer', {
        result: { summary: 's', cites: ['F3.1', 'F1.2'] },
        confidence_gain: 0.3,
      }),
    ],
    [
      call(1, 1, 100, 0.01),
      call(2, 1, 50, 0.02),
      call(3, 2, 10, 0.001),
      call(4, 3, 200, 0.05),
      call(5, 4, 300, null),
    ],
    {
      generated_prompts: [
        { name: 'queue_mapper', reason: 'queues', path: '/w/prompts/custom/queue_mapper.md' },
      ],
      solution_versions: [version('solution_synthesizer', 'rejected')],
    },
  );
  // Chain B: trace again (its one finding never cited), cheaper.
  const b = chain(
    'uid-bbbbbbbb',
    [step(1, 'trace_existing_flow', { result: { summary: 's', findings: ['x'] }, confidence_gain: 0 })],
    [call(1, 1, 40, 0.004)],
  );

  it('counts runs and chains, median tokens and cost, gains with their dimensions, citations, retries and rejections', () => {
    const stats = computePromptStats([a, b, structuredClone(b)]);
    const by = Object.fromEntries(stats.map((s) => [s.name, s]));
    expect(by.trace_existing_flow).toMatchObject({
      runs: 2,
      chains: 2,
      findings: 3,
      cited: 1,
      retries: 0,
      rejected: 0,
      generated: false,
      dimensions: [],
      median_tokens: (150 + 40) / 2,
    });
    expect(by.trace_existing_flow!.median_cost_usd).toBeCloseTo((0.03 + 0.004) / 2, 10);
    expect(by.trace_existing_flow!.citation_rate).toBeCloseTo(1 / 3, 10);
    expect(by.trace_existing_flow!.avg_confidence_gain).toBeCloseTo(0.1, 10);
    // F3.1 is cited by step 4; the failed run produced nothing; the second run is a retry.
    expect(by.queue_mapper).toMatchObject({
      runs: 2,
      chains: 1,
      failures: 1,
      retries: 1,
      findings: 1,
      cited: 1,
      citation_rate: 1,
      generated: true,
      median_tokens: 200,
    });
    // An unpriced call leaves the run out of the median cost; the rejected version is its correction.
    expect(by.solution_synthesizer).toMatchObject({
      runs: 1,
      rejected: 1,
      dimensions: ['technical_approach'],
      median_cost_usd: null,
      findings: 0,
      citation_rate: null,
    });
  });

  it('does not count a citation by an earlier step, nor one of an id the step did not produce', () => {
    const c = chain(
      'uid-cccccccc',
      [
        step(1, 'p_one', { result: { summary: 's', cites: ['F2.1'] } }),
        step(2, 'p_two', { result: { summary: 's', findings: ['f'] } }),
        step(3, 'p_three', { result: { summary: 's', cites: ['F2.9'] } }),
      ],
      [],
    );
    const two = computePromptStats([c]).find((s) => s.name === 'p_two')!;
    expect(two).toMatchObject({ findings: 1, cited: 0, citation_rate: 0 });
  });

  it('offers a generated prompt only when it meets every threshold, and names what it misses', async () => {
    const gen = (uid: string, gain: number) =>
      chain(uid, [step(1, 'queue_mapper', { result: { summary: 's' }, confidence_gain: gain })], [], {
        generated_prompts: [{ name: 'queue_mapper', reason: 'q', path: 'p' }],
      });
    const ws = await tempDir('claude-exec-promote-');
    await writePrompt(path.join(ws, 'prompts'), 'custom', { name: 'queue_mapper' });
    const { catalog } = await openLibrary(ws, { userDir: noUser });
    const two = computePromptStats([gen('uid-11111111', 0.2), gen('uid-22222222', 0.2)]);
    expect(promotionCandidates(two, catalog)).toEqual([]);
    expect(promotionShortfalls(two[0]!)).toEqual(['ran in 2 chain(s), needs 3']);
    const weak = computePromptStats([
      gen('uid-11111111', 0.01),
      gen('uid-22222222', 0.02),
      gen('uid-33333333', 0.03),
    ]);
    expect(promotionShortfalls(weak[0]!)).toEqual(['mean confidence gain 2.0 pts, needs 5']);
    const good = computePromptStats([
      gen('uid-11111111', 0.1),
      gen('uid-22222222', 0.2),
      gen('uid-33333333', 0),
    ]);
    expect(promotionCandidates(good, catalog)).toEqual([
      {
        name: 'queue_mapper',
        chains: 3,
        runs: 3,
        avg_confidence_gain: expect.closeTo(0.1, 10),
        citation_rate: null,
      },
    ]);
    // A built-in prompt is never offered, even with the figures.
    const builtin = computePromptStats(
      [0, 1, 2].map((i) =>
        chain(`uid-b${i}bbbbbbb`, [step(1, 'trace_existing_flow', { confidence_gain: 0.5 })], [], {
          generated_prompts: [{ name: 'trace_existing_flow', reason: 'r', path: 'p' }],
        }),
      ),
    );
    expect(promotionCandidates(builtin, catalog)).toEqual([]);
  });

  it('promotes: moves the file, writes its history, refuses an unqualified prompt without --force', async () => {
    const ws = await tempDir('claude-exec-promote-');
    await writePrompt(path.join(ws, 'prompts'), 'custom', { name: 'queue_mapper' });
    const contexts = path.join(ws, 'contexts');
    await fs.mkdir(contexts);
    const write = async (n: number, gain: number) => {
      const c = chain(
        `uid-${n}xxxxxxxx`,
        [step(1, 'queue_mapper', { result: { summary: 's' }, confidence_gain: gain })],
        [],
        { generated_prompts: [{ name: 'queue_mapper', reason: 'map the queues', path: 'p' }] },
      );
      c.chain_id = String(n).padStart(3, '0');
      await fs.writeFile(
        path.join(contexts, chainFileName(c.chain_id, 'g', new Date(2026, 0, n))),
        JSON.stringify(c),
      );
    };
    await write(1, 0.2);
    await write(2, 0.1);
    let { catalog } = await openLibrary(ws, { userDir: noUser });
    const refused = promotePrompt(ws, catalog, 'queue_mapper', {
      category: 'discovery',
      contextDirs: [contexts],
    });
    await expect(refused).rejects.toBeInstanceOf(UsageError);
    await expect(refused).rejects.toThrow(/ran in 2 chain\(s\), needs 3/);
    await expect(
      promotePrompt(ws, catalog, 'trace_existing_flow', { category: 'discovery', contextDirs: [contexts] }),
    ).rejects.toThrow(/not a generated prompt of this workspace/);
    await expect(
      promotePrompt(ws, catalog, 'queue_mapper', {
        category: 'custom',
        contextDirs: [contexts],
        force: true,
      }),
    ).rejects.toThrow(/bad category/);
    await write(3, 0.15);
    const r = await promotePrompt(ws, catalog, 'queue_mapper', {
      category: 'discovery',
      contextDirs: [contexts],
      now: new Date('2026-02-01T00:00:00Z'),
    });
    expect(r.to).toBe(path.join(ws, 'prompts', 'discovery', 'queue_mapper.md'));
    await expect(fs.access(path.join(ws, 'prompts', 'custom', 'queue_mapper.md'))).rejects.toThrow();
    const history = JSON.parse(await fs.readFile(r.history, 'utf8'));
    expect(history).toMatchObject({
      name: 'queue_mapper',
      promoted_at: '2026-02-01T00:00:00.000Z',
      from: path.join('prompts', 'custom', 'queue_mapper.md'),
      to: path.join('prompts', 'discovery', 'queue_mapper.md'),
      shortfalls: [],
    });
    expect(
      history.chains.map((c: { chain_id: string; generated_for: string }) => [c.chain_id, c.generated_for]),
    ).toEqual([
      ['001', 'map the queues'],
      ['002', 'map the queues'],
      ['003', 'map the queues'],
    ]);
    expect(history.stats.avg_confidence_gain).toBeCloseTo(0.15, 10);
    ({ catalog } = await openLibrary(ws, { userDir: noUser }));
    expect(catalog.get('queue_mapper')).toMatchObject({ category: 'discovery', layer: 'workspace' });
  });

  it('refuses a version whose eval cases pass less often than the version before it, unless forced', async () => {
    const ws = await tempDir('claude-exec-promote-');
    await writePrompt(path.join(ws, 'prompts'), 'custom', { name: 'queue_mapper' });
    const contexts = path.join(ws, 'contexts');
    await fs.mkdir(contexts);
    for (const n of [1, 2, 3]) {
      const c = chain(
        `uid-${n}xxxxxxxx`,
        [step(1, 'queue_mapper', { result: { summary: 's' }, confidence_gain: 0.2 })],
        [],
        { generated_prompts: [{ name: 'queue_mapper', reason: 'r', path: 'p' }] },
      );
      c.chain_id = String(n).padStart(3, '0');
      await fs.writeFile(
        path.join(contexts, chainFileName(c.chain_id, 'g', new Date(2026, 0, n))),
        JSON.stringify(c),
      );
    }
    const evalRun = (id: string, at: string, sha: string, passes: boolean[]): EvalRun => ({
      run_id: id,
      created_at: at,
      models: ['m'],
      repeat: passes.length,
      max_cost_usd: null,
      prompts: [{ name: 'queue_mapper', layer: 'workspace', sha256: sha }],
      results: passes.map((pass, i) => ({
        prompt: 'queue_mapper',
        case: 'c',
        model: 'm',
        repeat: i + 1,
        pass,
        score: pass ? 1 : 0,
        input_tokens: 1,
        output_tokens: 1,
        cost_usd: null,
        latency_ms: 1,
        calls: 1,
        error: null,
        assertions: [],
        result: null,
      })),
      skipped: [],
      totals: {
        runs: passes.length,
        passed: passes.filter(Boolean).length,
        failed: passes.filter((x) => !x).length,
        skipped: 0,
        cost_usd: null,
        input_tokens: 0,
        output_tokens: 0,
      },
    });
    await saveRun(contexts, evalRun('eval-1', '2026-01-05T00:00:00Z', 'v1', [true, true]));
    await saveRun(contexts, evalRun('eval-2', '2026-01-06T00:00:00Z', 'v2', [true, false]));
    const { catalog } = await openLibrary(ws, { userDir: noUser });
    await expect(
      promotePrompt(ws, catalog, 'queue_mapper', { category: 'discovery', contextDirs: [contexts] }),
    ).rejects.toThrow(
      'its eval cases pass 1/2 (run eval-2), below the 2/2 of the version before it (run eval-1)',
    );
    const r = await promotePrompt(ws, catalog, 'queue_mapper', {
      category: 'discovery',
      contextDirs: [contexts],
      force: true,
    });
    expect(r.shortfalls).toEqual([
      'its eval cases pass 1/2 (run eval-2), below the 2/2 of the version before it (run eval-1)',
    ]);
  });
});
