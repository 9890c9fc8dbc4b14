/**
 * End to end on the claude-code backend (see claude-code.test.ts): pauses at each gate and
 * resumes in new processes without repeating a call; on a Claude subscription the tokens are
 * recorded and the cost is marked subscription.
 */
import { expect, it } from 'vitest';
import { CC_E2E_TIMEOUT_MS, claudeCodeE2e, describeClaudeCode } from '../helpers/claude-code.js';
import { jsonOut, onlyChain } from '../helpers/e2e.js';
import { GOAL, readTurn } from '../helpers/scenario.js';
import { TOKEN_MODULE_PATH, TOKEN_TEST_PATH } from '../helpers/scenario-files.js';

describeClaudeCode(
  'claude-exec --backend claude-code: gates and subscription (built binary, Agent SDK, fake API)',
  () => {
    it(
      'pauses at each gate (exit 3) and resumes in new processes without repeating a call',
      async () => {
        const e = await claudeCodeE2e({}, { CLAUDE_EXEC_BACKEND: 'claude-code' });
        try {
          const first = await e.run('--json', GOAL);
          expect(first.exitCode, first.stderr).toBe(3);
          const id = jsonOut(first).chain_id as string;
          expect(jsonOut(first)).toMatchObject({ status: 'awaiting-input', pending: { kind: 'questions' } });

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
          expect(jsonOut(answered)).toMatchObject({ pending: { kind: 'approval' } });
          const approved = await e.run('approve', id, '--json');
          expect(approved.exitCode, approved.stderr).toBe(3);
          expect(jsonOut(approved)).toMatchObject({
            pending: { kind: 'file-change', path: TOKEN_TEST_PATH },
          });
          const paused = (await onlyChain(e.ws.root)).ctx;
          const pausedStep = paused.in_flight.at(-1)!;
          expect(pausedStep.messages[0]).toMatchObject({ type: 'claude_code_session' });
          const before = e.messages().length;

          const done = await e.run('resume', id, '--yes', '--json');
          expect(done.exitCode, done.stderr).toBe(0);
          expect(jsonOut(done)).toMatchObject({
            status: 'complete',
            files_modified: [TOKEN_TEST_PATH, TOKEN_MODULE_PATH],
          });
          const { ctx } = await onlyChain(e.ws.root);
          // Every request the server saw is one recorded call: nothing was sent twice.
          expect(ctx.calls).toHaveLength(e.messages().length);
          expect(new Set(ctx.calls.map((c) => c.message_id)).size).toBe(ctx.calls.length);
          // The first request after the pause continued the paused session with the approved write.
          const resumed = e.messages()[before]!;
          expect(readTurn(resumed.body)?.prompt).toBe('test_generator');
          const lastUser = JSON.stringify(resumed.body.messages.at(-1));
          expect(lastUser).toContain(`created ${TOKEN_TEST_PATH}`);
          expect(resumed.headers['x-claude-code-session-id']).toBe(
            (pausedStep.messages[0] as { session_id: string }).session_id,
          );
        } finally {
          await e.close();
        }
      },
      CC_E2E_TIMEOUT_MS,
    );

    it(
      'on a Claude subscription (OAuth token): tokens recorded, cost marked subscription, never $0',
      async () => {
        const e = await claudeCodeE2e({ questionRounds: 0 });
        try {
          delete e.env.ANTHROPIC_API_KEY;
          e.env.CLAUDE_CODE_OAUTH_TOKEN = 'sk-ant-oat01-e2e-subscription-token';
          const r = await e.run(
            '--backend',
            'claude-code',
            '--yes',
            '--json',
            '--max-cost',
            '0.01',
            '--until',
            'uncertainty-analysis',
            GOAL,
          );
          expect(r.exitCode, r.stderr).toBe(0);
          expect(r.stderr).toContain('--max-cost does not limit this chain');
          const out = jsonOut(r);
          expect(out).toMatchObject({ status: 'paused', cost_usd: null, billing: 'subscription' });
          const sent = e.messages();
          expect(
            sent.every((q) => q.headers.authorization === 'Bearer sk-ant-oat01-e2e-subscription-token'),
          ).toBe(true);
          const { ctx } = await onlyChain(e.ws.root);
          expect(ctx.calls).toHaveLength(sent.length);
          expect(ctx.calls.every((c) => c.billing === 'subscription' && c.cost_usd === null)).toBe(true);
          expect(ctx.cost_tracking).toMatchObject({
            subscription_calls: sent.length,
            unpriced_calls: 0,
            estimated_cost: 0,
          });
          expect(ctx.cost_tracking.tokens_used).toBeGreaterThan(0);

          const cost = jsonOut(await e.run('chain-cost', ctx.chain_id, '--json'));
          expect(cost).toMatchObject({
            schema: 'claude-exec/chain-cost@1',
            billing: 'subscription',
            cost_usd: null,
            cost_per_prompt_usd: null,
            subscription_calls: sent.length,
            unpriced_calls: 0,
          });
          const text = await e.run('chain-cost', ctx.chain_id);
          expect(text.stdout).toContain('Estimated cost: subscription');
          expect(text.stdout).not.toMatch(/\$0\.0000/);
          const report = jsonOut(await e.run('cost-report', '--json'));
          expect(report).toMatchObject({
            totals: { cost_usd: null, subscription_calls: sent.length, unpriced_calls: 0 },
            average_cost_per_chain_usd: null,
          });
          expect(report.top_chains).toMatchObject([
            { chain_id: ctx.chain_id, cost_usd: null, subscription_calls: sent.length },
          ]);
          expect((await e.run('cost-report')).stdout).toContain('Total cost: subscription');
        } finally {
          await e.close();
        }
      },
      CC_E2E_TIMEOUT_MS,
    );
  },
);
