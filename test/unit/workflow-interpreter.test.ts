/**
 * The workflow interpreter, table-driven: a workflow, then a script of events (each with the facts
 * after the step) → the effects in order, with the step path each one comes from. Pure: no I/O.
 */
import { describe, expect, it } from 'vitest';
import type { WorkflowEffect, WorkflowState } from '../../src/chain/schema.js';
import {
  holds,
  initialWorkflowState,
  switchValue,
  workflowTransition,
  type Facts,
  type WorkflowEvent,
} from '../../src/workflows/interpreter.js';
import { WorkflowFileSchema, type Condition, type WorkflowFile } from '../../src/workflows/schema.js';

const facts = (over: Partial<Facts> = {}): Facts => ({
  confidence: { overall: 0.5, requirements: 0.5, technical_approach: 0.5, implementation_details: 0.5 },
  verdict: null,
  tests: null,
  text: '',
  git_commits: 1,
  ...over,
});

const wf = (steps: unknown[]): WorkflowFile =>
  WorkflowFileSchema.parse({ name: 't', description: 'test', steps });

/** Effects as `kind@at` (prompt and branch names added), for compact tables. */
function label(e: WorkflowEffect): string {
  switch (e.kind) {
    case 'prompt':
      return `prompt:${e.run.name}@${e.at}`;
    case 'parallel':
      return `parallel:${e.runs.map((r) => r.name).join('+')}@${e.at}`;
    case 'phase':
      return `phase:${e.phase}@${e.at}`;
    case 'gate':
      return `gate:${e.gate}@${e.at}`;
    case 'tests':
      return `tests:${e.expect}@${e.at}`;
    case 'chain':
      return `chain:${e.workflow ?? 'feature'}:${e.goal}@${e.at}`;
    case 'plan_split':
      return `plan_split:${e.prompt}@${e.at}`;
    case 'sub_chains':
      return `sub_chains:${e.parts.map((p) => p.key).join('+')}@${e.at}`;
    case 'complete':
      return 'complete';
    case 'fail':
      return `fail:${e.reason}`;
  }
}

/** Runs `events` (start first) and returns the effect labels and the final state. */
function play(w: WorkflowFile, events: WorkflowEvent[]): { effects: string[]; state: WorkflowState } {
  let state = initialWorkflowState();
  const effects: string[] = [];
  for (const ev of events) {
    const t = workflowTransition(state, ev, w);
    state = t.state;
    effects.push(label(t.effect));
    expect(t.state.awaiting).toEqual(t.effect);
  }
  return { effects, state };
}

const start = (f = facts()): WorkflowEvent => ({ type: 'start', facts: f });
const done = (f = facts()): WorkflowEvent => ({ type: 'done', facts: f });

interface Row {
  name: string;
  steps: unknown[];
  events: WorkflowEvent[];
  effects: string[];
}

