import { describe, expect, it } from 'vitest';
import type { MachineState } from '../../src/chain/schema.js';
import { defaultConfig } from '../../src/config/schema.js';
import { readFile } from 'node:fs/promises';
import {
  initialMachineState,
  MACHINE_PROMPTS,
  transition,
  type MachineSettings,
} from '../../src/phases/machine.js';
import type { Findings } from '../../src/phases/protocol.js';
import type { MachineEvent } from '../../src/phases/types.js';

const cfg: MachineSettings = { ...defaultConfig(), concurrency: 4 };
const conf = (overall: number, requirements = overall) => ({
  overall,
  requirements,
  technical_approach: overall,
  implementation_details: overall,
});
const done = (prompt: string, findings: Partial<Findings> = {}, c = conf(0.5)): MachineEvent => ({
  type: 'prompt-done',
  prompt,
  findings: { summary: 's', ...findings },
  confidence: c,
});
const at = (patch: Partial<MachineState>): MachineState => ({ ...initialMachineState(), ...patch });
const describeEffect = (e: ReturnType<typeof transition>['effect']): string =>
  e.kind === 'prompt'
    ? `prompt:${e.run.name}`
    : e.kind === 'batch'
      ? `batch:${e.runs.map((r) => r.name).join('+')}`
      : e.kind;

interface Row {
  name: string;
  state: MachineState;
  event: MachineEvent;
  effect: string;
  phase: MachineState['phase'];
  exited?: boolean;
}

