/**
 * A second opinion at the quality gates through the built binary and the fake Messages API:
 * config `quality_gates.second_opinion: "smart"` runs code_reviewer and security_scanner again on
 * the smart tier's model; when the second review blocks what the first passed, both verdicts are
 * recorded, --yes takes the stricter one (back to implementation with its issue), the
 * disagreement is printed at the end of the run, and the second model's calls are the chain's.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FakeReply, Responder } from '../helpers/fake-anthropic.js';
import { jsonOut, onlyChain, setupE2e } from '../helpers/e2e.js';
import { createScenario, GOAL, readTurn, type ScenarioOptions } from '../helpers/scenario.js';

const E2E_TIMEOUT_MS = 240_000;
const FIRST = 'claude-sonnet-4-6';
const SECOND = 'claude-opus-4-6';
const ISSUE = 'the refresh route accepts an expired refresh token';

/** The JWT scenario, in which the second model's first code review blocks the change. */
function secondReviewerObjects(o: ScenarioOptions) {
  const base = createScenario(o);
  let objected = false;
  const responder: Responder = async (req, index) => {
    const reply: FakeReply = await base.responder(req, index);
    const t = readTurn(req.body ?? {});
    if (!t || 'fault' in reply || objected || t.prompt !== 'code_reviewer' || req.body.model !== SECOND)
      return reply;
    const use = reply.toolUses?.find((u) => u.name === 'record_findings');
    if (!use) return reply;
    objected = true;
    return {
      ...reply,
      toolUses: [
        {
          name: 'record_findings',
          input: {
            summary: 'code_reviewer: one blocking issue.',
            verdict: { passed: false, blocking_issues: [ISSUE] },
          },
        },
      ],
    };
  };
  return { ...base, responder };
}

