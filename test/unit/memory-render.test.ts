import { describe, expect, it } from 'vitest';
import type { ChainContext, Phase } from '../../src/chain/schema.js';
import { TestRunSchema } from '../../src/chain/schema.js';
import { memoryTokens, renderMemory } from '../../src/memory/render.js';
import { estimateTokens } from '../../src/memory/tokens.js';
import {
  addStep,
  answerGate,
  chainOf,
  discoverySteps,
  emptyChain,
  type StepSpec,
} from '../helpers/memory.js';

const SOLUTION = `## Approach\n${'src/token.js signs HS256 access tokens with a 15-minute expiry and rotates refresh tokens. '.repeat(12)}\n## Risks\nlogout must revoke.`;

const PLAN = `## Interfaces\n${'signToken(userId: string): string — HS256, 15 min; verifyToken(token: string): Claims | null. '.repeat(20)}\n## Steps\n1. test/token.test.js first`;

const requirementSteps: StepSpec[] = [
  {
    prompt: 'requirement_disambiguator',
    phase: 'requirements-clarification',
    result: {
      summary: 'forks',
      questions: [{ question: 'Keep sessions?', why: 'web UI', default_answer: 'yes' }],
      findings: ['"JWT" forks on refresh tokens'],
    },
  },
  {
    prompt: 'requirement_validator',
    phase: 'requirements-clarification',
    result: {
      summary: 'valid',
      requirements: [
        'POST /api/login returns an access token',
        'POST /api/refresh rotates the refresh token',
      ],
      confidence: { requirements: 0.95 },
    },
  },
];

/** A whole chain up to implementation: requirements, answers, discovery, an approved solution with its file plan. */
function throughApproval(discovery: StepSpec[]): ChainContext {
  let ctx = chainOf(requirementSteps);
  ctx = {
    ...ctx,
    questions: [
      {
        id: 'q1',
        question: 'Where does the signing secret come from?',
        why: 'config',
        default_answer: 'JWT_SECRET',
        answer: 'the JWT_SECRET variable',
        answered_by: 'assumed',
        round: 1,
      },
    ],
    assumptions: ['tokens are only for the mobile API'],
  };
  ctx = chainOf(discovery, ctx);
  ctx = chainOf(
    [
      {
        prompt: 'uncertainty_analysis',
        phase: 'uncertainty-analysis',
        result: {
          summary: 'ready',
          confidence: {
            overall: 0.85,
            requirements: 0.95,
            technical_approach: 0.85,
            implementation_details: 0.8,
          },
        },
      },
      {
        prompt: 'solution_synthesizer',
        phase: 'uncertainty-analysis',
        result: {
          summary: 'plan',
          solution: SOLUTION,
          decisions: [{ key: 'token_storage', choice: 'in-memory store', rationale: 'single instance' }],
        },
      },
      {
        prompt: 'solution_presenter',
        phase: 'solution-approval',
        result: { summary: 'shown', presentation: 'Short version' },
      },
    ],
    ctx,
  );
  ctx = answerGate(ctx, 'approved');
  ctx = addStep(ctx, {
    prompt: 'solution_designer',
    phase: 'implementation',
    result: {
      summary: 'plan',
      file_plan: [{ path: 'src/token.js', action: 'create', change: 'signToken and verifyToken' }],
      solution: PLAN,
    },
  });
  return {
    ...ctx,
    current_phase: 'implementation',
    session_memory: {
      ...ctx.session_memory,
      files_modified: ['test/token.test.js'],
      tests_written: ['test/token.test.js'],
    },
  };
}

/** What is never cut: the goal, requirements, answers, assumptions, approved solution, file plan. */
const NEVER_CUT = [
  '### Goal',
  'AC1: POST /api/login returns an access token',
  'AC2: POST /api/refresh rotates',
  '- Where does the signing secret come from? → the JWT_SECRET variable (assumed default)',
  '- assumption: tokens are only for the mobile API',
  SOLUTION,
  '- create src/token.js: signToken and verifyToken',
  PLAN,
];

interface Row {
  name: string;
  ctx: () => ChainContext;
  budget: number;
  phase?: Phase;
  prompt?: string;
  contains: string[];
  absent?: string[];
  /** Lines left out per section, or null for "nothing left out". */
  omitted: Record<string, number> | null;
  /** Whether the text must fit the budget. */
  fits: boolean;
}