const table: Row[] = [
  {
    name: 'start runs new_case',
    state: at({}),
    event: { type: 'start' },
    effect: 'prompt:new_case',
    phase: 'requirements-clarification',
  },
  {
    name: 'new_case → disambiguator',
    state: at({}),
    event: done('new_case'),
    effect: 'prompt:requirement_disambiguator',
    phase: 'requirements-clarification',
  },
  {
    name: 'disambiguator → validator',
    state: at({}),
    event: done('requirement_disambiguator'),
    effect: 'prompt:requirement_validator',
    phase: 'requirements-clarification',
  },
  {
    name: 'requirements confidence 0.95 > 0.9 leaves clarification',
    state: at({}),
    event: done('requirement_validator', { ambiguity_score: 0.5 }, conf(0.5, 0.95)),
    effect: 'decide',
    phase: 'context-building',
    exited: true,
  },
  {
    name: 'requirements confidence exactly 0.9 does not leave (strictly greater)',
    state: at({}),
    event: done('requirement_validator', { ambiguity_score: 0.5 }, conf(0.5, 0.9)),
    effect: 'prompt:clarification_generator',
    phase: 'requirements-clarification',
  },
  {
    name: 'ambiguity 0.31 > 0.3 generates questions',
    state: at({}),
    event: done('requirement_validator', { ambiguity_score: 0.31 }, conf(0.5, 0.7)),
    effect: 'prompt:clarification_generator',
    phase: 'requirements-clarification',
  },
  {
    name: 'ambiguity 0.3 proceeds on assumptions',
    state: at({}),
    event: done('requirement_validator', { ambiguity_score: 0.3 }, conf(0.5, 0.7)),
    effect: 'decide',
    phase: 'context-building',
    exited: true,
  },
  {
    name: 'questions produced → ask',
    state: at({}),
    event: done('clarification_generator', { questions: [{ question: 'q', why: 'w', default_answer: 'd' }] }),
    effect: 'ask',
    phase: 'requirements-clarification',
  },
  {
    name: 'no questions → context building',
    state: at({}),
    event: done('clarification_generator'),
    effect: 'decide',
    phase: 'context-building',
    exited: true,
  },
  {
    name: 'answers → extractor',
    state: at({ clarification_rounds: 1 }),
    event: { type: 'answers' },
    effect: 'prompt:requirement_extractor',
    phase: 'requirements-clarification',
  },
  {
    name: 'after 3 rounds still ambiguous → proceed',
    state: at({ clarification_rounds: 3 }),
    event: done('requirement_extractor', { ambiguity_score: 0.8 }, conf(0.4, 0.4)),
    effect: 'decide',
    phase: 'context-building',
    exited: true,
  },
  {
    name: 'decision with prompts → batch (capped at concurrency, unknown names dropped)',
    state: at({ phase: 'context-building' }),
    event: {
      type: 'decision',
      known: ['a', 'b', 'c', 'd', 'e'],
      decision: {
        prompts: ['a', 'zz', 'b', 'c', 'd', 'e']
          .map((name) => ({ name, focus: 'f', reason: 'r' }))
          .slice(0, 4),
        ready_for_analysis: false,
        need_new_prompt: false,
        rationale: 'r',
      },
    },
    effect: 'batch:a+b+c',
    phase: 'context-building',
  },
  {
    name: 'a prompt chosen twice runs once in the batch',
    state: at({ phase: 'context-building' }),
    event: {
      type: 'decision',
      known: ['a', 'b'],
      decision: {
        prompts: ['a', 'a', 'b'].map((name, i) => ({ name, focus: `f${i}`, reason: 'r' })),
        ready_for_analysis: false,
        need_new_prompt: false,
        rationale: 'r',
      },
    },
    effect: 'batch:a+b',
    phase: 'context-building',
  },
  {
    name: 'decision ready → uncertainty analysis',
    state: at({ phase: 'context-building' }),
    event: {
      type: 'decision',
      known: [],
      decision: { prompts: [], ready_for_analysis: true, need_new_prompt: false, rationale: 'r' },
    },
    effect: 'prompt:uncertainty_analysis',
    phase: 'uncertainty-analysis',
    exited: true,
  },
  {
    name: 'context iteration cap → analysis even if not ready',
    state: at({ phase: 'context-building', context_iterations: 3 }),
    event: {
      type: 'decision',
      known: ['a'],
      decision: {
        prompts: [{ name: 'a', focus: 'f', reason: 'r' }],
        ready_for_analysis: false,
        need_new_prompt: false,
        rationale: 'r',
      },
    },
    effect: 'prompt:uncertainty_analysis',
    phase: 'uncertainty-analysis',
    exited: true,
  },
  {
    name: 'need a new prompt → gap detector',
    state: at({ phase: 'context-building' }),
    event: {
      type: 'decision',
      known: [],
      decision: { prompts: [], ready_for_analysis: false, need_new_prompt: true, rationale: 'no fit' },
    },
    effect: 'prompt:prompt_gap_detector',
    phase: 'context-building',
  },
  {
    name: 'gap found → generate',
    state: at({ phase: 'context-building' }),
    event: done('prompt_gap_detector', { gap: { description: 'd', suggested_name: 'x', key_questions: [] } }),
    effect: 'generate',
    phase: 'context-building',
  },
  {
    name: 'generated prompt runs next',
    state: at({ phase: 'context-building' }),
    event: { type: 'generated', name: 'session_jwt_migration_analyzer' },
    effect: 'prompt:session_jwt_migration_analyzer',
    phase: 'context-building',
  },
  {
    name: 'batch done in context building → decide',
    state: at({ phase: 'context-building' }),
    event: { type: 'batch-done', findings: [], confidence: conf(0.5) },
    effect: 'decide',
    phase: 'context-building',
  },
  {
    name: 'overall 0.8 ≥ 0.8 → synthesizer',
    state: at({ phase: 'uncertainty-analysis' }),
    event: done('uncertainty_analysis', {}, conf(0.8)),
    effect: 'prompt:solution_synthesizer',
    phase: 'uncertainty-analysis',
  },
  {
    name: 'overall 0.79 → back to context building',
    state: at({ phase: 'uncertainty-analysis' }),
    event: done('uncertainty_analysis', {}, conf(0.79)),
    effect: 'decide',
    phase: 'context-building',
    exited: true,
  },
  {
    name: 'after 3 analysis loops → synthesize anyway',
    state: at({ phase: 'uncertainty-analysis', analysis_loops: 3 }),
    event: done('uncertainty_analysis', {}, conf(0.5)),
    effect: 'prompt:solution_synthesizer',
    phase: 'uncertainty-analysis',
  },
  {
    name: 'synthesized → approval phase, presenter',
    state: at({ phase: 'uncertainty-analysis' }),
    event: done('solution_synthesizer'),
    effect: 'prompt:solution_presenter',
    phase: 'solution-approval',
    exited: true,
  },
  {
    name: 'presented → gate',
    state: at({ phase: 'solution-approval' }),
    event: done('solution_presenter'),
    effect: 'gate',
    phase: 'solution-approval',
  },
  {
    name: 'approved → solution_designer writes the file plan',
    state: at({ phase: 'solution-approval' }),
    event: { type: 'approval', response: 'approved', note: '' },
    effect: 'prompt:solution_designer',
    phase: 'implementation',
    exited: true,
  },
  {
    name: 'file plan written → checkpoint',
    state: at({ phase: 'implementation' }),
    event: done('solution_designer', {
      file_plan: [{ path: 'src/token.js', action: 'create', change: 'sign/verify' }],
    }),
    effect: 'checkpoint',
    phase: 'implementation',
  },
  {
    name: 'more-info → resolver',
    state: at({ phase: 'solution-approval' }),
    event: { type: 'approval', response: 'more-info', note: 'logout?' },
    effect: 'prompt:uncertainty_resolver',
    phase: 'solution-approval',
  },
  {
    name: 'resolver → present again',
    state: at({ phase: 'solution-approval' }),
    event: done('uncertainty_resolver'),
    effect: 'prompt:solution_presenter',
    phase: 'solution-approval',
  },
  {
    name: 'rejected → clarification focused on the rejection',
    state: at({ phase: 'solution-approval' }),
    event: { type: 'approval', response: 'rejected', note: 'no Redis' },
    effect: 'prompt:requirement_disambiguator',
    phase: 'requirements-clarification',
    exited: true,
  },
  {
    name: 'approval round cap → fail',
    state: at({ phase: 'solution-approval', approval_rounds: 5 }),
    event: { type: 'approval', response: 'rejected', note: 'x' },
    effect: 'fail',
    phase: 'solution-approval',
  },
  {
    name: 'checkpointed → test_generator',
    state: at({ phase: 'implementation' }),
    event: { type: 'checkpointed' },
    effect: 'prompt:test_generator',
    phase: 'implementation',
  },
  {
    name: 'tests written → run (red)',
    state: at({ phase: 'implementation' }),
    event: done('test_generator'),
    effect: 'tests',
    phase: 'implementation',
  },
  {
    name: 'red run → implement',
    state: at({ phase: 'implementation' }),
    event: { type: 'tests', expect: 'red', passed: false, output: 'fail' },
    effect: 'prompt:tdd_flow_controller',
    phase: 'implementation',
  },
  {
    name: 'implemented → run (green)',
    state: at({ phase: 'implementation', implementation_iterations: 1 }),
    event: done('tdd_flow_controller'),
    effect: 'tests',
    phase: 'implementation',
  },
  {
    name: 'green → review and security scan together',
    state: at({ phase: 'implementation', implementation_iterations: 1 }),
    event: { type: 'tests', expect: 'green', passed: true, output: 'ok' },
    effect: 'batch:code_reviewer+security_scanner',
    phase: 'implementation',
  },
  {
    name: 'still red → implement again',
    state: at({ phase: 'implementation', implementation_iterations: 1 }),
    event: { type: 'tests', expect: 'green', passed: false, output: 'fail' },
    effect: 'prompt:tdd_flow_controller',
    phase: 'implementation',
  },
  {
    name: 'still red at the cap → fail',
    state: at({ phase: 'implementation', implementation_iterations: 4 }),
    event: { type: 'tests', expect: 'green', passed: false, output: 'fail' },
    effect: 'fail',
    phase: 'implementation',
  },
  {
    name: 'still red at the cap, with 2 more iterations given → implement again',
    state: at({ phase: 'implementation', implementation_iterations: 4, extra_iterations: 2 }),
    event: { type: 'tests', expect: 'green', passed: false, output: 'fail' },
    effect: 'prompt:tdd_flow_controller',
    phase: 'implementation',
  },
  {
    name: 'still red after the extra iterations → fail',
    state: at({ phase: 'implementation', implementation_iterations: 6, extra_iterations: 2 }),
    event: { type: 'tests', expect: 'green', passed: false, output: 'fail' },
    effect: 'fail',
    phase: 'implementation',
  },
  {
    name: 'no test file written → test_generator again',
    state: at({ phase: 'implementation' }),
    event: { type: 'no-tests-written' },
    effect: 'prompt:test_generator',
    phase: 'implementation',
  },
  {
    name: 'no test file after the asks → fail',
    state: at({ phase: 'implementation', test_generation_asks: 2 }),
    event: { type: 'no-tests-written' },
    effect: 'fail',
    phase: 'implementation',
  },
  {
    name: 'gates pass → deployment readiness',
    state: at({ phase: 'implementation', implementation_iterations: 1 }),
    event: {
      type: 'batch-done',
      findings: [{ summary: 'ok', verdict: { passed: true, blocking_issues: [] } }],
      confidence: conf(0.9),
    },
    effect: 'prompt:deployment_checker',
    phase: 'deployment-readiness',
    exited: true,
  },
  {
    name: 'a blocking review issue → implement again',
    state: at({ phase: 'implementation', implementation_iterations: 1 }),
    event: {
      type: 'batch-done',
      findings: [{ summary: 'no', verdict: { passed: false, blocking_issues: ['sync bcrypt'] } }],
      confidence: conf(0.9),
    },
    effect: 'prompt:tdd_flow_controller',
    phase: 'implementation',
  },
  {
    name: 'readiness passed → pr_description_writer',
    state: at({ phase: 'deployment-readiness' }),
    event: done('deployment_checker', { verdict: { passed: true, blocking_issues: [] } }),
    effect: 'prompt:pr_description_writer',
    phase: 'deployment-readiness',
  },
  {
    name: 'readiness without a verdict → pr_description_writer',
    state: at({ phase: 'deployment-readiness' }),
    event: done('deployment_checker'),
    effect: 'prompt:pr_description_writer',
    phase: 'deployment-readiness',
  },
  {
    name: 'readiness with blocking issues → complete, no PR text',
    state: at({ phase: 'deployment-readiness' }),
    event: done('deployment_checker', { verdict: { passed: false, blocking_issues: ['no migration'] } }),
    effect: 'complete',
    phase: 'deployment-readiness',
    exited: true,
  },
  {
    name: 'PR description written → complete',
    state: at({ phase: 'deployment-readiness' }),
    event: done('pr_description_writer'),
    effect: 'complete',
    phase: 'deployment-readiness',
    exited: true,
  },
];

