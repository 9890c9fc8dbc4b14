/**
 * A workflow run positioned at a step (src/workflows/run.ts): the stack the interpreter would
 * have there, so that a chain already under way (an old context file, `resume --more-iterations`)
 * goes on exactly as if the interpreter had walked to that step.
 */
import { describe, expect, it } from 'vitest';
import { newChainContext } from '../../src/chain/init.js';
import type { ChainContext } from '../../src/chain/schema.js';
import { workflowTransition, type Facts } from '../../src/workflows/interpreter.js';
import {
  builtinWorkflowRun,
  phaseStepOf,
  positionAtPhase,
  positionSplit,
  reopenSplitParts,
  singlePromptRun,
  stackAt,
} from '../../src/workflows/run.js';
import { WorkflowFileSchema } from '../../src/workflows/schema.js';

const facts: Facts = { confidence: {}, verdict: null, tests: null, text: '', git_commits: 0 };

describe('stackAt', () => {
  it('gives one frame per step list on the path, a loop body at its first pass', () => {
    expect(stackAt('steps.3')).toEqual([{ block: 'steps', i: 3, pass: null }]);
    expect(stackAt('steps.2.then.1')).toEqual([
      { block: 'steps', i: 2, pass: null },
      { block: 'steps.2.then', i: 1, pass: null },
    ]);
    expect(stackAt('steps.4.loop.steps.0')).toEqual([
      { block: 'steps', i: 4, pass: null },
      { block: 'steps.4.loop.steps', i: 0, pass: 1 },
    ]);
  });
});

describe('positionAtPhase', () => {
  it("puts the feature workflow at the machine's phase step, entered; the interpreter goes on from there", async () => {
    const run = await builtinWorkflowRun('feature');
    const wf = WorkflowFileSchema.parse(run.doc);
    expect(positionAtPhase(run, wf, 'uncertainty-analysis')).toBe(true);
    expect(run.phase_entered).toBe(true);
    expect(run.state.awaiting).toMatchObject({ kind: 'phase', at: 'steps.2', phase: 'uncertainty-analysis' });
    // The same state the interpreter reaches by walking there from the start.
    let walked = workflowTransition(run.state, { type: 'start', facts }, wf);
    for (let i = 0; i < 2; i++) walked = workflowTransition(walked.state, { type: 'done', facts }, wf);
    expect(walked.state.stack).toEqual(run.state.stack);
    expect(walked.effect).toEqual(run.state.awaiting);
    const next = workflowTransition(run.state, { type: 'done', facts }, wf);
    expect(next.effect).toMatchObject({ kind: 'phase', at: 'steps.3', phase: 'solution-approval' });
  });

  it('leaves a workflow without a step for the phase unchanged', async () => {
    const run = await builtinWorkflowRun('review');
    const before = structuredClone(run);
    expect(positionAtPhase(run, WorkflowFileSchema.parse(run.doc), 'implementation')).toBe(false);
    expect(run).toEqual(before);
    expect(phaseStepOf(WorkflowFileSchema.parse(run.doc), 'implementation')).toBeNull();
  });
});

describe('singlePromptRun', () => {
  it('is a valid one-step workflow: the prompt, its focus, run as its phase', () => {
    const run = singlePromptRun('trace_existing_flow', 'the login route', 'context-building');
    const wf = WorkflowFileSchema.parse(run.doc);
    const t = workflowTransition(run.state, { type: 'start', facts }, wf);
    expect(t.effect).toEqual({
      kind: 'prompt',
      at: 'steps.0',
      run: { name: 'trace_existing_flow', focus: 'the login route', as_phase: 'context-building' },
      budget_usd: null,
    });
    expect(workflowTransition(t.state, { type: 'done', facts }, wf).effect).toEqual({ kind: 'complete' });
  });
});

