import { describe, expect, it } from 'vitest';
import { TestRunSchema, type ChainContext, type TestRun } from '../../src/chain/schema.js';
import {
  coverage,
  criteriaNamed,
  gateNotes,
  readiness,
  readinessVerdict,
  renderSpec,
  testNamesIn,
} from '../../src/engine/spec.js';
import { judgeRun } from '../../src/engine/testing.js';
import { addStep, emptyChain } from '../helpers/memory.js';

const run = (r: Partial<TestRun> & Pick<TestRun, 'expect' | 'passed'>): TestRun =>
  TestRunSchema.parse({
    at: '2026-01-01T00:00:00.000Z',
    phase: 'implementation',
    exit_code: r.passed ? 0 : 1,
    timed_out: false,
    output_tail: '',
    argv: ['npm', 'test'],
    ...r,
  });

function chain(runs: TestRun[]): ChainContext {
  const ctx = emptyChain();
  ctx.requirements = [
    { id: 'AC1', text: 'WHEN a token expires THE SYSTEM SHALL answer 401', step: 1 },
    { id: 'AC2', text: 'WHEN a token is valid THE SYSTEM SHALL answer 200', step: 1 },
    { id: 'AC3', text: 'THE SYSTEM SHALL log every refusal', step: 1 },
  ];
  ctx.test_runs = runs;
  ctx.test_command = { argv: ['npm', 'test'], source: 'package.json scripts.test' };
  return ctx;
}

describe('criteria named in test names', () => {
  it.each([
    ['AC2: rejects an expired token', ['AC2']],
    ['auth › ac12 rejects', ['AC12']],
    ['tests/test_auth.py::test_ac3_rejects', ['AC3']],
    ['TestAC4RejectsExpired', ['AC4']],
    ['AC1, AC2: both', ['AC1', 'AC2']],
    ['TRACK1 and MAC5 and BAC2x', []],
    ['AC-7 rejects', ['AC7']],
  ])('%s', (text, ids) => expect(criteriaNamed(text)).toEqual(ids));

  it('reads test names from JavaScript, Python, Go and Rust files', () => {
    const js =
      "describe('auth', () => {\n  it('AC1: answers 401', async () => {});\n  test(\"AC2: answers 200\", () => {});\n});";
    expect(testNamesIn(js)).toEqual(['auth', 'AC1: answers 401', 'AC2: answers 200']);
    expect(testNamesIn('def test_ac1_rejects():\n    pass\nasync def test_ac2_ok():\n    pass\n')).toEqual([
      'test_ac1_rejects',
      'test_ac2_ok',
    ]);
    expect(testNamesIn('func TestAC1Rejects(t *testing.T) {}\nfunc helper() {}\n')).toEqual([
      'TestAC1Rejects',
    ]);
    expect(testNamesIn('#[test]\nfn ac1_rejects() {}\n#[tokio::test]\nasync fn ac2_ok() {}\n')).toEqual([
      'ac1_rejects',
      'ac2_ok',
    ]);
  });
});

