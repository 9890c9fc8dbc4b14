import { describe, expect, it } from 'vitest';
import { newChainContext } from '../../src/chain/init.js';
import { applyFindings, openQuestions, renderChainState } from '../../src/phases/merge.js';

const base = () =>
  newChainContext({ chainId: '001', chainUid: 'uid-12345678', goal: 'Add JWT', slug: 'jwt', workspace: '/w', model: 'm', models: { fast: 'm', default: 'm', smart: 'm' }, now: new Date(0) });

describe('applyFindings', () => {
  it('merges discovered facts, unions lists and upserts uncertainties by area', () => {
    let ctx = applyFindings(base(), 'trace_existing_flow', {
      summary: 's',
      discovered: { stack: 'node-express', routes: ['POST /api/login'] },
      uncertainties: [{ area: 'token_storage', confidence: 0.4, blocking: true, resolved: false }],
    }, 1);
    ctx = applyFindings(ctx, 'api_surface_mapper', {
      summary: 's',
      discovered: { routes: ['POST /api/login', 'GET /api/me'] },
      uncertainties: [{ area: 'token_storage', confidence: 0.9, blocking: false, resolved: true, resolution: 'Redis' }],
    }, 1);
    expect(ctx.discovered).toEqual({ stack: 'node-express', routes: ['POST /api/login', 'GET /api/me'] });
    expect(ctx.uncertainties).toEqual([{ area: 'token_storage', confidence: 0.9, blocking: false, resolved: true, resolution: 'Redis' }]);
  });

  it('takes the model overall confidence when given, else the weakest dimension', () => {
    const a = applyFindings(base(), 'x', { summary: 's', confidence: { requirements: 0.9, technical_approach: 0.7, implementation_details: 0.6 } }, 1);
    expect(a.confidence_scores.overall).toBe(0.6);
    const b = applyFindings(a, 'uncertainty_analysis', { summary: 's', confidence: { overall: 0.85 } }, 1);
    expect(b.confidence_scores).toMatchObject({ overall: 0.85, requirements: 0.9 });
  });

  it('turns only clarification_generator questions into chain questions with unique ids', () => {
    const q = { question: 'Refresh tokens?', why: 'changes storage', default_answer: 'yes' };
    let ctx = applyFindings(base(), 'requirement_disambiguator', { summary: 's', questions: [q] }, 1);
    expect(ctx.questions).toEqual([]);
    ctx = applyFindings(ctx, 'clarification_generator', { summary: 's', questions: [q, { ...q, question: 'Redis?' }] }, 1);
    ctx = applyFindings(ctx, 'clarification_generator', { summary: 's', questions: [{ ...q, question: 'Expiry?' }] }, 2);
    expect(ctx.questions.map((x) => [x.id, x.round])).toEqual([['q1', 1], ['q2', 1], ['q3', 2]]);
    expect(openQuestions(ctx)).toHaveLength(3);
  });

  it('keeps the solution from solution prompts only', () => {
    let ctx = applyFindings(base(), 'solution_synthesizer', { summary: 's', solution: 'plan A' }, 1);
    ctx = applyFindings(ctx, 'api_contract_designer', { summary: 's', solution: 'not the plan' }, 1);
    expect(ctx.solution).toBe('plan A');
  });
});

describe('renderChainState', () => {
  it('summarizes facts, answers, decisions and open uncertainties within the size cap', () => {
    let ctx = applyFindings(base(), 'x', {
      summary: 's',
      discovered: { stack: 'node-express' },
      decisions: [{ key: 'token_storage', choice: 'Redis', rationale: 'already deployed' }],
      uncertainties: [{ area: 'logout', confidence: 0.3, blocking: true, resolved: false }],
    }, 1);
    ctx = { ...ctx, questions: [{ id: 'q1', question: 'Refresh?', why: 'w', default_answer: 'yes', answer: 'yes', answered_by: 'assumed', round: 1 }] };
    const text = renderChainState(ctx);
    expect(text).toContain('stack: node-express');
    expect(text).toContain('token_storage: Redis');
    expect(text).toContain('Refresh? → yes (assumed default)');
    expect(text).toContain('logout: confidence 0.3, blocking');
    const long = applyFindings(base(), 'x', { summary: 's', discovered: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, 'v'.repeat(500)])) }, 1);
    expect(renderChainState(long, 2000).length).toBeLessThanOrEqual(2001);
  });
});
