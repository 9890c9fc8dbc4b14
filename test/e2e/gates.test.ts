/**
 * End to end: without a terminal and without --yes the chain stops at each human gate (exit 3,
 * awaiting-input) and `answer`, `approve` and `resume` continue it, each in a new process.
 */
import { describe, expect, it } from 'vitest';
import { jsonOut, onlyChain, phasesOf, setupE2e } from '../helpers/e2e.js';
import { readTurn, GOAL, RESOLVER_ANSWER } from '../helpers/scenario.js';
import { SOLUTION, TOKEN_MODULE_PATH, TOKEN_TEST_PATH } from '../helpers/scenario-files.js';

/** Generous: a run spawns several processes, and other test files share the two cores. */
const E2E_TIMEOUT_MS = 300_000;

describe.concurrent('gates without a terminal', () => {
  it(
    'stops at questions, the solution and the first file change; answer, approve and resume finish without repeating a call',
    async () => {
      // One overload on the 4th message: the SDK retries it, so the server sees one extra POST.
      const e = await setupE2e({ faults: { 3: { status: 529, headers: { 'retry-after-ms': '5' } } } });
      try {
        const first = await e.run('--json', GOAL);
        expect(first.exitCode, first.stderr).toBe(3);
        const asked = jsonOut(first);
        expect(asked).toMatchObject({
          status: 'awaiting-input',
          pending: { kind: 'questions', questions: [{ id: 'q1' }, { id: 'q2' }] },
          exit_code: 3,
        });
        // CI sees the questions with their proposed defaults on stderr.
        expect(first.stderr).toContain('q1: Should refresh tokens rotate on every use?');
        expect(first.stderr).toContain('proposed default: Yes, rotate and revoke the old token');
        expect(asked.open_questions).toHaveLength(2);
        expect(first.stderr).toContain('claude-exec answer 001 --answer q1=');
        const id = asked.chain_id as string;

        const answered = await e.run(
          'answer',
          id,
          '--answer',
          'q1=Yes, rotate on every use',
          '--answer',
          'q2=Read it from JWT_SIGNING_KEY',
          '--json',
        );
        expect(answered.exitCode, answered.stderr).toBe(3);
        expect(jsonOut(answered)).toMatchObject({
          status: 'awaiting-input',
          current_phase: 'solution-approval',
          pending: { kind: 'approval' },
        });
        expect(answered.stderr).toContain(`claude-exec approve ${id}`);
        let { ctx } = await onlyChain(e.ws.root);
        expect(ctx.questions.map((q) => [q.id, q.answer, q.answered_by])).toEqual([
          ['q1', 'Yes, rotate on every use', 'user'],
          ['q2', 'Read it from JWT_SIGNING_KEY', 'user'],
        ]);
        // The answers reached the model, which turned them into decisions.
        expect(Object.values(ctx.decisions).map((d) => d.choice)).toEqual([
          'Yes, rotate on every use',
          'Read it from JWT_SIGNING_KEY',
        ]);
        expect(ctx.phase_history[0]!.clarifications).toHaveLength(2);

        const approved = await e.run('approve', id, '--json');
        expect(approved.exitCode, approved.stderr).toBe(3);
        expect(jsonOut(approved)).toMatchObject({
          status: 'awaiting-input',
          current_phase: 'implementation',
          pending: { kind: 'file-change', path: TOKEN_TEST_PATH },
        });
        // The diff of the pending change is shown, and `pending` prints exactly that.
        expect(approved.stderr).toContain('+import { createRefreshStore, signToken, verifyToken }');
        const pending = await e.run('pending', id);
        expect(pending.exitCode, pending.stderr).toBe(0);
        expect(pending.stdout).toContain(`waiting for approval of a change to ${TOKEN_TEST_PATH}`);
        expect(pending.stdout).toContain('+import { createRefreshStore, signToken, verifyToken }');
        ({ ctx } = await onlyChain(e.ws.root));
        expect(ctx.pending?.kind === 'file-change' && ctx.pending.diff).toContain(
          '+import { createRefreshStore, signToken, verifyToken }',
        );
        expect(ctx.session_memory.files_modified).toEqual([]);
        expect(ctx.checkpoints).toHaveLength(1);

        const done = await e.run('resume', id, '--yes', '--json');
        expect(done.exitCode, done.stderr).toBe(0);
        expect(jsonOut(done)).toMatchObject({
          status: 'complete',
          files_modified: [TOKEN_TEST_PATH, TOKEN_MODULE_PATH],
        });
        ({ ctx } = await onlyChain(e.ws.root));
        expect(ctx.approval_history.map((a) => [a.kind, a.user_response])).toEqual([
          ['solution', 'approved'],
          ['file-change', 'approved'],
          ['file-change', 'approved'],
        ]);

        // Four processes; every POST the server saw is a recorded call, except the one retried fault.
        const faults = e.scenario.log.filter((l) => l.fault).length;
        expect(faults).toBe(1);
        expect(e.messages().length).toBe(ctx.calls.length + faults);
        const bodies = e
          .messages()
          .filter((_, i) => !e.scenario.log.find((l) => l.index === i)?.fault)
          .map((r) => JSON.stringify(r.body.messages));
        expect(new Set(bodies).size).toBe(bodies.length);
        expect(new Set(ctx.calls.map((c) => c.request_id)).size).toBe(ctx.calls.length);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'approve --reject goes back to requirements with the reason; --more-info runs uncertainty_resolver and presents again',
    async () => {
      const e = await setupE2e({ questionRounds: 0 });
      try {
        const first = await e.run('--json', GOAL);
        expect(first.exitCode, first.stderr).toBe(3);
        expect(jsonOut(first)).toMatchObject({ status: 'awaiting-input', pending: { kind: 'approval' } });
        const id = jsonOut(first).chain_id as string;
        const before = e.messages().length;

        const why = 'Keep session login for the web UI; issue tokens only for the mobile API';
        const rejected = await e.run('approve', id, '--reject', why, '--json');
        expect(rejected.exitCode, rejected.stderr).toBe(3);
        expect(jsonOut(rejected)).toMatchObject({ status: 'awaiting-input', pending: { kind: 'approval' } });
        let { ctx } = await onlyChain(e.ws.root);
        const phases = [
          'requirements-clarification',
          'context-building',
          'uncertainty-analysis',
          'solution-approval',
        ];
        expect(phasesOf(ctx)).toEqual([...phases, ...phases]);
        expect(ctx.phase_history[3]!.exit_reason).toBe(`solution rejected: ${why}`);
        // The rejection reason reached the requirement prompts of the second round.
        // (after the memory's health check, due every 10 steps: the first pass ran 10)
        const again = e
          .messages()
          .slice(before)
          .map((r) => readTurn(r.body)!);
        expect(again.map((t) => t.prompt).slice(0, 2)).toEqual([
          'context_health_checker',
          'requirement_disambiguator',
        ]);
        expect(again[1]!.instructions).toContain(why);

        const question = 'How is logout handled once refresh tokens exist?';
        const asked = await e.run('approve', id, '--more-info', question, '--json');
        expect(asked.exitCode, asked.stderr).toBe(3);
        ({ ctx } = await onlyChain(e.ws.root));
        expect(phasesOf(ctx)).toEqual([...phases, ...phases]);
        const sol = ctx.phase_history.at(-1)!;
        expect(sol.prompts_executed).toEqual([
          'solution_presenter',
          'uncertainty_resolver',
          'solution_presenter',
        ]);
        const resolver = e
          .messages()
          .map((r) => readTurn(r.body)!)
          .find((t) => t.prompt === 'uncertainty_resolver');
        expect(resolver?.instructions).toContain(question);
        expect(ctx.approval_history.map((a) => [a.user_response, a.note])).toEqual([
          ['rejected', why],
          ['more-info', question],
        ]);
        // The answer is shown before the solution presented again: in the run's --json, `pending` and `pending --json`.
        const shownAnswer = [
          {
            question,
            answer: RESOLVER_ANSWER,
            step: ctx.steps.find((s) => s.prompt === 'uncertainty_resolver')!.n,
          },
        ];
        expect(jsonOut(asked)).toMatchObject({ pending: { kind: 'approval', answers: shownAnswer } });
        const pendingText = await e.run('pending', id);
        expect(pendingText.exitCode, pendingText.stderr).toBe(0);
        const out = pendingText.stdout;
        expect(out).toContain(`You asked: ${question}`);
        expect(out).toContain(RESOLVER_ANSWER);
        expect(out.indexOf(RESOLVER_ANSWER)).toBeLessThan(out.indexOf('The solution, presented again'));
        expect(out.indexOf('The solution, presented again')).toBeLessThan(
          out.indexOf(SOLUTION.trim().split('\n')[0]!),
        );
        const pendingJson = await e.run('pending', id, '--json');
        expect(jsonOut(pendingJson)).toMatchObject({
          schema: 'claude-exec/pending@1',
          pending: { kind: 'approval', answers: shownAnswer },
        });
        // The answer also appears in the gate log of `show`.
        const shown = await e.run('status', id, '--full', '--json');
        expect(
          (jsonOut(shown).approvals as { response: string; answer: string | null }[]).map((a) => [
            a.response,
            a.answer,
          ]),
        ).toEqual([
          ['rejected', null],
          ['more-info', RESOLVER_ANSWER],
        ]);

        const done = await e.run('approve', id, '--yes', '--json');
        expect(done.exitCode, done.stderr).toBe(0);
        expect(jsonOut(done)).toMatchObject({ status: 'complete' });
        ({ ctx } = await onlyChain(e.ws.root));
        expect(ctx.approval_history.filter((a) => a.kind === 'solution').map((a) => a.user_response)).toEqual(
          ['rejected', 'more-info', 'approved'],
        );
        expect(e.messages().length).toBe(ctx.calls.length);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );
});
