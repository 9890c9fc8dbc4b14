import { describe, expect, it } from 'vitest';
import type { ConfidenceScores, PartialConfidence } from '../../src/chain/schema.js';
import { applyConfidence, ASSESSES, confidenceGain } from '../../src/memory/confidence.js';
import {
  approvedSolution,
  currentSolution,
  foldResult,
  mergeRequirements,
  openQuestions,
} from '../../src/memory/fold.js';
import { answerGate, chainOf, emptyChain } from '../helpers/memory.js';

const fold = (
  prompt: string,
  result: Parameters<typeof foldResult>[1]['result'],
  ctx = emptyChain(),
  step = 1,
) => foldResult(ctx, { step, prompt, result, round: 1, now: '2026-01-01T00:00:00.000Z' });

describe('foldResult: facts, uncertainties, decisions, assumptions', () => {
  it('merges discovered facts, unions lists and upserts uncertainties by area', () => {
    let { ctx } = fold('trace_existing_flow', {
      summary: 's',
      discovered: { stack: 'node-express', routes: ['POST /api/login'] },
      uncertainties: [{ area: 'token_storage', confidence: 0.4, blocking: true, resolved: false }],
    });
    ({ ctx } = fold(
      'api_surface_mapper',
      {
        summary: 's',
        discovered: { routes: ['POST /api/login', 'GET /api/me'] },
        uncertainties: [
          { area: 'token_storage', confidence: 0.9, blocking: false, resolved: true, resolution: 'Redis' },
        ],
        decisions: [{ key: 'token_storage', choice: 'Redis', rationale: 'already deployed' }],
        assumptions: ['one tenant'],
      },
      ctx,
      2,
    ));
    expect(ctx.discovered).toEqual({ stack: 'node-express', routes: ['POST /api/login', 'GET /api/me'] });
    expect(ctx.uncertainties).toEqual([
      { area: 'token_storage', confidence: 0.9, blocking: false, resolved: true, resolution: 'Redis' },
    ]);
    expect(ctx.decisions).toEqual({ token_storage: { choice: 'Redis', rationale: 'already deployed' } });
    expect(ctx.assumptions).toEqual(['one tenant']);
  });

  it('turns only clarification_generator questions into questions to ask, with ids unique in the chain', () => {
    const q = { question: 'Refresh tokens?', why: 'changes storage', default_answer: 'yes' };
    let { ctx } = fold('requirement_disambiguator', { summary: 's', questions: [q] });
    expect(ctx.questions).toEqual([]);
    ({ ctx } = fold(
      'clarification_generator',
      { summary: 's', questions: [q, { ...q, question: 'Redis?' }] },
      ctx,
      2,
    ));
    expect(ctx.questions.map((x) => x.id)).toEqual(['q1', 'q2']);
    expect(openQuestions(ctx)).toHaveLength(2);
  });

  it('records context health and the digest of context_preservation', () => {
    let { ctx } = fold('context_health_checker', { summary: 's', context_health: 5 }, emptyChain(), 11);
    expect(ctx.session_memory.context_health).toBe(5);
    ({ ctx } = fold(
      'context_preservation',
      { summary: 's', digest: ['[F2.1] login is session based'] },
      ctx,
      12,
    ));
    expect(ctx.memory_digest).toMatchObject({
      step: 12,
      through_step: 11,
      lines: ['[F2.1] login is session based'],
    });
  });
});