describe('positionSplit (a split written by the split driver of older versions)', () => {
  const plan = [
    { key: 'part-a', goal: 'A', depends_on: [], writes_code: true, workflow: null, chain_id: '002' },
    {
      key: 'part-c',
      goal: 'C',
      depends_on: ['part-a'],
      writes_code: true,
      workflow: 'subtask',
      chain_id: null,
    },
  ];
  const old = (split: ChainContext['split']): ChainContext => ({
    ...newChainContext({
      chainId: '001',
      chainUid: 'u',
      goal: 'g',
      slug: 'g',
      workspace: '/ws',
      model: 'm',
      models: { fast: 'm', default: 'm', smart: 'm' },
      now: new Date(0),
    }),
    split,
  });

  it('leaves a split without a plan at the start', async () => {
    const run = await builtinWorkflowRun('split');
    expect(positionSplit(run, WorkflowFileSchema.parse(run.doc), old(null))).toBe(false);
    expect(
      positionSplit(
        run,
        WorkflowFileSchema.parse(run.doc),
        old({ plan: null, max_concurrency: 2, approved: false }),
      ),
    ).toBe(false);
    expect(run.state.awaiting).toBeNull();
  });

  it('puts a planned split at its gate, and an approved one at its parts', async () => {
    const planned = await builtinWorkflowRun('split');
    const wf = WorkflowFileSchema.parse(planned.doc);
    expect(positionSplit(planned, wf, old({ plan, max_concurrency: 2, approved: false }))).toBe(true);
    expect(planned.state.awaiting).toEqual({ kind: 'gate', at: 'steps.1', gate: 'split' });

    const approved = await builtinWorkflowRun('split');
    expect(positionSplit(approved, wf, old({ plan, max_concurrency: 2, approved: true }))).toBe(true);
    expect(approved.state.awaiting).toEqual({
      kind: 'sub_chains',
      at: 'steps.2',
      parts: [
        { key: 'part-a', goal: 'A', depends_on: [], workflow: null },
        { key: 'part-c', goal: 'C', depends_on: ['part-a'], workflow: 'subtask' },
      ],
    });
    expect(approved.state.history.map((h) => h.kind)).toEqual(['plan_split', 'gate']);
    // The interpreter goes on from there: the parts done, the split is complete.
    const next = workflowTransition(approved.state, { type: 'done', facts }, wf);
    expect(next.effect).toEqual({ kind: 'complete' });
  });
});

describe('reopenSplitParts', () => {
  const plan = [
    { key: 'part-a', goal: 'A', depends_on: [], writes_code: true, workflow: null, chain_id: '002' },
  ];
  const ctx = (approved: boolean): ChainContext => ({
    ...newChainContext({
      chainId: '001',
      chainUid: 'u',
      goal: 'g',
      slug: 'g',
      workspace: '/ws',
      model: 'm',
      models: { fast: 'm', default: 'm', smart: 'm' },
      now: new Date(0),
    }),
    split: { plan, max_concurrency: 2, approved },
  });

  it('sends a split resumed after its parts back to its parts step, its history kept', async () => {
    const run = await builtinWorkflowRun('split');
    const wf = WorkflowFileSchema.parse(run.doc);
    const c = ctx(true);
    positionSplit(run, wf, c);
    run.state = workflowTransition(
      run.state,
      { type: 'done', facts, note: '1 sub-chains complete' },
      wf,
    ).state;
    expect(run.state.awaiting).toEqual({ kind: 'complete' });
    expect(reopenSplitParts(run, wf, c)).toBe(true);
    expect(run.state.awaiting).toMatchObject({ kind: 'sub_chains', at: 'steps.2' });
    expect(run.state.history.map((h) => h.outcome)).toEqual([
      'done by an earlier version',
      'done by an earlier version',
      '1 sub-chains complete',
      'reopened: the split was resumed after its parts',
    ]);
  });

  it('leaves a split that has not reached its end, or was never approved, as it is', async () => {
    const run = await builtinWorkflowRun('split');
    const wf = WorkflowFileSchema.parse(run.doc);
    positionSplit(run, wf, ctx(true));
    const before = structuredClone(run.state);
    expect(reopenSplitParts(run, wf, ctx(true))).toBe(false);
    expect(run.state).toEqual(before);
    const done = { ...run, state: { ...run.state, awaiting: { kind: 'complete' as const } } };
    expect(reopenSplitParts(done, wf, ctx(false))).toBe(false);
  });
});