const rows: Row[] = [
  {
    name: 'a sequence of every effect kind, then complete',
    steps: [
      { prompt: 'a' },
      { phase: 'implementation' },
      { gate: 'approval' },
      { tests: 'green' },
      { parallel: { max_concurrency: 2, branches: [{ prompt: 'b' }, { prompt: 'c' }] } },
      { chain: { goal: 'write the docs', workflow: 'docs' } },
    ],
    events: [start(), done(), done(), done(), done(), done(), done()],
    effects: [
      'prompt:a@steps.0',
      'phase:implementation@steps.1',
      'gate:approval@steps.2',
      'tests:green@steps.3',
      'parallel:b+c@steps.4',
      'chain:docs:write the docs@steps.5',
      'complete',
    ],
  },
  {
    name: 'if true takes then, and continues after the if',
    steps: [
      { if: { verdict: 'failed' }, then: [{ prompt: 'fix' }], else: [{ prompt: 'ship' }] },
      { prompt: 'after' },
    ],
    events: [start(facts({ verdict: 'failed' })), done(), done()],
    effects: ['prompt:fix@steps.0.then.0', 'prompt:after@steps.1', 'complete'],
  },
  {
    name: 'if false takes else',
    steps: [{ if: { verdict: 'failed' }, then: [{ prompt: 'fix' }], else: [{ prompt: 'ship' }] }],
    events: [start(facts({ verdict: 'passed' })), done()],
    effects: ['prompt:ship@steps.0.else.0', 'complete'],
  },
  {
    name: 'if false without else skips to the next step',
    steps: [{ if: { tests: 'failed' }, then: [{ prompt: 'fix' }] }, { prompt: 'next' }],
    events: [start(facts({ tests: 'passed' })), done()],
    effects: ['prompt:next@steps.1', 'complete'],
  },
  {
    name: 'the condition reads the facts after the previous step',
    steps: [{ prompt: 'probe' }, { if: { finding: 'Regression' }, then: [{ prompt: 'bisect_assistant' }] }],
    events: [start(), done(facts({ text: 'this is a regression since 1.2' })), done()],
    effects: ['prompt:probe@steps.0', 'prompt:bisect_assistant@steps.1.then.0', 'complete'],
  },
  {
    name: 'switch on confidence bands picks the case',
    steps: [
      {
        switch: 'confidence',
        cases: { low: [{ prompt: 'dig' }], high: [{ prompt: 'go' }] },
        default: [{ prompt: 'think' }],
      },
    ],
    events: [start(facts({ confidence: { overall: 0.9 } })), done()],
    effects: ['prompt:go@steps.0.cases.high.0', 'complete'],
  },
  {
    name: 'switch without a matching case takes default',
    steps: [{ switch: 'confidence', cases: { low: [{ prompt: 'dig' }] }, default: [{ prompt: 'think' }] }],
    events: [start(facts({ confidence: { overall: 0.6 } })), done()],
    effects: ['prompt:think@steps.0.default.0', 'complete'],
  },
  {
    name: 'switch without a match or default is skipped',
    steps: [{ switch: 'tests', cases: { failed: [{ prompt: 'fix' }] } }, { prompt: 'end' }],
    events: [start(), done()],
    effects: ['prompt:end@steps.1', 'complete'],
  },
  {
    name: 'a loop repeats until its condition holds after a pass',
    steps: [
      { loop: { max: 5, until: { tests: 'passed' }, steps: [{ prompt: 'fix' }, { tests: 'green' }] } },
      { prompt: 'review' },
    ],
    events: [
      start(),
      done(),
      done(facts({ tests: 'failed' })),
      done(),
      done(facts({ tests: 'passed' })),
      done(),
    ],
    effects: [
      'prompt:fix@steps.0.loop.steps.0',
      'tests:green@steps.0.loop.steps.1',
      'prompt:fix@steps.0.loop.steps.0',
      'tests:green@steps.0.loop.steps.1',
      'prompt:review@steps.1',
      'complete',
    ],
  },
  {
    name: 'a loop stops at its max and goes on (on_max continue, the default)',
    steps: [
      { loop: { max: 2, until: { tests: 'passed' }, steps: [{ prompt: 'fix' }] } },
      { prompt: 'after' },
    ],
    events: [start(), done(), done(), done()],
    effects: [
      'prompt:fix@steps.0.loop.steps.0',
      'prompt:fix@steps.0.loop.steps.0',
      'prompt:after@steps.1',
      'complete',
    ],
  },
  {
    name: 'a loop with on_max fail fails the workflow at its max',
    steps: [
      { loop: { max: 1, on_max: 'fail', until: { tests: 'passed' }, steps: [{ prompt: 'fix' }] } },
      { prompt: 'after' },
    ],
    events: [start(), done()],
    effects: [
      'prompt:fix@steps.0.loop.steps.0',
      'fail:loop steps.0 ran its max of 1 passes without meeting its condition',
    ],
  },
  {
    name: 'nested: an if inside a loop, evaluated on every pass',
    steps: [
      {
        loop: {
          max: 3,
          until: { finding: 'done' },
          steps: [{ prompt: 'step' }, { if: { verdict: 'failed' }, then: [{ prompt: 'repair' }] }],
        },
      },
    ],
    events: [
      start(),
      done(facts({ verdict: 'failed' })),
      done(),
      done(facts({ verdict: 'passed', text: 'done' })),
    ],
    effects: [
      'prompt:step@steps.0.loop.steps.0',
      'prompt:repair@steps.0.loop.steps.1.then.0',
      'prompt:step@steps.0.loop.steps.0',
      'complete',
    ],
  },
  {
    name: 'a rejection at a gate fails the workflow with the reason',
    steps: [{ gate: 'approval' }, { prompt: 'never' }],
    events: [start(), { type: 'rejected', reason: 'not approved: keep sessions' }],
    effects: ['gate:approval@steps.0', 'fail:not approved: keep sessions'],
  },
  {
    name: 'a loop whose passes do no work still ends at its max (a bound independent of the model)',
    steps: [
      {
        loop: {
          max: 20,
          until: { tests: 'passed' },
          steps: [{ if: { tests: 'passed' }, then: [{ prompt: 'x' }] }],
        },
      },
      { prompt: 'end' },
    ],
    events: [start()],
    effects: ['prompt:end@steps.1'],
  },
];