const rows: Row[] = [
  {
    name: 'short chain: everything shown, in section order, nothing summarized',
    ctx: () => throughApproval(discoverySteps(2, 3)),
    budget: 12_000,
    contains: [
      ...NEVER_CUT,
      '[F3.1] finding (trace_existing_flow): src/app.js:10 finding-0-0',
      '[R4.1] risk (dependency_analyzer): risk-1',
      '- token_storage: in-memory store (single instance)',
      '- test/token.test.js (test)',
    ],
    // Implementation needs neither the list of prompts run nor the cost so far: left out, not summarized.
    absent: ['Summarized to fit', '### Prompts already run', '### Cost so far'],
    omitted: null,
    fits: true,
  },
  {
    name: 'long chain past the budget: the least important lines go, never the goal, requirements, answers, solution or plan',
    ctx: () => throughApproval(discoverySteps(40, 8)),
    budget: 6_000,
    contains: [
      ...NEVER_CUT,
      '- token_storage: in-memory store',
      'Summarized to fit the memory budget of 6,000 tokens',
      'findings and risks',
    ],
    omitted: { entries: 1 },
    fits: true,
  },
  {
    name: 'a budget smaller than what is never cut: all of that kept, every other line dropped',
    ctx: () => throughApproval(discoverySteps(10, 4)),
    budget: 400,
    contains: [...NEVER_CUT],
    absent: ['[F3.1]', '### Prompts already run', '### Decisions'],
    omitted: { entries: 1, decisions: 1 },
    fits: false,
  },
  {
    name: 'prompt_selector keeps every prompt already run even when findings are cut',
    ctx: () => chainOf(discoverySteps(30, 8), chainOf(requirementSteps)),
    budget: 4_000,
    phase: 'context-building',
    prompt: 'prompt_selector',
    contains: [
      '- 1 requirement_disambiguator',
      '- 32 dependency_analyzer (context-building, focus: area 29)',
    ],
    omitted: { entries: 1 },
    fits: true,
  },
  {
    name: 'a discovery prompt is not shown the prompts already run (the selector is): their findings are',
    ctx: () => chainOf(discoverySteps(3, 2), chainOf(requirementSteps)),
    budget: 12_000,
    phase: 'context-building',
    prompt: 'hidden_coupling_finder',
    contains: ['(trace_existing_flow): src/app.js:10 finding-0-0'],
    absent: ['### Prompts already run', '- 1 requirement_disambiguator'],
    omitted: null,
    fits: true,
  },
  {
    name: 'in implementation, a prompt whose job is the chain itself (status_reporter) still sees the prompts run and the cost',
    ctx: () => throughApproval(discoverySteps(2, 3)),
    budget: 12_000,
    prompt: 'status_reporter',
    contains: ['### Prompts already run', '- 3 trace_existing_flow'],
    omitted: null,
    fits: true,
  },
  {
    name: 'clarification_generator sees the questions earlier steps proposed',
    ctx: () => chainOf(requirementSteps),
    budget: 12_000,
    phase: 'requirements-clarification',
    prompt: 'clarification_generator',
    contains: [
      '### Questions proposed by earlier steps, not asked yet',
      '[Q1.1] (requirement_disambiguator) Keep sessions? — why: web UI; default: yes',
    ],
    omitted: null,
    fits: true,
  },
  {
    name: 'known facts: lists joined, an empty value shown as (none) rather than blank',
    ctx: () => ({
      ...chainOf(requirementSteps),
      discovered: { test_command: 'node --test', dependencies: [], routes: ['GET /health', 'POST /notes'] },
    }),
    budget: 12_000,
    contains: [
      '### Known facts',
      '- test_command: node --test',
      '- dependencies: (none)',
      '- routes: GET /health; POST /notes',
    ],
    absent: ['- dependencies: \n'],
    omitted: null,
    fits: true,
  },
];

