/**
 * End to end: `fork ID --from-step N` reuses the source chain's steps 1..N-1 without a request to
 * the fake API, and runs live from step N with the change (another answer, another model).
 */
import { describe, expect, it } from 'vitest';
import { contextFiles, jsonOut, readContext, setupE2e } from '../helpers/e2e.js';
import { GOAL, readTurn } from '../helpers/scenario.js';

const E2E_TIMEOUT_MS = 300_000;

describe.concurrent('claude-exec fork (built binary, fake API)', () => {
  it(
    'reuses steps 1..N-1 with no request, answers as the source except the changed answer, and runs the rest live',
    async () => {
      const e = await setupE2e();
      try {
        const first = await e.run('--yes', '--json', '--until', 'uncertainty-analysis', GOAL);
        expect(first.exitCode, first.stderr).toBe(0);
        const [sourceFile] = await contextFiles(e.ws.root);
        const source = readContext(sourceFile!);
        const before = e.messages().length;
        expect(before).toBe(source.calls.length);
        // Step N: requirement_extractor, the first step that reads the answers.
        const n = source.steps.find((s) => s.prompt === 'requirement_extractor')!.n;
        expect(n).toBeGreaterThan(4);

        const r = await e.run(
          'fork',
          source.chain_id,
          '--from-step',
          String(n),
          '--answer',
          'q1=No rotation: one refresh token per user',
          '--yes',
          '--json',
          '--until',
          'uncertainty-analysis',
        );
        expect(r.stderr).toContain(`as a fork of ${source.chain_id}: steps 1..${n - 1} reused`);
        expect(r.exitCode, r.stderr).toBe(0);
        const out = jsonOut(r);
        const fork = readContext((await contextFiles(e.ws.root)).find((f) => f !== sourceFile)!);
        expect(fork.chain_id).toBe(out.chain_id);
        expect(fork.fork).toMatchObject({ chain_id: source.chain_id, from_step: n, changed: ['q1'] });

        // No request for the reused steps: the fork's first request is step N's prompt.
        const after = e
          .messages()
          .slice(before)
          .map((m) => readTurn(m.body ?? {})!);
        expect(after.length).toBe(fork.calls.length);
        expect(after[0]!.prompt).toBe('requirement_extractor');
        expect(after.every((t) => t.step >= n)).toBe(true);
        expect(fork.steps.slice(0, n - 1).map((s) => [s.prompt, s.reused_from])).toEqual(
          source.steps.slice(0, n - 1).map((s) => [s.prompt, { chain_id: source.chain_id, step: s.n }]),
        );
        expect(fork.steps.slice(0, n - 1).every((s) => !fork.calls.some((c) => c.step === s.n))).toBe(true);
        expect(fork.steps[n - 1]!.reused_from).toBeUndefined();
        // The changed answer reached step N; the unchanged one is the source's.
        expect(after[0]!.instructions).toContain('No rotation: one refresh token per user');
        expect(fork.questions.map((q) => [q.id, q.answer])).toEqual([
          ['q1', 'No rotation: one refresh token per user'],
          ['q2', source.questions.find((q) => q.id === 'q2')!.answer],
        ]);
        // Its cost is its own calls only.
        expect(out.calls).toBe(fork.calls.length);
        expect(fork.calls.length).toBeLessThan(source.calls.length);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    '--model changes the model from step N on; bad --from-step and unknown answers are exit 2 with no request',
    async () => {
      const e = await setupE2e();
      try {
        const first = await e.run('--yes', '--json', '--until', 'requirements-clarification', GOAL);
        expect(first.exitCode, first.stderr).toBe(0);
        const id = jsonOut(first).chain_id as string;
        const before = e.messages().length;
        for (const [args, message] of [
          [['--from-step', '99'], '--from-step 99 is not a step of chain'],
          [['--from-step', 'x'], '--from-step "x" must be a step number'],
          [['--from-step', '2', '--answer', 'q9=x'], 'question "q9" is not in chain'],
        ] as const) {
          const bad = await e.run('fork', id, ...args, '--yes');
          expect(bad.exitCode, bad.stderr).toBe(2);
          expect(bad.stderr).toContain(message);
        }
        expect(e.messages().length).toBe(before);

        const r = await e.run(
          'fork',
          id,
          '--from-step',
          '3',
          '--model',
          'claude-opus-4-6',
          '--yes',
          '--json',
          '--until',
          'requirements-clarification',
        );
        expect(r.exitCode, r.stderr).toBe(0);
        const models = e
          .messages()
          .slice(before)
          .map((m) => (m.body as { model: string }).model);
        expect(models.length).toBeGreaterThan(0);
        expect(new Set(models)).toEqual(new Set(['claude-opus-4-6']));
        expect(
          e
            .messages()
            .slice(before)
            .every((m) => readTurn(m.body ?? {})!.step >= 3),
        ).toBe(true);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );
  it(
    'a workflow chain forks too: the parallel branches are reused, the merge step runs again',
    async () => {
      const e = await setupE2e();
      try {
        const first = await e.run('--yes', '--json', '--workflow', 'review', 'Review this branch');
        expect(first.exitCode, first.stderr).toBe(0);
        const [sourceFile] = await contextFiles(e.ws.root);
        const source = readContext(sourceFile!);
        const merge = source.steps.find((s) => s.prompt === 'status_reporter')!.n;
        expect(merge).toBe(5);
        const before = e.messages().length;
        const r = await e.run('fork', source.chain_id, '--from-step', String(merge), '--yes', '--json');
        expect(r.exitCode, r.stderr).toBe(0);
        const prompts = [
          ...new Set(
            e
              .messages()
              .slice(before)
              .map((m) => readTurn(m.body ?? {})!.prompt),
          ),
        ];
        expect(prompts).toEqual(['status_reporter']);
        const fork = readContext((await contextFiles(e.ws.root)).find((f) => f !== sourceFile)!);
        expect(fork.workflow?.name).toBe('review');
        expect(fork.status).toBe('complete');
        expect(
          fork.steps
            .filter((s) => s.reused_from)
            .map((s) => s.prompt)
            .sort(),
        ).toEqual(['breaking_change_detector', 'code_reviewer', 'security_scanner', 'simplicity_checker']);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );
});