describe('workflowTransition', () => {
  it.each(rows)('$name', ({ steps, events, effects }) => {
    expect(play(wf(steps), events).effects).toEqual(effects);
  });

  it('records control decisions and performed steps in the history', () => {
    const { state } = play(
      wf([
        { prompt: 'a' },
        { if: { tests: 'none' }, then: [{ prompt: 'b' }] },
        { loop: { max: 1, until: { tests: 'passed' }, steps: [{ prompt: 'c' }] } },
      ]),
      [start(), done(), done(), done()],
    );
    expect(state.history).toEqual([
      { at: 'steps.0', kind: 'prompt', outcome: 'done' },
      { at: 'steps.1', kind: 'if', outcome: 'then' },
      { at: 'steps.1.then.0', kind: 'prompt', outcome: 'done' },
      { at: 'steps.2.loop.steps.0', kind: 'prompt', outcome: 'done' },
      {
        at: 'steps.2',
        kind: 'loop',
        outcome: 'stopped at its max of 1 passes without meeting the condition',
      },
    ]);
  });

  it("carries budgets and model tiers onto the effects; branches inherit the parallel step's tier", () => {
    const w = wf([
      { prompt: 'a', model: 'fast', budget_usd: 0.5, focus: 'x', as_phase: 'implementation' },
      {
        parallel: {
          max_concurrency: 1,
          branches: [
            { prompt: 'b', budget_usd: 0.1 },
            { prompt: 'c', model: 'default' },
          ],
          merge: 'm',
        },
        model: 'smart',
        budget_usd: 2,
      },
      { phase: 'implementation', model: 'smart', budget_usd: 3 },
    ]);
    let s = initialWorkflowState();
    const seen: WorkflowEffect[] = [];
    for (const ev of [start(), done(), done()]) {
      const t = workflowTransition(s, ev, w);
      s = t.state;
      seen.push(t.effect);
    }
    expect(seen[0]).toEqual({
      kind: 'prompt',
      at: 'steps.0',
      run: { name: 'a', focus: 'x', tier: 'fast', as_phase: 'implementation' },
      budget_usd: 0.5,
    });
    expect(seen[1]).toEqual({
      kind: 'parallel',
      at: 'steps.1',
      runs: [
        { name: 'b', focus: null, tier: 'smart', budget_usd: 0.1 },
        { name: 'c', focus: null, tier: 'default' },
      ],
      max_concurrency: 1,
      merge: { name: 'm', focus: null, tier: 'smart' },
      budget_usd: 2,
    });
    expect(seen[2]).toEqual({
      kind: 'phase',
      at: 'steps.2',
      phase: 'implementation',
      budget_usd: 3,
      tier: 'smart',
    });
  });

  it('resumes from a saved state: the same next effect as the uninterrupted run', () => {
    const w = wf([
      { prompt: 'a' },
      { loop: { max: 3, until: { tests: 'passed' }, steps: [{ prompt: 'b' }] } },
      { prompt: 'c' },
    ]);
    const first = play(w, [start(), done(), done()]);
    const saved = JSON.parse(JSON.stringify(first.state)) as WorkflowState;
    const next = workflowTransition(saved, done(facts({ tests: 'passed' })), w);
    expect(label(next.effect)).toBe('prompt:c@steps.2');
  });

  it('refuses a done event when nothing is awaited', () => {
    expect(() => workflowTransition(initialWorkflowState(), done(), wf([{ prompt: 'a' }]))).toThrow(
      /without an awaited step/,
    );
  });
});

