/**
 * End to end: the built binary runs workflows (`--workflow NAME`) against the fake Messages API
 * on the Express fixture. Each built-in runs to its end; a workspace workflow exercises a
 * parallel fan-out, a condition and a bounded loop; budgets stop a fan-out before it overspends.
 * Assertions are on the requests the fake received: which prompts ran, in which order, with what.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gitIn } from '../helpers/workspace.js';
import { contextFiles, jsonOut, onlyChain, readContext, setupE2e, type E2e } from '../helpers/e2e.js';
import { createScenario, GOAL, readTurn, type Scenario, type ScenarioOptions } from '../helpers/scenario.js';
import { TOKEN_MODULE_PATH, TOKEN_TEST_PATH } from '../helpers/scenario-files.js';
import type { FakeReply, RecordedRequest } from '../helpers/fake-anthropic.js';

const E2E_TIMEOUT_MS = 300_000;

/** The JWT scenario, with `extra(prompt)` findings text merged into the summary of the given prompts' results. */
function scenarioWith(extra: Record<string, string>): (o: ScenarioOptions) => Scenario {
  return (o) => {
    const s = createScenario(o);
    return {
      log: s.log,
      responder: async (req: RecordedRequest, i: number): Promise<FakeReply> => {
        const reply = await s.responder(req, i);
        const t = readTurn(req.body ?? {});
        const add = t ? extra[t.prompt] : undefined;
        if (!add || !('toolUses' in reply) || !reply.toolUses) return reply;
        return {
          toolUses: reply.toolUses.map((u) =>
            u.name.endsWith('record_findings')
              ? {
                  ...u,
                  input: {
                    ...(u.input as object),
                    summary: `${(u.input as { summary: string }).summary} ${add}`,
                    findings: [add],
                  },
                }
              : u,
          ),
        };
      },
    };
  };
}

/** Prompt names of the first request of every step, in request order. */
/** The prompts of the steps the server saw, in step order (`step:prompt`). */
function promptsByStep(e: E2e): string[] {
  const steps = new Map<number, string>();
  for (const r of e.messages()) {
    const t = readTurn(r.body ?? {});
    if (t) steps.set(t.step, t.prompt);
  }
  return [...steps.entries()].sort((x, y) => x[0] - y[0]).map(([n, p]) => `${n}:${p}`);
}