describe('renderMemory', () => {
  it.each(rows)('$name', (row) => {
    const ctx = row.ctx();
    const m = renderMemory(ctx, { budgetTokens: row.budget, phase: row.phase, prompt: row.prompt });
    for (const s of row.contains) expect(m.text).toContain(s);
    for (const s of row.absent ?? []) expect(m.text, m.text).not.toContain(s);
    expect(m.tokens).toBe(estimateTokens(m.text));
    if (row.fits) expect(m.tokens).toBeLessThanOrEqual(row.budget);
    else expect(m.tokens).toBeGreaterThan(row.budget);
    if (row.omitted === null) expect(m.omitted).toEqual({});
    else
      for (const section of Object.keys(row.omitted))
        expect(m.omitted[section as keyof typeof m.omitted]).toBeGreaterThanOrEqual(row.omitted[section]!);
    expect(m.fullTokens).toBeGreaterThanOrEqual(m.tokens - 120);
  });

  it('prints the sections in their documented order', () => {
    const text = renderMemory(throughApproval(discoverySteps(2, 2)), {
      budgetTokens: 12_000,
      prompt: 'status_reporter',
    }).text;
    const order = [
      '### Goal',
      '### Requirements',
      '### Answers and assumptions',
      '### Decisions',
      '### Solution (version 1, approved',
      '### Implementation plan',
      '### Findings and risks',
      '### Prompts already run',
      '### Files changed',
    ];
    const at = order.map((h) => text.indexOf(h));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it('in implementation keeps context-building findings over requirements-phase ones, and newer over older', () => {
    const ctx = throughApproval(discoverySteps(40, 8));
    const m = renderMemory(ctx, { budgetTokens: 7_000 });
    expect(m.text).not.toContain('"JWT" forks on refresh tokens');
    expect(m.text).toContain('finding-39-0');
    expect(m.text).not.toContain('finding-0-0 ');
  });

  it('shows a digest instead of the findings it covers; the originals stay on their steps', () => {
    let ctx = chainOf(discoverySteps(4, 2));
    ctx = addStep(ctx, {
      prompt: 'context_preservation',
      phase: 'context-building',
      result: {
        summary: 'compacted',
        digest: ['[F1.1, F3.2] login goes through src/app.js'],
        findings: ['merged 8 findings into 1'],
      },
    });
    ctx = chainOf(discoverySteps(1, 1), ctx);
    const text = renderMemory(ctx, { budgetTokens: 12_000 }).text;
    expect(text).toContain('### Digest of the findings of steps 1–4 (context_preservation, step 5)');
    expect(text).toContain('- [F1.1, F3.2] login goes through src/app.js');
    expect(text).not.toContain('[F1.1] finding');
    expect(text).not.toContain('merged 8 findings into 1');
    expect(text).toContain('[F6.1] finding');
    expect(ctx.steps[0]!.result).toMatchObject({
      findings: expect.arrayContaining([expect.stringContaining('finding-0-0')]),
    });
  });

  it('shows a rejected solution with the reason, a failed step with its error, the gate answers and test runs', () => {
    let ctx = chainOf([
      {
        prompt: 'solution_synthesizer',
        phase: 'uncertainty-analysis',
        result: { summary: 's', solution: 'Plan A' },
      },
    ]);
    ctx = answerGate(ctx, 'rejected', 'keep sessions for the web UI');
    ctx = addStep(ctx, {
      prompt: 'trace_existing_flow',
      phase: 'context-building',
      result: { summary: 'x' },
      status: 'failed',
      error: 'the model gave invalid input for record_findings after 2 correction(s)',
    });
    ctx = {
      ...ctx,
      current_phase: 'requirements-clarification',
      test_runs: [
        TestRunSchema.parse({
          at: 't',
          phase: 'implementation',
          expect: 'red',
          passed: false,
          exit_code: 1,
          timed_out: false,
          output_tail: 'not ok 1 - verifies a token',
        }),
      ],
    };
    const text = renderMemory(ctx, { budgetTokens: 12_000 }).text;
    expect(text).toContain('### Solution (version 1, rejected');
    expect(text).toContain('- rejected the solution: keep sessions for the web UI');
    expect(text).toContain(
      '- 2 trace_existing_flow (context-building): FAILED — the model gave invalid input',
    );
    // Output no runner's reader recognised: its last lines, said so.
    expect(text).toContain(
      '(implementation, expecting red): failed (exit 1)\n' +
        '<test_output expect="red" at="t">\n' +
        'Summary: not recognised (no known test runner summary in the output)\n' +
        'No failure could be read from the output; its last lines:\n' +
        'not ok 1 - verifies a token\n' +
        '</test_output>',
    );
    // Counts, failing names and the verdict against the baseline reach the next prompt.
    const judged = TestRunSchema.parse({
      at: 'u',
      phase: 'implementation',
      expect: 'green',
      passed: false,
      exit_code: 1,
      timed_out: false,
      output_tail: '',
      counts: { runner: 'pytest', passed: 3, failed: 1, skipped: 0 },
      failing: ['t.py::old'],
      verdict: 'no-new-failures',
    });
    const later = renderMemory(
      { ...ctx, test_runs: [...ctx.test_runs, judged] },
      { phase: 'implementation', prompt: 'tdd_flow_controller', budgetTokens: 12_000 },
    ).text;
    expect(later).toContain(
      '(implementation, expecting green): failed (exit 1), 1 failed, 3 passed (pytest); failing: t.py::old — no new failure: every failing test already failed in the baseline',
    );
  });

  it("shows the last failed run's failures (message and location) before its summary, not its tail; a pointer when the feedback carries them", () => {
    const passing = Array.from({ length: 300 }, (_, i) => `ok ${i + 1} - case ${i + 1}`).join('\n');
    const run = TestRunSchema.parse({
      at: '2026-01-01T00:00:09.000Z',
      phase: 'implementation',
      expect: 'green',
      passed: false,
      exit_code: 1,
      timed_out: false,
      output_tail: `${passing}\n# pass 300\n# fail 1`,
      counts: { runner: 'node:test', passed: 300, failed: 1, skipped: 0 },
      failing: ['GET /orders/42 returns the order'],
      broken: ['test/boom.test.js'],
      failures: [
        {
          kind: 'build',
          name: 'test/boom.test.js',
          message: 'Error: config not found: ORDERS_URL',
          location: 'test/boom.test.js:2',
        },
        {
          kind: 'test',
          name: 'GET /orders/42 returns the order',
          message: 'Expected values to be strictly equal:\n\n404 !== 200',
          location: 'test/cart.test.js:308:10',
        },
      ],
    });
    const ctx = { ...chainOf([]), current_phase: 'implementation' as const, test_runs: [run] };
    const text = renderMemory(ctx, {
      phase: 'implementation',
      prompt: 'tdd_flow_controller',
      budgetTokens: 12_000,
    }).text;
    expect(text).toContain(
      '1 failed, 300 passed, 1 did not build (node:test); failing: GET /orders/42 returns the order; did not build: test/boom.test.js',
    );
    const block = /<test_output[^>]*>\n([\s\S]*?)<\/test_output>/.exec(text)![1]!;
    expect(block).toBe(
      'DID NOT BUILD test/boom.test.js — test/boom.test.js:2\n' +
        '  Error: config not found: ORDERS_URL\n\n' +
        'FAILED GET /orders/42 returns the order — test/cart.test.js:308:10\n' +
        '  Expected values to be strictly equal:\n' +
        '  \n' +
        '  404 !== 200\n\n' +
        'Summary: 1 failed, 300 passed, 1 did not build (node:test)\n',
    );
    expect(text).not.toContain('ok 300 - case 300');
    // Sent once: when the prompt's feedback carries this run, the memory points there.
    const fed = renderMemory(ctx, {
      phase: 'implementation',
      prompt: 'tdd_flow_controller',
      budgetTokens: 12_000,
      testRunInFeedback: run.at,
    }).text;
    expect(fed).not.toContain('404 !== 200');
    expect(fed).toContain('(its failures, with messages and locations, are in the feedback of this request)');
  });

  it("memoryTokens is the whole memory's size, as renderMemory reports it and as its text measures with nothing left out", () => {
    const ctx = chainOf(
      [
        ...requirementSteps,
        ...discoverySteps(30, 6),
        {
          prompt: 'dependency_analyzer',
          phase: 'context-building',
          status: 'failed',
          error: 'the read tool   timed out',
          result: { summary: 'failed' },
        },
      ],
      emptyChain(),
    );
    for (const prompt of [undefined, 'prompt_selector', 'clarification_generator']) {
      const budgeted = renderMemory(ctx, { budgetTokens: 1_000, prompt });
      const whole = renderMemory(ctx, { budgetTokens: 1_000_000, prompt });
      expect(budgeted.omitted).not.toEqual({});
      expect(whole.omitted).toEqual({});
      expect(memoryTokens(ctx, { prompt })).toBe(budgeted.fullTokens);
      expect(memoryTokens(ctx, { prompt })).toBe(estimateTokens(whole.text));
    }
  });

  it('a proposed question leaves the memory once it is asked, though the step that proposed it was rendered before', () => {
    const ctx = chainOf(requirementSteps);
    const line = '[Q1.1] (requirement_disambiguator) Keep sessions?';
    const phase = 'requirements-clarification';
    expect(renderMemory(ctx, { budgetTokens: 12_000, phase }).text).toContain(line);
    const asked: ChainContext = {
      ...ctx,
      questions: [
        {
          id: 'q1',
          question: 'keep sessions?',
          why: 'web UI',
          default_answer: 'yes',
          answer: null,
          answered_by: null,
          round: 1,
        },
      ],
    };
    expect(renderMemory(asked, { budgetTokens: 12_000, phase }).text).not.toContain(line);
    expect(renderMemory(ctx, { budgetTokens: 12_000, phase }).text).toContain(line);
  });
});