describe('conditions', () => {
  const f = facts({
    confidence: { overall: 0.7, requirements: 0.9 },
    verdict: 'failed',
    tests: 'passed',
    text: 'the cache is stale',
    git_commits: 5,
  });
  const table: [Condition, boolean][] = [
    [{ confidence: { below: 0.8 } }, true],
    [{ confidence: { at_least: 0.7 } }, true],
    [{ confidence: { of: 'requirements', below: 0.9 } }, false],
    [{ confidence: { at_least: 0.6, below: 0.7 } }, false],
    [{ verdict: 'failed' }, true],
    [{ verdict: 'none' }, false],
    [{ tests: 'passed' }, true],
    [{ finding: 'CACHE is' }, true],
    [{ finding: 'database' }, false],
    [{ git_commits: { at_least: 5 } }, true],
    [{ git_commits: { at_least: 6 } }, false],
    [{ all: [{ verdict: 'failed' }, { tests: 'passed' }] }, true],
    [{ all: [{ verdict: 'failed' }, { tests: 'failed' }] }, false],
    [{ any: [{ verdict: 'passed' }, { tests: 'passed' }] }, true],
    [{ not: { verdict: 'failed' } }, false],
  ];
  it.each(table)('%j → %s', (c, want) => {
    expect(holds(c, f)).toBe(want);
  });

  it('no verdict or test run yet is "none"; confidence bands split at 0.5 and 0.8', () => {
    expect(holds({ verdict: 'none' }, facts())).toBe(true);
    expect(holds({ tests: 'none' }, facts())).toBe(true);
    expect(
      [0.49, 0.5, 0.79, 0.8].map((overall) => switchValue('confidence', facts({ confidence: { overall } }))),
    ).toEqual(['low', 'medium', 'medium', 'high']);
    expect(switchValue('verdict', facts({ verdict: 'passed' }))).toBe('passed');
  });
});

describe('a split: its parts are sub-chains', () => {
  const split = wf([
    { id: 'plan', plan_split: 'parallel_work_planner' },
    { id: 'approve', gate: 'split' },
    { id: 'parts', sub_chains: 'planned' },
  ]);
  const part = (key: string, depends_on: string[] = [], workflow: string | null = null) => ({
    key,
    goal: `Build ${key}`,
    depends_on,
    workflow,
  });

  it('plans, asks for approval, then expands into one sub-chain per approved part, each after what it depends on', () => {
    // Listed before what it depends on: the effect orders the parts.
    const parts = [part('c', ['a'], 'subtask'), part('a'), part('b', [], 'bugfix')];
    const { effects, state } = play(split, [start(), done(), done(facts({ parts })), done()]);
    expect(effects).toEqual([
      'plan_split:parallel_work_planner@steps.0',
      'gate:split@steps.1',
      'sub_chains:a+b+c@steps.2',
      'complete',
    ]);
    expect(state.history.map((h) => `${h.kind}@${h.at}`)).toEqual([
      'plan_split@steps.0',
      'gate@steps.1',
      'sub_chains@steps.2',
    ]);
    const t = play(split, [start(), done(), done(facts({ parts }))]);
    expect(t.state.awaiting).toEqual({
      kind: 'sub_chains',
      at: 'steps.2',
      parts: [part('a'), part('b', [], 'bugfix'), part('c', ['a'], 'subtask')],
    });
  });

  it('fails at the parts step without an approved plan, or with parts that depend on each other in a cycle', () => {
    expect(play(split, [start(), done(), done()]).effects.at(-1)).toBe(
      'fail:step steps.2 runs the parts of an approved split plan, and there is none',
    );
    const cycle = [part('a', ['b']), part('b', ['a'])];
    expect(play(split, [start(), done(), done(facts({ parts: cycle }))]).effects.at(-1)).toBe(
      'fail:step steps.2 runs the parts of an approved split plan, and its parts depend on each other in a cycle',
    );
  });
});