describe('judgeRun against the baseline', () => {
  const redBaseline = run({ expect: 'baseline', passed: false, failing: ['old broken'] });
  it.each([
    ['a green baseline', 'baseline', true, [], null, 'green'],
    ['a red run that passes is unexpected', 'red', true, [], null, 'unexpected-green'],
    ['a red run', 'red', false, ['AC1: x'], null, 'red'],
    ['green exit 0', 'green', true, [], redBaseline, 'green'],
    ['only the baseline failure left', 'green', false, ['old broken'], redBaseline, 'no-new-failures'],
    ['a new failure beside the old one', 'green', false, ['old broken', 'AC1: x'], redBaseline, 'red'],
    ['red without a parsed summary is red', 'green', false, [], redBaseline, 'red'],
    [
      'red with a green baseline',
      'green',
      false,
      ['old broken'],
      run({ expect: 'baseline', passed: true }),
      'red',
    ],
  ] as const)('%s', (_n, expect_, passed, failing, baseline, verdict) => {
    expect(judgeRun(expect_, passed, [...failing], baseline).verdict).toBe(verdict);
  });
  it('names the new failures', () => {
    expect(judgeRun('green', false, ['old broken', 'AC1: x'], redBaseline).new_failures).toEqual(['AC1: x']);
  });

  describe('by build status', () => {
    const go = { runner: 'go test', passed: 3, failed: 0, skipped: 0 };
    // A Go module whose package example.com/shop/broken does not build before any change.
    const brokenBaseline = run({
      expect: 'baseline',
      passed: false,
      broken: ['example.com/shop/broken'],
      counts: go,
    });
    it.each([
      [
        'the same package still does not build, everything else passes',
        [],
        ['example.com/shop/broken'],
        go,
        'no-new-failures',
        [],
      ],
      [
        'a package that built in the baseline does not build now',
        [],
        ['example.com/shop/broken', 'example.com/shop/calc'],
        go,
        'red',
        ['example.com/shop/calc (did not build)'],
      ],
      [
        'a new failing test beside the old broken package',
        ['TestMean'],
        ['example.com/shop/broken'],
        go,
        'red',
        ['TestMean'],
      ],
      [
        'nothing passes where the baseline passed tests',
        [],
        ['example.com/shop/broken'],
        { ...go, passed: 0 },
        'red',
        [],
      ],
      [
        'another runner than the baseline',
        [],
        ['example.com/shop/broken'],
        { runner: 'tsc', passed: null, failed: 0, skipped: null },
        'red',
        [],
      ],
    ] as const)('%s', (_n, failing, broken, counts, verdict, news) => {
      const r = judgeRun('green', false, [...failing], brokenBaseline, { broken: [...broken], counts });
      expect(r.verdict).toBe(verdict);
      expect(r.new_failures).toEqual(news);
    });
    it('a unit that does not build against a baseline that built is a new failure, named', () => {
      const r = judgeRun('green', false, ['old broken'], redBaseline, { broken: ['test/app.test.js'] });
      expect(r).toEqual({ verdict: 'red', new_failures: ['test/app.test.js (did not build)'] });
    });
  });
});