describe('confidence: only the declared assessors change the chain', () => {
  const zero: ConfidenceScores = {
    overall: 0,
    requirements: 0,
    technical_approach: 0,
    implementation_details: 0,
  };
  const rows: { prompt: string; reported: PartialConfidence; expected: Partial<ConfidenceScores> }[] = [
    {
      prompt: 'requirement_validator',
      reported: { requirements: 0.95, overall: 0.9 },
      expected: { requirements: 0.95, overall: 0 },
    },
    { prompt: 'trace_existing_flow', reported: { technical_approach: 0.8, overall: 0.9 }, expected: zero },
    { prompt: 'chain_debugger', reported: { overall: 0.9 }, expected: zero },
    { prompt: 'pr_description_writer', reported: { overall: 0.9 }, expected: zero },
    {
      prompt: 'uncertainty_analysis',
      reported: { overall: 0.85, requirements: 0.9, technical_approach: 0.8, implementation_details: 0.7 },
      expected: { overall: 0.85, requirements: 0.9, technical_approach: 0.8, implementation_details: 0.7 },
    },
    {
      prompt: 'uncertainty_analysis',
      reported: { requirements: 0.9, technical_approach: 0.8, implementation_details: 0.7 },
      expected: { overall: 0.7, requirements: 0.9, technical_approach: 0.8, implementation_details: 0.7 },
    },
    { prompt: 'confidence_calibrator', reported: { overall: 0.6 }, expected: { overall: 0.6 } },
    {
      prompt: 'solution_synthesizer',
      reported: { technical_approach: 0.9, overall: 0.95 },
      expected: { technical_approach: 0.9, overall: 0 },
    },
    {
      prompt: 'solution_designer',
      reported: { implementation_details: 0.9 },
      expected: { implementation_details: 0.9 },
    },
  ];
  it.each(rows)('$prompt reporting $reported', ({ prompt, reported, expected }) => {
    expect(applyConfidence(zero, prompt, reported)).toEqual({ ...zero, ...expected });
  });

  it('keeps what the step reported on the step, and its gain from the dimensions it assesses', () => {
    const before = { ...emptyChain(), confidence_scores: { ...zero, requirements: 0.6 } };
    const r = fold(
      'requirement_extractor',
      { summary: 's', confidence: { requirements: 0.9, overall: 0.99 } },
      before,
    );
    expect(r.step.confidence_reported).toEqual({ requirements: 0.9, overall: 0.99 });
    expect(r.step.confidence_gain).toBe(0.3);
    expect(r.ctx.confidence_scores.overall).toBe(0);
  });

  it('measures a discovery step by the uncertainty areas it moved, and gives no gain when it moved none', () => {
    const u = (confidence: number) => ({
      area: 'token_storage',
      confidence,
      blocking: true,
      resolved: false,
    });
    expect(
      confidenceGain(
        'trace_existing_flow',
        { scores: zero, uncertainties: [u(0.4)] },
        { scores: zero, uncertainties: [u(0.9)] },
        { technical_approach: 0.8 },
        ['token_storage'],
      ),
    ).toBe(0.5);
    expect(
      confidenceGain(
        'trace_existing_flow',
        { scores: zero, uncertainties: [] },
        { scores: zero, uncertainties: [u(0.9)] },
        undefined,
        ['token_storage'],
      ),
    ).toBeNull();
    expect(
      confidenceGain(
        'trace_existing_flow',
        { scores: zero, uncertainties: [] },
        { scores: zero, uncertainties: [] },
        { overall: 1 },
        [],
      ),
    ).toBeNull();
  });

  it('declares an assessor for every dimension the machine reads', () => {
    const assessors = Object.values(ASSESSES).flat();
    expect(new Set(assessors)).toEqual(
      new Set(['overall', 'requirements', 'technical_approach', 'implementation_details']),
    );
  });
});

describe('mergeRequirements', () => {
  const rows = [
    {
      name: 'numbers a first list',
      prev: [],
      texts: ['login returns tokens', 'refresh rotates'],
      ids: ['AC1', 'AC2'],
    },
    {
      name: 'keeps ids on a restatement by text, appends new ones',
      prev: ['login returns tokens', 'refresh rotates'],
      texts: ['Refresh  rotates', 'logout revokes', 'login returns tokens'],
      ids: ['AC2', 'AC3', 'AC1'],
    },
    {
      name: 'keeps an id the item names, never reuses a dropped one',
      prev: ['a', 'b', 'c'],
      texts: ['AC2 [answer] b, reworded', 'd'],
      ids: ['AC2', 'AC4'],
    },
  ];
  it.each(rows)('$name', ({ prev, texts, ids }) => {
    const before = prev.map((text, i) => ({ id: `AC${i + 1}`, text, step: 1 }));
    const out = mergeRequirements(before, texts, 2);
    expect(out.map((r) => r.id)).toEqual(ids);
    expect(out.every((r) => !/^AC\d/.test(r.text) && r.step === 2)).toBe(true);
  });
});