describe('second opinion at the quality gates (built binary, fake API)', () => {
  it(
    'asks two models for code_reviewer, records both verdicts, takes the stricter with --yes and prints the disagreement',
    async () => {
      const e = await setupE2e({}, secondReviewerObjects);
      try {
        await writeFile(
          path.join(e.ws.root, 'claude-exec.config.json'),
          JSON.stringify({ quality_gates: { second_opinion: 'smart' } }),
        );
        e.trust();
        const r = await e.run('--yes', GOAL);
        expect(r.exitCode, r.stderr).toBe(0);
        expect(e.server.rejected.map((x) => x.message)).toEqual([]);
        const reqs = e.messages();
        const reviewModels = new Set(
          reqs.filter((q) => readTurn(q.body)?.prompt === 'code_reviewer').map((q) => q.body.model),
        );
        expect(reviewModels).toEqual(new Set([FIRST, SECOND]));
        const scanModels = new Set(
          reqs.filter((q) => readTurn(q.body)?.prompt === 'security_scanner').map((q) => q.body.model),
        );
        expect(scanModels).toEqual(new Set([FIRST, SECOND]));

        const { ctx } = await onlyChain(e.ws.root);
        expect(ctx.status).toBe('complete');
        const reviews = ctx.second_opinions.filter((o) => o.prompt === 'code_reviewer');
        expect(reviews[0]).toMatchObject({
          agree: false,
          first: { model: FIRST, passed: true, blocking_issues: [] },
          second: { model: SECOND, passed: false, blocking_issues: [ISSUE] },
          decision: 'failed',
          decided_by: 'assumed',
          question_id: expect.stringMatching(/^SO\d+-code_reviewer$/),
        });
        // Both steps are in the chain, the second one marked with its model.
        const secondStep = ctx.steps.find((s) => s.n === reviews[0]!.second.step)!;
        expect(secondStep).toMatchObject({
          prompt: 'code_reviewer',
          second_opinion: SECOND,
          status: 'complete',
        });
        expect(ctx.steps.find((s) => s.n === reviews[0]!.first.step)).toMatchObject({
          prompt: 'code_reviewer',
          status: 'complete',
        });
        expect(ctx.steps.find((s) => s.n === reviews[0]!.first.step)!.second_opinion).toBeUndefined();
        // The stricter verdict stood: implementation went on with the second reviewer's issue.
        // (The second run continues the first run's conversation: a new user turn carries the issue.)
        const tdd = reqs.map((q) => readTurn(q.body)).filter((t) => t?.prompt === 'tdd_flow_controller');
        expect([...new Set(tdd.map((t) => t!.continued))]).toEqual([0, 1]);
        expect(tdd.find((t) => t!.continued === 1)!.latest).toContain(ISSUE);
        // The re-review agreed (both passed), then readiness.
        expect(reviews.slice(1)).toEqual([
          expect.objectContaining({ agree: true, decision: 'passed', decided_by: 'agreement' }),
        ]);
        expect(
          ctx.assumptions.some(
            (a) =>
              a.includes('the two verdicts disagree') &&
              a.endsWith('→ fail (proposed default, accepted with --yes)'),
          ),
        ).toBe(true);
        // The second model's calls are the chain's, priced like any call.
        const opusCalls = ctx.calls.filter((c) => c.model === SECOND);
        expect(opusCalls.length).toBeGreaterThanOrEqual(4);
        expect(opusCalls.every((c) => typeof c.cost_usd === 'number' && c.cost_usd > 0)).toBe(true);
        expect(ctx.cost_tracking.by_model[SECOND]).toBeCloseTo(
          opusCalls.reduce((s, c) => s + c.cost_usd!, 0),
          10,
        );
        expect(ctx.calls.length).toBe(reqs.length);
        // Shown at the end of the run.
        expect(r.stdout).toContain(
          `second opinion on code_reviewer: DISAGREE (${FIRST} passed, ${SECOND} failed) → failed (the stricter verdict, --yes;`,
        );
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'without a terminal and without --yes a disagreement waits (exit 3) for `answer SO…=pass`, which accepts the change',
    async () => {
      const e = await setupE2e({ questionRounds: 0 }, secondReviewerObjects);
      try {
        await writeFile(
          path.join(e.ws.root, 'claude-exec.config.json'),
          JSON.stringify({ quality_gates: { second_opinion: SECOND } }),
        );
        e.trust();
        const first = await e.run('--json', GOAL);
        expect(first.exitCode, first.stderr).toBe(3);
        const id = String(jsonOut(first).chain_id);
        const approved = await e.run('approve', id, '--all-changes', '--json');
        expect(approved.exitCode, approved.stderr).toBe(3);
        const waiting = jsonOut(approved);
        expect(waiting).toMatchObject({
          status: 'awaiting-input',
          current_phase: 'implementation',
          pending: { kind: 'questions' },
        });
        let { ctx } = await onlyChain(e.ws.root);
        const o = ctx.second_opinions.find((x) => x.prompt === 'code_reviewer')!;
        expect(o).toMatchObject({ agree: false, decision: null, decided_by: null });
        expect(ctx.pending).toEqual({ kind: 'questions', question_ids: [o.question_id] });
        expect(ctx.phase_history.some((p) => p.phase === 'deployment-readiness')).toBe(false);
        expect(approved.stderr).toContain(`claude-exec answer ${id} --answer ${o.question_id}=`);
        expect(waiting.second_opinions).toEqual([
          expect.objectContaining({
            prompt: 'code_reviewer',
            agree: false,
            decision: null,
            question_id: o.question_id,
          }),
          expect.objectContaining({
            prompt: 'security_scanner',
            agree: true,
            decision: 'passed',
            decided_by: 'agreement',
          }),
        ]);

        const done = await e.run('answer', id, '--answer', `${o.question_id}=pass`, '--json');
        expect(done.exitCode, done.stderr).toBe(0);
        expect(jsonOut(done)).toMatchObject({ status: 'complete' });
        ({ ctx } = await onlyChain(e.ws.root));
        expect(ctx.second_opinions.find((x) => x.prompt === 'code_reviewer')).toMatchObject({
          decision: 'passed',
          decided_by: 'user',
        });
        // Accepted: no second implementation round, and no gate step ran twice for the same opinion.
        expect(
          e
            .messages()
            .map((q) => readTurn(q.body))
            .filter((t) => t?.prompt === 'tdd_flow_controller' && t.turn === 0),
        ).toHaveLength(1);
        expect(
          ctx.steps.filter((s) => s.prompt === 'code_reviewer').map((s) => s.second_opinion ?? 'first'),
        ).toEqual(['first', SECOND]);
        expect(ctx.calls.length).toBe(e.messages().length);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );
});
