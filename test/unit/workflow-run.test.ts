/**
 * A workflow run positioned at a step (src/workflows/run.ts): the stack the interpreter would
 * have there, so that a chain already under way (an old context file, `resume --more-iterations`)
 * goes on exactly as if the interpreter had walked to that step.
 */
import { describe, expect, it } from 'vitest';
import { workflowTransition, type Facts } from '../../src/workflows/interpreter.js';
import {
  builtinWorkflowRun,
  phaseStepOf,
  positionAtPhase,
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