describe('the solution document and its versions', () => {
  const design = '## Plan\nsrc/token.js signs HS256 tokens; refresh tokens rotate.';
  it('keeps the synthesized design; the presentation goes beside it; a revision is a new version with its reason', () => {
    let ctx = chainOf([
      {
        prompt: 'solution_synthesizer',
        phase: 'uncertainty-analysis',
        result: { summary: 's', solution: design },
      },
      {
        prompt: 'solution_presenter',
        phase: 'solution-approval',
        result: { summary: 's', presentation: 'Short: tokens in src/token.js' },
      },
    ]);
    expect(ctx.solution_versions).toHaveLength(1);
    expect(currentSolution(ctx)).toMatchObject({
      version: 1,
      text: design,
      presentation: 'Short: tokens in src/token.js',
      presentation_step: 2,
      status: 'proposed',
    });
    expect(ctx.solution).toBe('Short: tokens in src/token.js');

    ctx = answerGate(ctx, 'more-info', 'logout?');
    ctx = chainOf(
      [
        {
          prompt: 'uncertainty_resolver',
          phase: 'solution-approval',
          result: { summary: 's', answer: 'a deny-list' },
        },
      ],
      ctx,
    );
    expect(ctx.solution_versions).toHaveLength(1);
    ctx = chainOf(
      [
        {
          prompt: 'uncertainty_resolver',
          phase: 'solution-approval',
          result: {
            summary: 's',
            answer: 'revoke on logout',
            solution: `${design}\nLogout revokes.`,
            revision_reason: 'logout revokes the refresh token',
          },
        },
      ],
      ctx,
    );
    expect(ctx.solution_versions.map((v) => [v.version, v.status, v.reason])).toEqual([
      [1, 'superseded', null],
      [2, 'proposed', 'logout revokes the refresh token'],
    ]);

    ctx = answerGate(ctx, 'approved');
    ctx = chainOf(
      [
        {
          prompt: 'solution_designer',
          phase: 'implementation',
          result: {
            summary: 's',
            file_plan: [{ path: 'src/token.js', action: 'create', change: 'sign/verify' }],
          },
        },
      ],
      ctx,
    );
    expect(approvedSolution(ctx)).toMatchObject({
      version: 2,
      status: 'approved',
      file_plan: [{ path: 'src/token.js', action: 'create', change: 'sign/verify' }],
    });
  });

  it('a synthesis after a rejection is a new version whose reason is the rejection', () => {
    let ctx = chainOf([
      {
        prompt: 'solution_synthesizer',
        phase: 'uncertainty-analysis',
        result: { summary: 's', solution: design },
      },
    ]);
    ctx = answerGate(ctx, 'rejected', 'keep sessions');
    ctx = chainOf(
      [
        {
          prompt: 'solution_synthesizer',
          phase: 'uncertainty-analysis',
          result: { summary: 's', solution: 'v2' },
        },
      ],
      ctx,
    );
    expect(ctx.solution_versions.map((v) => [v.status, v.reason])).toEqual([
      ['rejected', null],
      ['proposed', 'rejected: keep sessions'],
    ]);
    expect(approvedSolution(ctx)).toBeNull();
  });

  it('other prompts never replace the solution', () => {
    const ctx = chainOf([
      {
        prompt: 'solution_synthesizer',
        phase: 'uncertainty-analysis',
        result: { summary: 's', solution: design },
      },
      {
        prompt: 'api_contract_designer',
        phase: 'context-building',
        result: { summary: 's', solution: 'an API contract' },
      },
    ]);
    expect(ctx.solution_versions.map((v) => v.text)).toEqual([design]);
  });
});
