/**
 * End to end: the built binary drives the JWT scenario on the Express fixture against the fake
 * Messages API — a full `--yes --json` run, a plan-only run (`--until`), and budget stops.
 */
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { PHASES } from '../../src/chain/schema.js';
import { deriveCostTracking } from '../../src/cost/tracking.js';
import { gitIn } from '../helpers/workspace.js';
import { jsonOut, onlyChain, phasesOf, readContext, setupE2e } from '../helpers/e2e.js';
import { GOAL, readTurn } from '../helpers/scenario.js';
import { SOLUTION, TOKEN_MODULE_PATH, TOKEN_TEST_PATH } from '../helpers/scenario-files.js';

/** Generous: a run spawns several processes, and other test files share the two cores. */
const E2E_TIMEOUT_MS = 300_000;

describe.concurrent('claude-exec run (built binary, fake API)', () => {
  it(
    'runs the chain to completion with --yes --json: phases, files, tests, checkpoint, exact usage and cost',
    async () => {
      const e = await setupE2e();
      try {
        const r = await e.run('--yes', '--json', GOAL);
        expect(r.stderr).not.toMatch(/\n\s+at /);
        expect(r.exitCode, r.stderr).toBe(0);
        const out = jsonOut(r);
        expect(out).toMatchObject({
          status: 'complete',
          exit_code: 0,
          current_phase: 'deployment-readiness',
        });

        const { file, ctx } = await onlyChain(e.ws.root);
        expect(out.file).toBe(file);
        expect(ctx.status).toBe('complete');
        expect(ctx.goal).toBe(GOAL);
        // Every phase, in order, with one round of questions answered by their defaults.
        expect([...new Set(phasesOf(ctx))]).toEqual([...PHASES]);
        expect(phasesOf(ctx)).toEqual([...PHASES]);
        expect(ctx.phase_history.every((p) => p.ended_at !== null && p.exit_reason)).toBe(true);
        expect(ctx.questions.map((q) => [q.id, q.answered_by])).toEqual([
          ['q1', 'assumed'],
          ['q2', 'assumed'],
        ]);
        expect(ctx.phase_history[1]!.prompts_executed).toEqual(
          expect.arrayContaining(['prompt_selector', 'trace_existing_flow', 'dependency_analyzer']),
        );
        expect(ctx.discovered.routes).toEqual(expect.arrayContaining(['POST /api/login', 'GET /api/me']));

        // The written files, and the fixture's own suite (old and new tests) passes.
        expect(ctx.session_memory.files_modified).toEqual([TOKEN_TEST_PATH, TOKEN_MODULE_PATH]);
        expect(ctx.session_memory.tests_written).toEqual([TOKEN_TEST_PATH]);
        expect(out.files_modified).toEqual([TOKEN_TEST_PATH, TOKEN_MODULE_PATH]);
        const suite = await execa('node', ['--test'], { cwd: e.ws.root, reject: false });
        expect(suite.exitCode, suite.stdout).toBe(0);
        expect(suite.stdout).toMatch(/# pass 13\b/);
        expect(suite.stdout).toMatch(/# fail 0\b/);

        // The pre-implementation checkpoint is a ref, not a commit on the branch.
        expect(ctx.checkpoints).toHaveLength(1);
        const ref = ctx.checkpoints[0]!.git_ref;
        expect(await gitIn(e.ws.root, ['show-ref'])).toContain(ref);
        expect(await gitIn(e.ws.root, ['rev-list', '--count', 'HEAD'])).toBe('1');

        // Usage recorded exactly as the server sent it, call by call, with the request ids.
        const sent = e.messages();
        expect(ctx.calls.length).toBe(sent.length);
        expect(e.server.sentUsage.length).toBe(sent.length);
        expect(ctx.calls.map((c) => c.request_id)).toEqual(
          expect.arrayContaining(sent.map((_, i) => `req_fake_${i}`)),
        );
        for (const call of ctx.calls) {
          const i = Number(call.request_id!.replace('req_fake_', ''));
          expect(call.usage).toEqual(e.server.sentUsage[i]);
        }
        // Calls are recorded in the order their responses arrived; only the concurrent discovery
        // batch may complete out of request order.
        const order = ctx.calls.map((c) => Number(c.request_id!.replace('req_fake_', '')));
        expect([...order].sort((a, b) => a - b)).toEqual(order.map((_, i) => i));
        expect(
          ctx.calls
            .filter((c, i) => order[i] !== i)
            .every((c) => c.phase === 'context-building' || c.phase === 'implementation'),
        ).toBe(true);
        expect(ctx.calls.some((c) => (c.usage.cache_read_input_tokens ?? 0) > 0)).toBe(true);
        expect(ctx.calls.every((c) => c.cost_usd !== null && c.cost_usd > 0)).toBe(true);
        expect(ctx.cost_tracking).toEqual(deriveCostTracking(ctx.calls));
        expect(out.calls).toBe(ctx.calls.length);
        // The summary rounds USD to 1e-6 and gives tokens by kind.
        expect(out.cost_usd).toBe(Math.round(ctx.cost_tracking.estimated_cost * 1e6) / 1e6);
        expect(out).toMatchObject({
          schema: 'claude-exec/run@1',
          billing: 'api',
          error: null,
          next: `claude-exec chain-cost ${ctx.chain_id}`,
        });
        expect(out.tokens).toEqual({
          input: ctx.cost_tracking.input_tokens,
          output: ctx.cost_tracking.output_tokens,
          cache_write: ctx.cost_tracking.cache_write_tokens,
          cache_read: ctx.cost_tracking.cache_read_tokens,
          total: ctx.cost_tracking.tokens_used,
        });
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    '--yes --until solution-approval stops AT the gate with the solution presented and nothing approved; approve continues',
    async () => {
      const e = await setupE2e();
      try {
        const r = await e.run('--yes', '--json', '--until', 'solution-approval', GOAL);
        expect(r.exitCode, r.stderr).toBe(0);
        const out = jsonOut(r);
        expect(out).toMatchObject({
          status: 'paused',
          exit_code: 0,
          files_modified: [],
          current_phase: 'solution-approval',
          pending: { kind: 'approval', solution: SOLUTION },
          error: null,
        });
        const paused = await onlyChain(e.ws.root);
        expect(paused.ctx.status).toBe('paused');
        expect(phasesOf(paused.ctx)).toEqual([
          'requirements-clarification',
          'context-building',
          'uncertainty-analysis',
          'solution-approval',
        ]);
        expect(paused.ctx.phase_history.at(-1)!.prompts_executed).toEqual(['solution_presenter']);
        expect(paused.ctx.approval_history).toEqual([]);
        expect(paused.ctx.session_memory.files_modified).toEqual([]);
        expect(paused.ctx.checkpoints).toEqual([]);
        expect(await gitIn(e.ws.root, ['status', '--porcelain', '--', 'src', 'test', 'package.json'])).toBe(
          '',
        );
        // CI sees what it would approve: the presented solution and the commands, on stderr.
        expect(r.stderr).toContain('is waiting for approval of its solution');
        expect(r.stderr).toContain(SOLUTION.split('\n')[2]!.trim());
        expect(r.stderr).toContain(`claude-exec approve ${paused.ctx.chain_id}`);
        const pending = await e.run('pending', paused.ctx.chain_id, '--json');
        expect(jsonOut(pending)).toMatchObject({
          schema: 'claude-exec/pending@1',
          pending: { kind: 'approval', solution: SOLUTION },
        });

        const approved = await e.run('approve', paused.ctx.chain_id, '--yes', '--json');
        expect(approved.exitCode, approved.stderr).toBe(0);
        expect(jsonOut(approved)).toMatchObject({ status: 'complete', chain_id: paused.ctx.chain_id });
        const { ctx } = await onlyChain(e.ws.root);
        expect(
          ctx.approval_history.filter((a) => a.kind === 'solution').map((a) => [a.user_response, a.note]),
        ).toEqual([['approved', null]]);
        expect(ctx.calls.slice(0, paused.ctx.calls.length)).toEqual(paused.ctx.calls);
        expect(ctx.calls.length).toBe(e.messages().length);
        expect(ctx.session_memory.files_modified).toEqual([TOKEN_TEST_PATH, TOKEN_MODULE_PATH]);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    '--max-cost 0.01 stops before the first call (exit 4); a budget stop mid-chain resumes with a higher limit',
    async () => {
      const e = await setupE2e();
      try {
        const tiny = await e.run('--yes', '--json', '--max-cost', '0.01', GOAL);
        expect(tiny.exitCode, tiny.stderr).toBe(4);
        expect(jsonOut(tiny)).toMatchObject({ status: 'budget-exceeded', calls: 0, exit_code: 4 });
        expect(tiny.stderr).toMatch(/budget reached/);
        // The start warned that the forecast is far above the cap; the hint names the chain and a
        // limit that covers the forecast (not a doubling that stops again at once).
        expect(tiny.stderr).toMatch(/the forecast \(\$[\d.]+\) is \d+× the --max-cost of \$0\.01/);
        const high = readContext(jsonOut(tiny).file as string).forecast!.cost_usd!.high;
        const suggested = Number(/resume \d+ --max-cost ([\d.]+)/.exec(tiny.stderr)![1]);
        expect(tiny.stderr).toContain(`claude-exec resume ${jsonOut(tiny).chain_id} --max-cost ${suggested}`);
        expect(suggested).toBeGreaterThanOrEqual(high);
        expect(tiny.stderr).not.toContain('resume ID');
        expect(tiny.stderr).not.toMatch(/\n\s+at /);
        expect(e.messages()).toHaveLength(0);

        const second = await e.run('--yes', '--json', '--max-cost', '0.2', GOAL);
        expect(second.exitCode, second.stderr).toBe(4);
        const stopped = jsonOut(second);
        expect(stopped).toMatchObject({ status: 'budget-exceeded' });
        expect(stopped.calls as number).toBeGreaterThan(2);
        expect(stopped.cost_usd as number).toBeLessThanOrEqual(0.2);
        expect(e.messages()).toHaveLength(stopped.calls as number);

        const id = stopped.chain_id as string;
        const resumed = await e.run('resume', id, '--max-cost', '50', '--yes', '--json');
        expect(resumed.exitCode, resumed.stderr).toBe(0);
        const done = jsonOut(resumed);
        expect(done).toMatchObject({ status: 'complete', chain_id: id });
        expect(e.messages()).toHaveLength(done.calls as number);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'recovers from an invalid result (one correction) and from a failed quality gate (back to tdd_flow_controller)',
    async () => {
      const e = await setupE2e({ failValidationOnce: ['uncertainty_analysis'], reviewFailsOnce: true });
      try {
        const r = await e.run('--yes', '--json', GOAL);
        expect(r.exitCode, r.stderr).toBe(0);
        expect(jsonOut(r)).toMatchObject({ status: 'complete' });
        const { ctx } = await onlyChain(e.ws.root);

        const analysis = ctx.steps.filter((s) => s.prompt === 'uncertainty_analysis');
        expect(analysis.map((s) => s.status)).toEqual(['complete']);
        expect(ctx.calls.filter((c) => c.step === analysis[0]!.n)).toHaveLength(2);
        const retry = e
          .messages()
          .map((q) => q.body)
          .filter((b) => readTurn(b)?.prompt === 'uncertainty_analysis')[1];
        expect(retry.tool_choice).toEqual({ type: 'tool', name: 'record_findings' });
        expect(JSON.stringify(retry.messages)).toMatch(
          /record_findings input is invalid.*confidence\.overall/,
        );
        expect(ctx.confidence_scores.overall).toBe(0.85);

        const impl = ctx.phase_history.find((p) => p.phase === 'implementation')!;
        expect(impl.prompts_executed.filter((p) => p === 'tdd_flow_controller')).toHaveLength(2);
        expect(impl.prompts_executed.filter((p) => p === 'code_reviewer')).toHaveLength(2);
        // The gate's blocking issue continues tdd_flow_controller's conversation as a new user turn.
        const second = e
          .messages()
          .map((q) => readTurn(q.body))
          .find((t) => t?.prompt === 'tdd_flow_controller' && t.latest.startsWith('Next iteration:'));
        expect(second?.latest).toContain('verifyToken must reject tokens without exp');
        expect(ctx.calls.length).toBe(e.messages().length);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );
});
