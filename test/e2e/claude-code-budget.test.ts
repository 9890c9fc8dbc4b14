/**
 * End to end on the claude-code backend (see claude-code.test.ts): the --max-cost stop and the
 * resume with a higher limit.
 */
import { expect, it } from 'vitest';
import { CC_E2E_TIMEOUT_MS, claudeCodeE2e, describeClaudeCode } from '../helpers/claude-code.js';
import { jsonOut } from '../helpers/e2e.js';
import { GOAL } from '../helpers/scenario.js';

describeClaudeCode(
  'claude-exec --backend claude-code: the budget (built binary, Agent SDK, fake API)',
  () => {
    it(
      '--max-cost stops before a call would pass the limit (exit 4); resume with a higher limit completes',
      async () => {
        const e = await claudeCodeE2e();
        try {
          const stopped = await e.run(
            '--backend',
            'claude-code',
            '--yes',
            '--json',
            '--max-cost',
            '0.2',
            GOAL,
          );
          expect(stopped.exitCode, stopped.stderr).toBe(4);
          const out = jsonOut(stopped);
          expect(out).toMatchObject({ status: 'budget-exceeded' });
          expect(stopped.stderr).toMatch(/budget reached/);
          expect(out.calls as number).toBeGreaterThan(2);
          expect(out.cost_usd as number).toBeLessThanOrEqual(0.2);
          expect(e.messages()).toHaveLength(out.calls as number);

          const resumed = await e.run(
            'resume',
            out.chain_id as string,
            '--backend',
            'claude-code',
            '--max-cost',
            '50',
            '--yes',
            '--json',
          );
          expect(resumed.exitCode, resumed.stderr).toBe(0);
          expect(e.messages()).toHaveLength(jsonOut(resumed).calls as number);
        } finally {
          await e.close();
        }
      },
      CC_E2E_TIMEOUT_MS,
    );
  },
);
