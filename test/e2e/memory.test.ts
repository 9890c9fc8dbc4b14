/**
 * What the model sees, end to end: the built binary runs the JWT scenario against
 * a stand-in that plants a unique marker in every field of every step's result
 * (test/helpers/planted.ts); the test then finds each marker again in the requests the fake
 * received — which findings, answers, decisions, solution and plan reached which prompt — and in
 * the context file, which keeps every step's whole result. It also checks the size of the first
 * call and what later calls read from the prompt cache with one model for every tier (--model);
 * the chain's cache-read share is a benchmark (npm run bench: caching).
 */
import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/chain/schema.js';
import { jsonOut, onlyChain, setupE2e } from '../helpers/e2e.js';
import { createPlantedScenario, type PlantedMarker } from '../helpers/planted.js';
import { GOAL, QUESTION_ROUNDS, readTurn, type Turn } from '../helpers/scenario.js';
import { SOLUTION } from '../helpers/scenario-files.js';

const E2E_TIMEOUT_MS = 150_000;
const promptTokens = (c: CallRecord) =>
  c.usage.input_tokens + (c.usage.cache_creation_input_tokens ?? 0) + (c.usage.cache_read_input_tokens ?? 0);

describe('the chain memory, end to end (built binary, a stand-in that marks every string)', () => {
  it(
    'every answer, decision, assumption, requirement and the approved solution reach every implementation request; findings and risks reach the steps that need them',
    async () => {
      const e = await setupE2e({}, createPlantedScenario);
      try {
        const r = await e.run('--yes', '--json', '--model', 'claude-sonnet-4-6', GOAL);
        expect(r.exitCode, r.stderr).toBe(0);
        expect(jsonOut(r)).toMatchObject({ status: 'complete' });
        const { ctx } = await onlyChain(e.ws.root);
        const turns = e
          .messages()
          .map((q) => readTurn(q.body)!)
          .filter(Boolean);
        const firstTurn = (t: Turn) => t.turn === 0;
        const planted = e.scenario.planted;
        const of = (pred: (m: PlantedMarker) => boolean) => planted.filter(pred).map((m) => m.marker);
        const approvedAt = ctx.steps.find((s) => s.prompt === 'solution_designer')!.n;
        const beforeApproval = (m: PlantedMarker) => m.step < approvedAt;

        // Nothing a prompt recorded is thrown away: every marker is on its step in the context file.
        const stored = JSON.stringify(ctx.steps.map((s) => s.result));
        expect(planted.length).toBeGreaterThan(150);
        expect(planted.filter((m) => !stored.includes(m.marker)).map((m) => m.marker)).toEqual([]);

        const implementation = turns.filter((t) => t.phase === 'implementation');
        expect(new Set(implementation.map((t) => t.prompt))).toEqual(
          new Set([
            'solution_designer',
            'test_generator',
            'tdd_flow_controller',
            'code_reviewer',
            'security_scanner',
          ]),
        );
        const answers = QUESTION_ROUNDS[0]!.map(
          (q) => `- ${q.question} → ${q.default_answer} (assumed default)`,
        );
        const decisions = of((m) => m.field === 'decisions' && beforeApproval(m));
        const assumptions = of((m) => m.field === 'assumptions' && beforeApproval(m));
        const requirements = ctx.requirements.map((a) => `${a.id}: ${a.text}`);
        const approved = ctx.solution_versions.find((v) => v.status === 'approved')!;
        expect(approved.text).toContain(SOLUTION);
        expect(requirements.length).toBeGreaterThanOrEqual(2);
        for (const t of implementation) {
          const missing = [...answers, ...decisions, ...assumptions, ...requirements, approved.text].filter(
            (s) => !t.instructions.includes(s),
          );
          expect(missing, `${t.prompt} (step ${t.step}, turn ${t.turn})`).toEqual([]);
        }

        // The first implementation request: the findings and risks recorded before approval (the
        // issue's bar is 90%; here all of them fit), and the file plan reaches the steps after it.
        const first = implementation[0]!;
        expect(first.prompt).toBe('solution_designer');
        const early = of((m) => (m.field === 'findings' || m.field === 'risks') && beforeApproval(m));
        expect(early.length).toBeGreaterThanOrEqual(30);
        const reached = early.filter((m) => first.instructions.includes(m));
        expect(reached.length / early.length).toBeGreaterThanOrEqual(0.9);
        expect(early.filter((m) => !first.instructions.includes(m))).toEqual([]);
        const plan = of((m) => m.field === 'file_plan');
        for (const t of implementation.filter((x) => x.prompt !== 'solution_designer' && firstTurn(x)))
          expect(t.instructions).toContain(plan[0]);

        // Context building's findings and risks reach the synthesizer and every implementation prompt.
        const discovery = of(
          (m) =>
            m.phase === 'context-building' &&
            (m.field === 'findings' || m.field === 'risks') &&
            m.prompt !== 'prompt_selector',
        );
        expect(discovery.length).toBeGreaterThanOrEqual(6);
        const synth = turns.find((t) => t.prompt === 'solution_synthesizer')!;
        for (const t of [synth, ...implementation.filter(firstTurn)])
          expect(
            discovery.filter((m) => !t.instructions.includes(m)),
            t.prompt,
          ).toEqual([]);

        // The disambiguator's proposed question reaches clarification_generator; the selector sees
        // the prompts already run; discovery's own confidence does not move the chain's.
        const proposed = of((m) => m.field === 'questions' && m.prompt === 'requirement_disambiguator');
        expect(turns.find((t) => t.prompt === 'clarification_generator')!.instructions).toContain(
          proposed[0],
        );
        const decisionsSeen = turns.filter((t) => t.prompt === 'prompt_selector').at(-1)!.instructions;
        expect(decisionsSeen).toMatch(
          /### Prompts already run[\s\S]*trace_existing_flow \(context-building, focus: login flow/,
        );
        const analysis = turns.find((t) => t.prompt === 'uncertainty_analysis')!.instructions;
        expect(analysis).toContain('technical approach 0, implementation details 0');
        expect(analysis).toContain('[reported technical approach 0.8]');
        expect(ctx.steps.find((s) => s.prompt === 'trace_existing_flow')!.confidence_reported).toEqual({
          technical_approach: 0.8,
        });

        // The presentation is stored beside the solution; the gate presented it; the PR text came after readiness.
        expect(approved.presentation).toContain(SOLUTION);
        expect(ctx.approval_history.find((a) => a.kind === 'solution')!.presented).toBe(
          approved.presentation,
        );
        expect(ctx.steps.map((s) => s.prompt).slice(-2)).toEqual([
          'deployment_checker',
          'pr_description_writer',
        ]);
        expect(ctx.steps.some((s) => s.prompt === 'context_health_checker')).toBe(true);

        // The prefix: the first call sends at most 9,000 input tokens. With one model for every tier,
        // every later call reads the whole cached prefix (tools and system), and every later turn of
        // a step reads the turns before it: what is not read is the step's new instructions or turn.
        // The repository map, bounded on its own (2,000 tokens) and sized by the workspace, is not part
        // of that bound: its tokens (UTF-8 bytes of its JSON / 4, as the stand-in counts) are taken off.
        const calls = [...ctx.calls].sort((a, b) => a.id - b.id);
        // The map follows the rules and comes before the catalog (src/llm/layout.ts buildSystem).
        const system = (e.messages()[0]!.body as { system: { type: string; text: string }[] }).system;
        expect(system.map((b) => b.text.split('\n')[0]!.slice(0, 16))).toEqual([
          expect.any(String),
          '# Repository map',
          'Prompt catalog: ',
        ]);
        const map = system[1]!;
        const mapTokens = Math.ceil(
          Buffer.byteLength(JSON.stringify({ type: map.type, text: map.text })) / 4,
        );
        expect(mapTokens).toBeLessThanOrEqual(2_000);
        expect(promptTokens(calls[0]!) - mapTokens).toBeLessThanOrEqual(9_000);
        const prefix = calls[1]!.usage.cache_read_input_tokens ?? 0;
        expect(prefix).toBeGreaterThan(5_000);
        const implementing = (c: (typeof calls)[number]) =>
          c.phase === 'implementation' || c.phase === 'deployment-readiness';
        expect(
          calls
            .slice(1)
            .filter((c) => !implementing(c) && (c.usage.cache_read_input_tokens ?? 0) < prefix)
            .map((c) => c.id),
        ).toEqual([]);
        // Implementation and readiness requests go without the catalog: each reads the tools and rules.
        const late = calls.filter(implementing);
        const rules = late[0]!.usage.cache_read_input_tokens ?? 0;
        expect(rules).toBeGreaterThan(4_000);
        expect(rules).toBeLessThan(prefix);
        expect(late.filter((c) => (c.usage.cache_read_input_tokens ?? 0) < rules).map((c) => c.id)).toEqual(
          [],
        );
        const laterTurns = calls.filter((c, i) => calls.slice(0, i).some((x) => x.step === c.step));
        expect(laterTurns.length).toBeGreaterThan(8);
        expect(
          laterTurns
            .filter((c) => (c.usage.cache_read_input_tokens ?? 0) / promptTokens(c) < 0.85)
            .map((c) => c.id),
        ).toEqual([]);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'prompt run NAME --focus runs one prompt as a one-step chain; an alias runs the merged prompt; show --memory prints what a prompt sees',
    async () => {
      const e = await setupE2e();
      try {
        const r = await e.run(
          'prompt',
          'run',
          'security_scanner',
          '--focus',
          'the login route in src/app.js',
          '--json',
        );
        expect(r.exitCode, r.stderr).toBe(0);
        const out = jsonOut(r);
        expect(out).toMatchObject({
          status: 'complete',
          prompt: 'security_scanner',
          exit_code: 0,
          result: { verdict: { passed: true } },
        });
        const first = readTurn(e.messages()[0]!.body)!;
        expect(first).toMatchObject({ prompt: 'security_scanner', phase: 'implementation', step: 1 });
        expect(first.instructions).toContain('Focus: the login route in src/app.js');
        const { ctx } = await onlyChain(e.ws.root);
        expect(ctx).toMatchObject({
          single_prompt: 'security_scanner',
          goal: 'security_scanner: the login route in src/app.js',
          status: 'complete',
        });
        expect(ctx.calls.length).toBe(e.messages().length);
        expect(e.messages()[0]!.body.tools.map((t: { name: string }) => t.name)).toContain('read_file');

        const alias = await e.run('prompt', 'run', 'performance_auditor', '--json');
        expect(alias.exitCode, alias.stderr).toBe(0);
        expect(jsonOut(alias)).toMatchObject({ prompt: 'performance_profiler', status: 'complete' });

        const typo = await e.run('prompt', 'run', 'securty_scanner');
        expect(typo.exitCode).toBe(2);
        expect(typo.stderr).toMatch(/no prompt named "securty_scanner"/);

        const id = out.chain_id as string;
        const view = await e.run('show', id, '--memory', '--json');
        expect(view.exitCode, view.stderr).toBe(0);
        const memory = jsonOut(view);
        expect(memory).toMatchObject({
          chain_id: id,
          phase: 'implementation',
          prompt: 'security_scanner',
          budget_tokens: 12_000,
        });
        expect(memory.text).toContain('### Goal\nsecurity_scanner: the login route in src/app.js');
        expect(memory.text).toContain('[V1] verdict (security_scanner): passed');
        const plain = await e.run('show', id, '--memory');
        expect(plain.stdout.startsWith(`Chain ${id} · phase implementation`)).toBe(true);
        expect(plain.stderr).toMatch(/of 12,000 tokens/);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );
});