describe('coverage, readiness and the spec', () => {
  const runs = [
    run({ expect: 'baseline', passed: true, phase: 'solution-approval' }),
    run({
      expect: 'red',
      passed: false,
      failing: ['AC1: answers 401', 'test/auth.test.js'],
      counts: { runner: 'node:test', passed: 2, failed: 2, skipped: 0 },
    }),
    run({ expect: 'green', passed: false, iteration: 1, failing: ['AC1: answers 401'], verdict: 'red' }),
    run({
      expect: 'green',
      passed: true,
      iteration: 2,
      verdict: 'green',
      counts: { runner: 'node:test', passed: 4, failed: 0, skipped: 0 },
    }),
  ];
  const files = {
    'test/auth.test.js': "it('AC1: answers 401', () => {});\nit('AC2: answers 200', () => {});\n",
  };

  it('links each criterion to its tests with the red run and the first green run after it', () => {
    const cov = coverage(chain(runs), files);
    expect(cov.map((c) => [c.id, c.tests])).toEqual([
      ['AC1', [{ test: 'AC1: answers 401 (test/auth.test.js)', red: 2, green: 4 }]],
      // AC2 failed with its whole file in the red run.
      ['AC2', [{ test: 'AC2: answers 200 (test/auth.test.js)', red: 2, green: 4 }]],
      ['AC3', []],
    ]);
  });

  it('flags a criterion no test names, and adds the readiness report at the end', () => {
    let ctx = chain(runs);
    ctx = addStep(ctx, {
      prompt: 'security_scanner',
      phase: 'implementation',
      result: { summary: 's', verdict: { passed: true, blocking_issues: [] } },
    });
    ctx = addStep(ctx, {
      prompt: 'deployment_checker',
      phase: 'deployment-readiness',
      result: {
        summary: 'd',
        verdict: {
          passed: true,
          blocking_issues: [],
          notes: [
            'breaking changes: PASS - additive',
            'migration plan: N/A - none',
            'feature flag: FAIL - ships on for everyone',
          ],
        },
      },
    });
    const r = readiness(ctx);
    expect(r.items.map((i) => [i.item, i.status])).toEqual([
      ['tests', 'pass'],
      ['breaking changes', 'pass'],
      ['migration plan', 'n/a'],
      ['feature flag', 'fail'],
      ['security', 'pass'],
    ]);
    const md = renderSpec(ctx, files, { final: true });
    expect(md).toContain(
      '3. **AC3** — THE SYSTEM SHALL log every refusal\n   - ⚠ **no test names this criterion**',
    );
    expect(md).toContain('`AC1: answers 401 (test/auth.test.js)` — red at run 2 → green at run 4');
    expect(md).toContain('- ⚠ Criteria without a test: AC3');
    expect(md).toContain('- [ ] feature flag: FAIL — ships on for everyone');
    expect(renderSpec(ctx, files)).not.toContain('## Readiness');
  });

  it('the readiness of a run that kept the baseline failures is a warning, never a pass', () => {
    const ctx = chain([
      run({ expect: 'baseline', passed: false, failing: ['old'] }),
      run({
        expect: 'green',
        passed: false,
        failing: ['old'],
        verdict: 'no-new-failures',
        counts: { runner: 'jest', passed: 5, failed: 1, skipped: 0 },
      }),
    ]);
    const tests = readiness(ctx).items[0]!;
    expect(tests.status).toBe('warn');
    expect(tests.detail).toContain('1 failing already in the baseline, not fixed by this change');
    expect(gateNotes(ctx, '/c/chain-001.md')).toContain('Baseline, before any change: RED — ');
  });

  it('a test file that did not build in the red run makes its criteria red; the spec and the gate show the failures with message and location', () => {
    const go = { runner: 'go test', passed: 3, failed: 0, skipped: 0 };
    const legacy = {
      kind: 'build' as const,
      name: 'example.com/shop/legacy',
      message: 'legacy/legacy.go:5:17: cannot use 3 (untyped int constant) as string value',
      location: 'legacy/legacy.go:5:17',
    };
    const ctx = chain([
      run({
        expect: 'baseline',
        passed: false,
        broken: ['example.com/shop/legacy'],
        failures: [legacy],
        counts: go,
      }),
      run({
        expect: 'red',
        passed: false,
        broken: ['example.com/shop/legacy', 'test/auth.test.js'],
        failures: [
          legacy,
          {
            kind: 'build',
            name: 'test/auth.test.js',
            message: "Error: Cannot find module '../src/auth.js'",
            location: 'test/auth.test.js:1:1',
          },
        ],
        counts: go,
      }),
      run({
        expect: 'green',
        passed: false,
        broken: ['example.com/shop/legacy'],
        failures: [legacy],
        verdict: 'no-new-failures',
        counts: { ...go, passed: 5 },
      }),
    ]);
    expect(coverage(ctx, files).map((c) => [c.id, c.tests])).toEqual([
      ['AC1', [{ test: 'AC1: answers 401 (test/auth.test.js)', red: 2, green: 3 }]],
      ['AC2', [{ test: 'AC2: answers 200 (test/auth.test.js)', red: 2, green: 3 }]],
      ['AC3', []],
    ]);
    const md = renderSpec(ctx, files);
    expect(md).toContain(
      '### Failures of the last run (run 3)\n\n- did not build example.com/shop/legacy — legacy/legacy.go:5:17: legacy/legacy.go:5:17: cannot use 3 (untyped int constant) as string value\n',
    );
    expect(md).toContain(
      'no-new-failures — 0 failed, 5 passed, 1 did not build (go test); did not build: example.com/shop/legacy',
    );
    expect(readiness(ctx).items[0]!.detail).toContain(
      '1 not building already in the baseline, not fixed by this change',
    );
    const gate = gateNotes(ctx, null);
    expect(gate).toContain(
      'Baseline, before any change: RED — 0 failed, 3 passed, 1 did not build (go test); ' +
        'did not build: example.com/shop/legacy. Later runs are judged against it, by test name ' +
        'and by build status',
    );
    expect(gate).toContain(
      '  did not build example.com/shop/legacy — legacy/legacy.go:5:17: legacy/legacy.go:5:17: cannot use 3',
    );
  });
});