describe('phase machine transitions', () => {
  it.each(table)('$name', (row) => {
    const t = transition(row.state, row.event, cfg);
    expect(describeEffect(t.effect)).toBe(row.effect);
    expect(t.state.phase).toBe(row.phase);
    expect(Boolean(t.exited)).toBe(Boolean(row.exited));
  });

  it('thresholds come from the settings, not constants', () => {
    const strict: MachineSettings = { ...cfg, thresholds: { ...cfg.thresholds, overall_confidence: 0.95 } };
    const t = transition(
      at({ phase: 'uncertainty-analysis' }),
      done('uncertainty_analysis', {}, conf(0.9)),
      strict,
    );
    expect(t.state.phase).toBe('context-building');
  });

  it('a loop back carries the open uncertainties as focus', () => {
    const t = transition(
      at({ phase: 'uncertainty-analysis' }),
      done(
        'uncertainty_analysis',
        { uncertainties: [{ area: 'token_storage', confidence: 0.3, blocking: true, resolved: false }] },
        conf(0.5),
      ),
      cfg,
    );
    expect(t.state.focus).toContain('token_storage');
    expect(t.state.analysis_loops).toBe(1);
  });

  it('a rejection carries the reason into clarification', () => {
    const t = transition(
      at({ phase: 'solution-approval' }),
      { type: 'approval', response: 'rejected', note: 'keep sessions' },
      cfg,
    );
    expect(t.state.feedback).toBe('keep sessions');
    expect(t.effect).toMatchObject({ kind: 'prompt', run: { feedback: 'keep sessions' } });
  });

  it('optional quality gates from the config run with the two required ones, once each', () => {
    const withGates: MachineSettings = {
      ...cfg,
      qualityGates: ['simplicity_checker', 'code_reviewer', 'accessibility_checker'],
    };
    const t = transition(
      at({ phase: 'implementation', implementation_iterations: 1 }),
      { type: 'tests', expect: 'green', passed: true, output: 'ok' },
      withGates,
    );
    expect(describeEffect(t.effect)).toBe(
      'batch:code_reviewer+security_scanner+simplicity_checker+accessibility_checker',
    );
  });

  it('failed gates are fed to the next implementation run and re-checked by the next review', () => {
    const failed = transition(
      at({ phase: 'implementation', implementation_iterations: 1 }),
      {
        type: 'batch-done',
        findings: [
          { summary: 'no', verdict: { passed: false, blocking_issues: ['sync bcrypt in src/auth.js:12'] } },
        ],
        confidence: conf(0.9),
      },
      cfg,
    );
    expect(failed.effect).toMatchObject({
      kind: 'prompt',
      run: { name: 'tdd_flow_controller', feedback: expect.stringContaining('sync bcrypt') },
    });
    const green = transition(
      failed.state,
      { type: 'tests', expect: 'green', passed: true, output: 'ok' },
      cfg,
    );
    expect(
      green.effect.kind === 'batch' && green.effect.runs.every((r) => r.feedback?.includes('sync bcrypt')),
    ).toBe(true);
  });

  it('a rejection reaches synthesis and the presenter as feedback; approval clears it', () => {
    const s = at({ phase: 'uncertainty-analysis', feedback: 'keep sessions' });
    const synth = transition(s, done('uncertainty_analysis', {}, conf(0.9)), cfg);
    expect(synth.effect).toMatchObject({
      kind: 'prompt',
      run: { name: 'solution_synthesizer', feedback: 'keep sessions' },
    });
    const present = transition(synth.state, done('solution_synthesizer'), cfg);
    expect(present.effect).toMatchObject({
      kind: 'prompt',
      run: { name: 'solution_presenter', feedback: 'keep sessions' },
    });
    const approved = transition(
      { ...present.state, phase: 'solution-approval' },
      { type: 'approval', response: 'approved', note: '' },
      cfg,
    );
    expect(approved.state.feedback).toBeNull();
  });

  it('names every prompt it runs in MACHINE_PROMPTS', async () => {
    const source = await readFile(new URL('../../src/phases/machine.ts', import.meta.url), 'utf8');
    const named = [...source.matchAll(/prompt\('([a-z_]+)'/g), ...source.matchAll(/name: '([a-z_]+)'/g)].map(
      (m) => m[1],
    );
    expect(named.length).toBeGreaterThan(15);
    expect(named.filter((n) => !(MACHINE_PROMPTS as readonly string[]).includes(n!))).toEqual([]);
  });

  it('keeps the last failure as feedback at the cap, and tells test_generator it wrote no test', () => {
    const capped = transition(
      at({ phase: 'implementation', implementation_iterations: 4 }),
      { type: 'tests', expect: 'green', passed: false, output: 'not ok 1 - AC2' },
      cfg,
    );
    expect(capped.effect).toEqual({
      kind: 'fail',
      reason: 'tests still failing after 4 implementation iterations',
    });
    expect(capped.state.feedback).toBe('not ok 1 - AC2');
    const again = transition(at({ phase: 'implementation' }), { type: 'no-tests-written' }, cfg);
    expect(again.effect.kind === 'prompt' && again.effect.run.feedback).toMatch(/You wrote no test file/);
    expect(again.state.test_generation_asks).toBe(1);
  });
});