function promptsRun(e: E2e): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of e.messages()) {
    const t = readTurn(r.body ?? {});
    if (!t) continue;
    const key = `${t.step}:${t.prompt}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(t.prompt);
  }
  return out;
}

/** The instructions of the first request of `prompt`. */
function instructionsOf(e: E2e, prompt: string): string {
  const r = e.messages().find((m) => readTurn(m.body ?? {})?.prompt === prompt);
  return r ? readTurn(r.body ?? {})!.instructions : '';
}

/** Tool names offered in any request of `prompt`. */
function toolsOffered(e: E2e, prompt: string): string[] {
  return [
    ...new Set(
      e
        .messages()
        .filter((m) => readTurn(m.body ?? {})?.prompt === prompt)
        .flatMap((m) => ((m.body as { tools?: { name: string }[] }).tools ?? []).map((t) => t.name)),
    ),
  ];
}

/**
 * One default chain (no --workflow, the JWT scenario) run to completion, shared by the tests that
 * compare another chain's requests with it: the scenario's replies are pure functions of the
 * requests, so a second identical run would send the very same ones. Started by the first test
 * that asks; closed after the file.
 */
let reference: Promise<E2e> | undefined;
function defaultChain(): Promise<E2e> {
  reference ??= (async () => {
    const e = await setupE2e();
    const r = await e.run('--yes', '--json', GOAL);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(jsonOut(r)).toMatchObject({ status: 'complete' });
    return e;
  })();
  return reference;
}
afterAll(async () => (await reference?.catch(() => undefined))?.close());

describe.concurrent('claude-exec --workflow (built binary, fake API)', () => {
  it(
    'plan: clarification through an approved solution, and no implementation request',
    async () => {
      const e = await setupE2e();
      try {
        const r = await e.run('--yes', '--json', '--workflow', 'plan', GOAL);
        expect(r.exitCode, r.stderr).toBe(0);
        expect(jsonOut(r)).toMatchObject({ status: 'complete' });
        const prompts = promptsRun(e);
        expect(prompts[0]).toBe('new_case');
        expect(prompts).toEqual(
          expect.arrayContaining([
            'prompt_selector',
            'uncertainty_analysis',
            'solution_synthesizer',
            'solution_presenter',
          ]),
        );
        for (const p of ['solution_designer', 'test_generator', 'tdd_flow_controller', 'deployment_checker'])
          expect(prompts).not.toContain(p);
        const { ctx } = await onlyChain(e.ws.root);
        expect(ctx.workflow?.name).toBe('plan');
        expect(ctx.solution_versions.at(-1)?.status).toBe('approved');
        expect(ctx.session_memory.files_modified).toEqual([]);
        expect(ctx.workflow?.state.history.map((h) => h.kind)).toEqual(['phase', 'phase', 'phase', 'phase']);
        // The gate showed the baseline, run before it (and before any change).
        expect(ctx.test_runs.map((t) => t.expect)).toEqual(['baseline']);
        expect(r.stderr).toMatch(/Baseline, before any change: green — /);
        // The approved spec is the result: written, final, with the approved solution.
        const spec = (jsonOut(r) as { spec: string | null }).spec;
        expect(spec).not.toBeNull();
        const text = await readFile(spec!, 'utf8');
        expect(text).toContain(ctx.solution_versions.at(-1)!.text.split('\n')[0]!);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'bugfix: reproduce, diagnose in parallel, bisect for a regression with git history, fix test-first, regression review',
    async () => {
      const e = await setupE2e(
        {},
        scenarioWith({
          reproduction_creator: 'This is a regression: login worked before the session upgrade.',
        }),
      );
      try {
        await writeFile(path.join(e.ws.root, 'CHANGELOG.md'), '# 1.1\n- session upgrade\n');
        await gitIn(e.ws.root, ['add', '-A']);
        await gitIn(e.ws.root, ['commit', '-q', '-m', 'Session upgrade']);
        const r = await e.run('--yes', '--json', '--workflow', 'bugfix', GOAL);
        expect(r.exitCode, r.stderr).toBe(0);
        const prompts = promptsRun(e);
        expect(prompts[0]).toBe('reproduction_creator');
        expect(prompts.slice(1, 3).sort()).toEqual(['log_pattern_finder', 'stack_trace_analyzer']);
        expect(prompts[3]).toBe('bisect_assistant');
        // The fix is test-first through the machine's implementation phase, then the regression review.
        const iTest = prompts.indexOf('test_generator');
        expect(iTest).toBeGreaterThan(prompts.indexOf('solution_presenter'));
        expect(prompts.indexOf('tdd_flow_controller')).toBeGreaterThan(iTest);
        expect(prompts.at(-1)).toBe('code_reviewer');
        expect(instructionsOf(e, 'stack_trace_analyzer')).toContain('Walk the stack trace');
        expect(instructionsOf(e, 'bisect_assistant')).toContain('plan the bisect');
        const { ctx } = await onlyChain(e.ws.root);
        expect(ctx.status).toBe('complete');
        expect(ctx.session_memory.files_modified).toEqual([TOKEN_TEST_PATH, TOKEN_MODULE_PATH]);
        // The baseline before any change (at the checkpoint), then red and green.
        expect(ctx.test_runs.map((t) => [t.expect, t.passed])).toEqual([
          ['baseline', true],
          ['red', false],
          ['green', true],
        ]);
        expect(ctx.workflow?.state.history.find((h) => h.kind === 'if')?.outcome).toBe('then');
        expect(ctx.calls.length).toBe(e.messages().length);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'bugfix without a regression skips bisect_assistant',
    async () => {
      const e = await setupE2e();
      try {
        const r = await e.run('--yes', '--json', '--workflow', 'bugfix', GOAL);
        expect(r.exitCode, r.stderr).toBe(0);
        expect(promptsRun(e)).not.toContain('bisect_assistant');
        const { ctx } = await onlyChain(e.ws.root);
        expect(ctx.workflow?.state.history.find((h) => h.kind === 'if')?.outcome).toBe('else');
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'review: four quality prompts in parallel merged by status_reporter; a write is refused, nothing written',
    async () => {
      // The scripted code_reviewer tries to write a file on its first turn.
      const e = await setupE2e({}, (o) => {
        const s = createScenario(o);
        return {
          log: s.log,
          responder: async (req: RecordedRequest, i: number): Promise<FakeReply> => {
            const t = readTurn(req.body ?? {});
            if (t?.prompt === 'code_reviewer' && t.turn === 0 && t.forced === null)
              return { toolUses: [{ name: 'write_file', input: { path: 'REVIEWED.md', content: 'x' } }] };
            return s.responder(req, i);
          },
        };
      });
      try {
        const r = await e.run('--yes', '--json', '--workflow', 'review', 'Review the changes on this branch');
        expect(r.exitCode, r.stderr).toBe(0);
        const prompts = promptsRun(e);
        expect(prompts.slice(0, 4).sort()).toEqual([
          'breaking_change_detector',
          'code_reviewer',
          'security_scanner',
          'simplicity_checker',
        ]);
        expect(prompts[4]).toBe('status_reporter');
        // Every verdict passed: the blocking-issues write-up does not run.
        expect(prompts).not.toContain('tech_debt_documenter');
        expect(instructionsOf(e, 'status_reporter')).toContain(
          'Merge the results of the parallel steps code_reviewer, security_scanner, simplicity_checker, breaking_change_detector',
        );
        const refused = e
          .messages()
          .map((m) => readTurn(m.body ?? {}))
          .find((t) => t?.prompt === 'code_reviewer' && t.results.some((x) => x.name === 'write_file'));
        expect(refused?.results.find((x) => x.name === 'write_file')?.isError).toBe(true);
        expect(existsSync(path.join(e.ws.root, 'REVIEWED.md'))).toBe(false);
        const { ctx } = await onlyChain(e.ws.root);
        expect(ctx.session_memory.files_modified).toEqual([]);
        expect(ctx.status).toBe('complete');
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'review without --json ends with what it found: the summary, what blocks, findings citing file:line',
    async () => {
      const e = await setupE2e({}, (o) => {
        const s = createScenario(o);
        return {
          log: s.log,
          responder: async (req: RecordedRequest, i: number): Promise<FakeReply> => {
            const t = readTurn(req.body ?? {});
            if (t?.prompt === 'code_reviewer' && (t.turn > 0 || t.forced !== null)) {
              const input = {
                summary: 'code_reviewer: one blocking issue.',
                findings: [
                  'The session store keeps no expiry.',
                  'src/routes/login.js:14 — the password is compared with ==, not a constant-time compare',
                ],
                verdict: {
                  passed: false,
                  blocking_issues: ['login compares passwords in variable time (src/routes/login.js:14)'],
                },
              };
              return { toolUses: [{ name: 'record_findings', input }] };
            }
            return s.responder(req, i);
          },
        };
      });
      try {
        const r = await e.run('--yes', '--workflow', 'review', 'Review the changes on this branch');
        expect(r.exitCode, r.stderr).toBe(0);
        const out = r.stdout.slice(r.stdout.indexOf('\nFindings:'));
        expect(out).toMatch(/^\nFindings:\n {2}summary \((status_reporter|tech_debt_documenter)\): \S/);
        expect(out).toContain(
          '  blocking (code_reviewer): login compares passwords in variable time (src/routes/login.js:14)',
        );
        // The finding citing a file and line comes before the one that does not.
        const cited = out.indexOf(
          '  - src/routes/login.js:14 — the password is compared with ==, not a constant-time compare  [code_reviewer]',
        );
        expect(cited).toBeGreaterThan(0);
        expect(out.indexOf('  - The session store keeps no expiry.  [code_reviewer]')).toBeGreaterThan(cited);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'refactor: plan, approval, characterization tests, small steps until green, review',
    async () => {
      const e = await setupE2e({}, scenarioWith({ tdd_flow_controller: 'all refactoring steps done' }));
      try {
        const r = await e.run(
          '--yes',
          '--json',
          '--workflow',
          'refactor',
          'Extract token handling into its own module',
        );
        expect(r.exitCode, r.stderr).toBe(0);
        expect(promptsRun(e)).toEqual([
          'refactoring_planner',
          'test_generator',
          'tdd_flow_controller',
          'code_reviewer',
        ]);
        expect(toolsOffered(e, 'test_generator')).toContain('write_file');
        const { ctx } = await onlyChain(e.ws.root);
        expect(
          ctx.approval_history.filter((a) => a.kind === 'solution').map((a) => [a.phase, a.user_response]),
        ).toEqual([['uncertainty-analysis', 'approved']]);
        // The baseline runs before the approval gate (as before the feature flow's), then the workflow's own runs.
        expect(ctx.test_runs.map((t) => [t.expect, t.passed])).toEqual([
          ['baseline', true],
          ['green', false],
          ['green', true],
        ]);
        const approved = ctx.approval_history.find((a) => a.kind === 'solution')!;
        expect(Date.parse(ctx.test_runs[0]!.at)).toBeLessThanOrEqual(Date.parse(approved.timestamp));
        expect(ctx.checkpoints).toHaveLength(1);
        expect(ctx.workflow?.state.history.find((h) => h.kind === 'loop')?.outcome).toBe(
          'condition met after 1 pass(es)',
        );
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'a workflow that runs tests settles the test command first (a question when none is found, before any call); review never asks',
    async () => {
      const e = await setupE2e({}, undefined, { testCommand: 'detect' });
      try {
        const pkg = path.join(e.ws.root, 'package.json');
        const json = JSON.parse(await readFile(pkg, 'utf8')) as { scripts: Record<string, string> };
        json.scripts.test = 'echo "Error: no test specified" && exit 1';
        await writeFile(pkg, JSON.stringify(json, null, 2));
        const paused = await e.run('--json', '--workflow', 'bugfix', GOAL);
        expect(paused.exitCode, paused.stderr).toBe(3);
        expect(e.messages()).toHaveLength(0);
        expect(JSON.stringify(jsonOut(paused))).toContain(
          'No test command could be told from this workspace',
        );
        const done = await e.run('--yes', '--json', 'answer', '001', '--answer', 'test_command=node --test');
        expect(done.exitCode, done.stderr).toBe(0);
        const [first] = await contextFiles(e.ws.root);
        const ctx = readContext(first!);
        expect(ctx.test_command).toEqual({
          argv: ['node', '--test'],
          source: expect.stringContaining('answer to test_command'),
        });
        expect(ctx.test_runs.length).toBeGreaterThan(0);
        expect(ctx.test_runs.every((t) => t.argv.join(' ') === 'node --test')).toBe(true);
        const review = await e.run(
          '--yes',
          '--json',
          '--workflow',
          'review',
          'Review the changes on this branch',
        );
        expect(review.exitCode, review.stderr).toBe(0);
        expect(review.stderr).not.toContain('test command');
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'docs: API docs and an ADR in parallel, then release notes',
    async () => {
      const e = await setupE2e();
      try {
        const r = await e.run('--yes', '--workflow', 'docs', 'Document the auth API for release 1.2');
        expect(r.exitCode, r.stderr).toBe(0);
        // The outcome names the workflow, not the phase its last prompt ran as.
        expect(r.stdout).toMatch(/^Chain \d{3}: complete \(workflow docs\)$/m);
        const prompts = promptsRun(e);
        expect(prompts.slice(0, 2).sort()).toEqual(['adr_generator', 'api_doc_generator']);
        expect(prompts.slice(2)).toEqual(['release_notes_generator']);
        expect(instructionsOf(e, 'release_notes_generator')).toContain('since the last tag');
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'feature (explicit) is the phase flow: the same prompts as the default run',
    async () => {
      const a = await setupE2e();
      try {
        const [ra, b] = await Promise.all([
          a.run('--yes', '--json', '--workflow', 'feature', GOAL),
          defaultChain(),
        ]);
        expect(ra.exitCode, ra.stderr).toBe(0);
        // By step number: the steps of a concurrent batch reach the server in either order.
        expect(promptsByStep(a)).toEqual(promptsByStep(b));
        expect(a.messages().length).toBe(b.messages().length);
      } finally {
        await a.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'without git, a workflow that writes keeps the originals for rollback and says so (one checkpoint rule for every flow)',
    async () => {
      const e = await setupE2e({}, scenarioWith({ tdd_flow_controller: 'all refactoring steps done' }));
      try {
        await rm(path.join(e.ws.root, '.git'), { recursive: true, force: true });
        const r = await e.run(
          '--yes',
          '--json',
          '--workflow',
          'refactor',
          'Extract token handling into its own module',
        );
        expect(r.exitCode, r.stderr).toBe(0);
        expect(r.stderr).toContain(
          'the workspace is not a git repository: the original of every file the chain changes is kept in',
        );
        expect(r.stderr).not.toContain('rollback` will not be available');
        const { ctx } = await onlyChain(e.ws.root);
        expect(ctx.checkpoints).toEqual([]);
        // What rollback restores: the original (here: absence) of every file the chain wrote.
        expect(ctx.originals.map((o) => o.path).sort()).toEqual(
          [...ctx.session_memory.files_modified].sort(),
        );
        expect(ctx.originals.length).toBeGreaterThan(0);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'a context file from before every chain ran a workflow resumes as the feature workflow, with the same requests',
    async () => {
      const b = await setupE2e();
      try {
        const [a, rb] = await Promise.all([
          defaultChain(),
          b.run('--yes', '--json', '--until', 'context-building', GOAL),
        ]);
        expect(rb.exitCode, rb.stderr).toBe(0);
        expect(jsonOut(rb)).toMatchObject({ status: 'paused' });
        // The file as the phase driver wrote it: no workflow, the machine waiting in uncertainty-analysis.
        const { file, ctx } = await onlyChain(b.ws.root);
        expect(ctx.machine.phase).toBe('uncertainty-analysis');
        const raw = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
        await writeFile(file, JSON.stringify({ ...raw, workflow: null }, null, 2));
        const resumed = await b.run('--yes', '--json', 'resume', String(jsonOut(rb).chain_id));
        expect(resumed.exitCode, resumed.stderr).toBe(0);
        expect(jsonOut(resumed)).toMatchObject({ status: 'complete' });
        expect(promptsByStep(b)).toEqual(promptsByStep(a));
        expect(b.messages().length).toBe(a.messages().length);
        const after = readContext(file);
        expect(after.workflow?.name).toBe('feature');
        expect(after.workflow?.state.history.map((h) => h.at)).toEqual([
          'steps.2',
          'steps.3',
          'steps.4',
          'steps.5',
        ]);
      } finally {
        await b.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "a trusted workspace's own feature.yaml is what a default chain runs",
    async () => {
      const e = await setupE2e();
      try {
        await mkdir(path.join(e.ws.root, 'workflows'));
        await writeFile(
          path.join(e.ws.root, 'workflows', 'feature.yaml'),
          [
            'name: feature',
            'description: This team plans first - the approved solution is where the chain stops.',
            'steps:',
            '  - phase: requirements-clarification',
            '  - phase: context-building',
            '  - phase: uncertainty-analysis',
            '  - phase: solution-approval',
          ].join('\n'),
        );
        const r = await e.run('--yes', '--json', '--trust', GOAL);
        expect(r.exitCode, r.stderr).toBe(0);
        const prompts = promptsRun(e);
        expect(prompts).toContain('solution_presenter');
        for (const p of ['solution_designer', 'test_generator', 'deployment_checker'])
          expect(prompts).not.toContain(p);
        const { ctx } = await onlyChain(e.ws.root);
        expect(ctx.workflow).toMatchObject({ name: 'feature', layer: 'workspace' });
        expect(ctx.status).toBe('complete');
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'a workspace workflow: a parallel fan-out, a condition on confidence, a loop stopped at its max',
    async () => {
      const e = await setupE2e();
      try {
        await mkdir(path.join(e.ws.root, 'workflows'));
        await writeFile(
          path.join(e.ws.root, 'workflows', 'survey.yaml'),
          [
            'name: survey',
            'description: Survey the code base, then dig where confidence is low.',
            'steps:',
            '  - parallel:',
            '      max_concurrency: 2',
            '      branches:',
            '        - { prompt: api_surface_mapper, focus: "every route" }',
            '        - { prompt: dependency_analyzer, focus: "runtime deps" }',
            '        - { prompt: component_mapper, focus: "modules and their owners" }',
            '  - if: { confidence: { below: 0.9 } }',
            '    then:',
            '      - { prompt: hidden_coupling_finder, model: smart }',
            '    else:',
            '      - { prompt: dead_code_detector }',
            '  - loop:',
            '      max: 2',
            '      until: { finding: "no further risk" }',
            '      steps:',
            '        - { prompt: assumption_validator, focus: "check one assumption" }',
          ].join('\n'),
        );
        const v = await e.run('workflows', 'validate', '--json');
        expect(v.exitCode, v.stdout + v.stderr).toBe(0);
        const r = await e.run('--yes', '--json', '--trust', '--workflow', 'survey', 'Survey this app');
        expect(r.exitCode, r.stderr).toBe(0);
        const prompts = promptsRun(e);
        expect(prompts.slice(0, 3).sort()).toEqual([
          'api_surface_mapper',
          'component_mapper',
          'dependency_analyzer',
        ]);
        expect(prompts.slice(3)).toEqual([
          'hidden_coupling_finder',
          'assumption_validator',
          'assumption_validator',
        ]);
        // The smart tier for the one step that asked for it.
        const smart = e
          .messages()
          .filter((m) => readTurn(m.body ?? {})?.prompt === 'hidden_coupling_finder')
          .map((m) => (m.body as { model: string }).model);
        const other = e
          .messages()
          .filter((m) => readTurn(m.body ?? {})?.prompt === 'assumption_validator')
          .map((m) => (m.body as { model: string }).model);
        const { ctx } = await onlyChain(e.ws.root);
        expect(new Set(smart)).toEqual(new Set([ctx.models.smart]));
        expect(new Set(other)).toEqual(new Set([ctx.models.default]));
        expect(ctx.workflow?.state.history.filter((h) => h.kind === 'loop').map((h) => h.outcome)).toEqual([
          'stopped at its max of 2 passes without meeting the condition',
        ]);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'budgets stop a fan-out before it overspends: a step budget_usd, and --max-cost across the branches',
    async () => {
      const fanout = (budget: string) =>
        [
          'name: fanout',
          'description: Four discovery prompts at once.',
          'steps:',
          ...(budget ? [`  - budget_usd: ${budget}`, '    parallel:'] : ['  - parallel:']),
          '      max_concurrency: 4',
          '      branches:',
          '        - { prompt: api_surface_mapper }',
          '        - { prompt: dependency_analyzer }',
          '        - { prompt: component_mapper }',
          '        - { prompt: integration_point_finder }',
        ].join('\n');
      const [a, b, c] = await Promise.all([setupE2e(), setupE2e(), setupE2e()]);
      try {
        await Promise.all([a, b, c].map((e) => mkdir(path.join(e.ws.root, 'workflows'))));
        await writeFile(path.join(a.ws.root, 'workflows', 'fanout.yaml'), fanout(''));
        await writeFile(path.join(b.ws.root, 'workflows', 'fanout.yaml'), fanout('0.03'));
        await writeFile(path.join(c.ws.root, 'workflows', 'fanout.yaml'), fanout(''));
        for (const e of [a, b, c]) e.trust();
        // Unlimited: what the whole fan-out costs.
        const full = await a.run('--yes', '--json', '--workflow', 'fanout', 'Map this app');
        expect(full.exitCode, full.stderr).toBe(0);
        const fullCost = jsonOut(full).cost_usd as number;
        expect(fullCost).toBeGreaterThan(0.045);

        const [byStep, byChain] = await Promise.all([
          b.run('--yes', '--json', '--workflow', 'fanout', 'Map this app'),
          c.run('--yes', '--json', '--workflow', 'fanout', '--max-cost', '0.03', 'Map this app'),
        ]);
        for (const [r, e, scope] of [
          [byStep, b, 'workflow step steps.0 budget reached'],
          [byChain, c, 'budget reached'],
        ] as const) {
          expect(r.exitCode, r.stderr).toBe(4);
          expect(r.stderr).toContain(scope);
          const out = jsonOut(r);
          expect(out).toMatchObject({ status: 'budget-exceeded' });
          // Checked before every call, branches in flight included: never past the limit.
          expect(out.cost_usd as number).toBeLessThanOrEqual(0.03);
          expect(e.messages().length).toBe(out.calls as number);
          expect(e.messages().length).toBeLessThan(a.messages().length);
        }
      } finally {
        await Promise.all([a.close(), b.close(), c.close()]);
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'new_case may propose a workflow and say why; the chain goes on as started',
    async () => {
      const e = await setupE2e({}, (o) => {
        const s = createScenario(o);
        return {
          log: s.log,
          responder: async (req: RecordedRequest, i: number): Promise<FakeReply> => {
            const t = readTurn(req.body ?? {});
            if (t?.prompt === 'new_case')
              return {
                toolUses: [
                  {
                    name: 'record_findings',
                    input: {
                      summary: 'A reported failure.',
                      decisions: [
                        { key: 'workflow', choice: 'bugfix', rationale: 'the task reports a 500 on login' },
                      ],
                    },
                  },
                ],
              };
            return s.responder(req, i);
          },
        };
      });
      try {
        const r = await e.run(
          '--yes',
          '--json',
          '--until',
          'requirements-clarification',
          'Login fails with a 500 since the upgrade',
        );
        expect(r.exitCode, r.stderr).toBe(0);
        expect(instructionsOf(e, 'new_case')).toContain('choice `bugfix` (a reported failure)');
        expect(r.stderr).toContain(
          'new_case proposes the bugfix workflow: the task reports a 500 on login. This chain goes on as started; to follow it: claude-exec --workflow bugfix "<task>"',
        );
        const { ctx } = await onlyChain(e.ws.root);
        expect(ctx.workflow?.name).toBe('feature');
        expect(promptsRun(e)).toContain('requirement_disambiguator');
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'a chain step starts a sub-chain with its own workflow and context file, and the workflow goes on after it',
    async () => {
      const e = await setupE2e();
      try {
        await mkdir(path.join(e.ws.root, 'workflows'));
        await writeFile(
          path.join(e.ws.root, 'workflows', 'release.yaml'),
          [
            'name: release',
            'description: Review, document in a sub-chain, report.',
            'steps:',
            '  - { prompt: code_reviewer }',
            '  - chain: { goal: "Document the auth API", workflow: docs }',
            '  - { prompt: status_reporter }',
          ].join('\n'),
        );
        e.trust();
        const r = await e.run('--yes', '--json', '--workflow', 'release', 'Prepare release 1.2');
        expect(r.exitCode, r.stderr).toBe(0);
        expect(
          promptsRun(e).map((p) => (p === 'api_doc_generator' || p === 'adr_generator' ? 'docs-branch' : p)),
        ).toEqual([
          'code_reviewer',
          'docs-branch',
          'docs-branch',
          'release_notes_generator',
          'status_reporter',
        ]);
        const files = await contextFiles(e.ws.root);
        expect(files).toHaveLength(2);
        const [parent, child] = files.map((f) => readContext(f));
        expect(parent!.children).toEqual([child!.chain_id]);
        expect(child).toMatchObject({
          parent: parent!.chain_id,
          status: 'complete',
          workflow: { name: 'docs' },
        });
        expect(parent!.status).toBe('complete');
        // The sub-chain's calls are its own: each request is recorded in exactly one of the two.
        expect(parent!.calls.length + child!.calls.length).toBe(e.messages().length);
        expect(child!.goal).toContain('Document the auth API');
        const tree = await e.run('chains', '--tree');
        expect(tree.stdout).toMatch(new RegExp(`└─ ${child!.chain_id}  complete`));
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'a misspelt workflow is exit 2 with a suggestion and starts no chain',
    async () => {
      const e = await setupE2e();
      try {
        const r = await e.run('--yes', '--workflow', 'bugfx', GOAL);
        expect(r.exitCode).toBe(2);
        expect(r.stderr).toContain('no workflow named "bugfx"');
        expect(r.stderr).toContain('Did you mean: bugfix?');
        expect(e.messages()).toHaveLength(0);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );
});