describe('the spec keeps the implementation plan', () => {
  it("prints solution_designer's plan document whole under the file plan", () => {
    let ctx = chain([]);
    ctx = addStep(ctx, {
      prompt: 'solution_synthesizer',
      phase: 'uncertainty-analysis',
      result: { summary: 's', solution: 'Token module' },
    });
    ctx = {
      ...ctx,
      solution_versions: ctx.solution_versions.map((v) => ({ ...v, status: 'approved' as const })),
    };
    const doc = `## Interfaces\n${'signToken(payload, secret) → string. '.repeat(80)}\n## Steps\n1. tests first`;
    ctx = addStep(ctx, {
      prompt: 'solution_designer',
      phase: 'implementation',
      result: {
        summary: 'plan',
        file_plan: [{ path: 'src/token.js', action: 'create', change: 'sign and verify' }],
        solution: doc,
      },
    });
    const spec = renderSpec(ctx);
    expect(spec).toContain('- `src/token.js` (create): sign and verify');
    expect(spec).toContain(`## Implementation plan\n\n${doc}\n`);
  });
});

describe('the readiness verdict', () => {
  const green = () =>
    chain([
      run({ expect: 'baseline', passed: true }),
      run({ expect: 'green', passed: true, verdict: 'green' }),
    ]);
  const deploy = (
    ctx: ChainContext,
    verdict: { passed: boolean; blocking_issues: string[]; notes?: string[] },
  ) =>
    addStep(ctx, {
      prompt: 'deployment_checker',
      phase: 'deployment-readiness',
      result: { summary: 'd', verdict },
    });
  const ALL_NOTES = [
    'breaking changes: PASS - additive',
    'migration plan: N/A - none',
    'feature flag: N/A - small',
  ];
  const withSecurity = (ctx: ChainContext) =>
    addStep(ctx, {
      prompt: 'security_scanner',
      phase: 'implementation',
      result: { summary: 's', verdict: { passed: true, blocking_issues: [] } },
    });

  it('is never READY beside a blocking issue, even when the model says passed', () => {
    const r = readiness(
      deploy(withSecurity(green()), {
        passed: true,
        blocking_issues: ['the refresh secret is hard-coded'],
        notes: ALL_NOTES,
      }),
    );
    expect(r.passed).toBe(false);
    expect(readinessVerdict(r)).toBe('NOT READY');
    expect(
      renderSpec(
        deploy(withSecurity(green()), { passed: true, blocking_issues: ['x'], notes: ALL_NOTES }),
        {},
        { final: true },
      ),
    ).toContain('Verdict: not ready');
  });

  it('is not plain READY when checks were never assessed, and names them', () => {
    const r = readiness(deploy(green(), { passed: true, blocking_issues: [] }));
    expect(r.passed).toBe(true);
    expect(readinessVerdict(r)).toBe(
      'READY (unconfirmed: breaking changes, migration plan, feature flag, security not assessed)',
    );
  });

  it('is READY when the model passed it and every check was assessed without a failure', () => {
    const r = readiness(
      deploy(withSecurity(green()), { passed: true, blocking_issues: [], notes: ALL_NOTES }),
    );
    expect(readinessVerdict(r)).toBe('READY');
    expect(readinessVerdict(readiness(green()))).toBe('not assessed');
  });
});
